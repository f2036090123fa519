"""Every zoo entry's smoke variant trains with tools/train.py, evaluates with
tools/evaluate.py and samples with tools/sample.py; the tools run in this process
(`tools.cli.call`), so the whole zoo costs no extra TensorFlow start-ups."""

import json
import math
import os

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.fake_chardata import write_chardata
from tfavi.data.omniglot_mat import OMNIGLOT_MAT_ENV, load_omniglot_split
from tools import cli, evaluate, sample, train

pytestmark = pytest.mark.skipif(
    not all(
        os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), name))
        for name in ("binarized_mnist", "mnist", "cifar10")
    ),
    reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
)


@pytest.fixture(scope="module")
def fake_omniglot(tmp_path_factory):
    """A 64-image train and 16-image test `chardata.mat` for the OMNIGLOT entry."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("omniglot") / "chardata.mat"
    write_chardata(path, rng.uniform(size=(64, 28, 28)), rng.uniform(size=(16, 28, 28)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(OMNIGLOT_MAT_ENV, str(path))
        yield path
    load_omniglot_split.cache_clear()


@pytest.mark.parametrize("name", zoo.names())
def test_smoke_variant_trains_evaluates_and_samples_through_the_tools(
    name, tmp_path, fake_omniglot
):
    workdir = tmp_path / "run"
    cli.call(
        train,
        ["train.py", f"--model={name}", "--smoke", "--override=epochs=1", f"--workdir={workdir}"],
    )
    config = json.loads((workdir / "config.json").read_text())
    metrics = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == list(range(1, config["epochs"] + 1))
    for record in metrics:
        _assert_finite(record["train"] | record["val"])
    _assert_finite(json.loads((workdir / "eval.json").read_text()))

    cli.call(
        evaluate,
        [
            "evaluate.py",
            f"--workdir={workdir}",
            "--num_importance_samples=2",
            "--chunk_size=1",
            "--batch_size=2",
            "--max_examples=4",
        ],
    )
    evaluation = json.loads((workdir / "eval.json").read_text())
    assert evaluation["examples"] == 4 and evaluation["num_importance_samples"] == 2
    _assert_finite(evaluation)

    # tools/sample.py draws from the reloaded model.keras what training drew in memory.
    images = tmp_path / "images"
    cli.call(
        sample,
        [
            "sample.py",
            f"--workdir={workdir}",
            f"--num_images={config['num_sample_images']}",
            f"--seed={config['seed']}",
            f"--output_dir={images}",
        ],
    )
    for png in ("samples_t1.00.png", "reconstructions.png"):
        reloaded, trained = (_pixels(d / png) for d in (images, workdir / "samples"))
        np.testing.assert_allclose(reloaded, trained, atol=1, err_msg=png)


def _assert_finite(values: dict) -> None:
    for key, value in values.items():
        assert math.isfinite(value), (key, value)


def _pixels(path) -> np.ndarray:
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy().astype(int)
