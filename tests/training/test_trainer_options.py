"""The speed options through `train_and_evaluate`: the same run, read in fewer host calls."""

import json
import os

import pytest
import tensorflow as tf

from tfavi import zoo
from tfavi.training import train_and_evaluate
from tfavi.training.run_directory import CHECKPOINT_DIR

pytestmark = pytest.mark.skipif(
    not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), "binarized_mnist")),
    reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
)


def _run(workdir, *overrides):
    config = zoo.resolve_config("vae_mlp", smoke=True, overrides=overrides)
    train_and_evaluate(config, str(workdir), verbose=0)
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_steps_per_loop_and_the_weight_average_keep_the_run(tmp_path):
    default = _run(tmp_path / "default")
    looped = _run(tmp_path / "looped", "steps_per_loop=3", "checkpoint_every_steps=2")
    averaged = _run(tmp_path / "averaged", "steps_per_loop=4", "ema_decay=0.5")
    _run(tmp_path / "resumed", "epochs=1")  # A speed setting may change when a run resumes.
    resumed = _run(tmp_path / "resumed", "steps_per_loop=3", "grappler_passes='remapping'")
    for a, b, c, d in zip(default, looped, averaged, resumed, strict=True):
        assert a["step"] == b["step"] == c["step"] == d["step"]
        for name, value in a["train"].items():
            assert b["train"][name] == pytest.approx(value, rel=1e-5)
            assert c["train"][name] == pytest.approx(value, rel=1e-5)
            assert d["train"][name] == pytest.approx(value, rel=1e-5)
        assert b["val"] == pytest.approx(a["val"], rel=1e-5)
        assert d["val"] == pytest.approx(a["val"], rel=1e-5)
        assert c["val"]["nelbo"] != pytest.approx(a["val"]["nelbo"], rel=1e-5)
    names = [n for n, _ in tf.train.list_variables(str(tmp_path / "averaged" / CHECKPOINT_DIR))]
    assert any(n.startswith("weight_average/averages/") for n in names)
    steps = tf.train.get_checkpoint_state(str(tmp_path / "looped" / CHECKPOINT_DIR))
    assert [p.rsplit("-", 1)[1] for p in steps.all_model_checkpoint_paths] == ["8", "10"]
