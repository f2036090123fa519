"""Every zoo entry's smoke variant trains with tools/train.py, evaluates with
tools/evaluate.py and samples with tools/sample.py from its reloaded model.keras
(`zoo_smoke_driver` runs them in two extra processes). The default run takes one zoo entry per
code path, `--run_large` all (tests/zoo_coverage.py)."""

import contextlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.fake_chardata import write_chardata
from tests.tools import zoo_smoke_driver
from tests.zoo_coverage import selected_names, zoo_params
from tfavi import zoo
from tfavi.data.omniglot_mat import OMNIGLOT_MAT_ENV
from tfavi.models import HierarchicalVAE

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(
        not all(
            os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), name))
            for name in ("binarized_mnist", "mnist", "cifar10")
        ),
        reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
    ),
]
REPO = Path(__file__).resolve().parents[2]
WORKERS = 2
"""Driver processes running in parallel: tracing the graphs, most of a smoke run, keeps one
core busy each. They split the entries alternately, so the costly attentive ones spread."""


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Runs the drivers on the entries selected in this session; returns their base dir. The
    OMNIGLOT entry reads a fake `chardata.mat` of 64 train and 16 test images."""
    base = tmp_path_factory.mktemp("zoo")
    names = selected_names(
        request, test_smoke_variant_trains_evaluates_and_samples_through_the_tools
    )
    rng = np.random.default_rng(0)
    chardata = base / "chardata.mat"
    write_chardata(chardata, rng.uniform(size=(64, 28, 28)), rng.uniform(size=(16, 28, 28)))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", OMNIGLOT_MAT_ENV: str(chardata)}
    with contextlib.ExitStack() as stack:
        drivers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.tools.zoo_smoke_driver", str(base)]
                + names[worker::WORKERS],
                cwd=REPO,
                env=env,
                stdout=stack.enter_context(open(base / f"driver_{worker}.log", "w")),
                stderr=subprocess.STDOUT,
            )
            for worker in range(WORKERS)
        ]
        for driver in drivers:
            stack.callback(driver.kill)  # A no-op unless the wait below timed out.
        for driver in drivers:
            driver.wait(timeout=3600)
    return base


@pytest.mark.parametrize("name", zoo_params())
def test_smoke_variant_trains_evaluates_and_samples_through_the_tools(name, runs):
    outcome_file = runs / name / "outcome.json"
    assert outcome_file.is_file(), [log.read_text()[-2000:] for log in runs.glob("driver_*.log")]
    outcome = json.loads(outcome_file.read_text())
    assert outcome["error"] is None, outcome["error"]

    workdir = runs / name / "run"
    config = json.loads((workdir / "config.json").read_text())
    metrics = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == list(range(1, config["epochs"] + 1))
    for record in metrics:
        _assert_finite(record["train"] | record["val"])
    evaluation = json.loads((workdir / "eval.json").read_text())
    assert evaluation["examples"] == zoo_smoke_driver.EVAL_EXAMPLES
    assert evaluation["num_importance_samples"] == zoo_smoke_driver.EVAL_IMPORTANCE_SAMPLES
    source = evaluation.pop("computed_from")
    assert source["step"] == metrics[-1]["step"], (source, metrics[-1])
    _assert_finite(evaluation)
    # tools/sample.py reloaded model.keras and drew what the trained model drew; only a
    # latent-variable model has reconstructions.
    latent = issubclass(zoo.get(name).model_class, HierarchicalVAE)
    assert (workdir / "samples" / "reconstructions.png").exists() == latent
    for png in ("samples_t1.00.png", "reconstructions.png")[: 1 + latent]:
        reloaded, trained = (
            _pixels(d / png) for d in (runs / name / "reloaded", workdir / "samples")
        )
        np.testing.assert_allclose(reloaded, trained, atol=1, err_msg=png)


def _assert_finite(values: dict) -> None:
    for key, value in values.items():
        assert math.isfinite(value), (key, value)


def _pixels(path) -> np.ndarray:
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy().astype(int)
