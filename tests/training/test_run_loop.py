"""The training loop under faults: interrupted at chosen points, corrupted files, NaN data,
a diverging learning rate, a held workdir. Each interrupted run resumes to the weights,
records and evaluation of an uninterrupted one.

Faults are injected in this process (`TFAVI_FAULT_ACTION=raise`); the kill -9 versions are in
tests/tools/test_tools_end_to_end.py and benchmarks/fault_injection.py.
"""

import json
import os
import shutil
import socket
import subprocess

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfavi import zoo
from tfavi.training import (  # noqa: I001
    NonFiniteValidation,
    NonFiniteWeights,
    WorkdirLocked,
    epoch_loop,
    fault_points,
    metrics_file,
    run_loop,
    train_and_evaluate,
)
from tfavi.training.checkpoint_files import checkpoint_steps
from tfavi.training.run_directory import RunWithoutCheckpoint
from tfavi.training.workdir_lock import LOCK_FILE

pytestmark = pytest.mark.skipif(
    not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), "binarized_mnist")),
    reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
)
# Checkpoints at steps 2, 4, 5 (epoch 1), 6, 8, 10 (epoch 2): faults land mid-epoch too.
OVERRIDES = ["checkpoint_every_steps=2"]


def _config(*overrides):
    return zoo.resolve_config("vae_mlp", smoke=True, overrides=[*OVERRIDES, *overrides])


def _train(workdir, *overrides, **kwargs):
    fault_points.reset()
    return train_and_evaluate(_config(*overrides), str(workdir), verbose=0, **kwargs)


def _interrupt(workdir, point, monkeypatch, *overrides):
    monkeypatch.setenv("TFAVI_FAULT", point)
    monkeypatch.setenv("TFAVI_FAULT_ACTION", "raise")
    with pytest.raises(fault_points.InjectedFault):
        _train(workdir, *overrides)
    monkeypatch.delenv("TFAVI_FAULT")
    assert not (workdir / LOCK_FILE).exists()


def _outcome(workdir):
    """What an identical run must reproduce: records (but their times), eval.json, weights."""
    records = [{k: v for k, v in r.items() if k != "seconds"} for r in metrics_file.read(workdir)]
    evaluation = json.loads((workdir / "eval.json").read_text())
    weights = keras.models.load_model(workdir / "model.keras").get_weights()
    return records, evaluation, weights


def _assert_same_run(workdir, reference):
    records, evaluation, weights = _outcome(workdir)
    assert records == reference[0]
    assert evaluation == reference[1]
    for a, b in zip(weights, reference[2], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """An uninterrupted run and its outcome."""
    workdir = tmp_path_factory.mktemp("finished")
    _train(workdir)
    return workdir, _outcome(workdir)


def _copy(finished, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(finished[0], workdir)
    return workdir


@pytest.mark.parametrize(
    "point",
    [
        "step@3",  # Mid-epoch, one step past the checkpoint at step 2.
        "before_record@2",  # Epoch 2 trained, nothing of it written.
        "before_checkpoint@2",  # Epoch 2's record written, its checkpoint not.
        "model_saved_before_rename",  # Training done, model.keras half-way.
    ],
)
def test_an_interrupted_run_resumes_to_the_uninterrupted_one(
    point, finished, tmp_path, monkeypatch
):
    workdir = tmp_path / "run"
    _interrupt(workdir, point, monkeypatch)
    _train(workdir)
    _assert_same_run(workdir, finished[1])
    assert not [p for p in workdir.rglob("*") if ".tmp" in p.name or "_temp" in p.name]


def test_missing_or_garbled_checkpoint_index_changes_nothing(finished, tmp_path):
    for index in ("", "model_checkpoint_path: garbled\x00"):
        workdir = _copy(finished, tmp_path / f"index{len(index)}")
        path = workdir / "checkpoints" / "checkpoint"
        path.write_text(index) if index else path.unlink()
        (workdir / "eval.json").unlink()
        _train(workdir)
        _assert_same_run(workdir, finished[1])


def test_an_unreadable_latest_checkpoint_falls_back_to_the_previous(finished, tmp_path, capsys):
    workdir = _copy(finished, tmp_path)
    # The last epoch is undone but its checkpoint, now corrupt, stays.
    first_record = (workdir / "metrics.jsonl").read_text().splitlines()[0]
    (workdir / "metrics.jsonl").write_text(first_record + "\n")
    (workdir / "model.keras").unlink()
    (workdir / "eval.json").unlink()
    data_file = workdir / "checkpoints" / "ckpt-10.data-00000-of-00001"
    data_file.write_bytes(data_file.read_bytes()[:100])
    _train(workdir)
    out = capsys.readouterr().out
    assert "cannot restore" in out and "ckpt-10" in out and "using" in out and "ckpt-8" in out
    _assert_same_run(workdir, finished[1])
    assert (workdir / "checkpoints" / "unreadable" / "ckpt-10.index").exists()


def test_outputs_without_a_checkpoint_are_never_overwritten_unless_restart(finished, tmp_path):
    workdir = _copy(finished, tmp_path)
    shutil.rmtree(workdir / "checkpoints")
    before = (workdir / "metrics.jsonl").read_text()
    with pytest.raises(RunWithoutCheckpoint, match=r"metrics\.jsonl.*--restart"):
        _train(workdir)
    assert (workdir / "metrics.jsonl").read_text() == before
    _train(workdir, restart=True)
    _assert_same_run(workdir, finished[1])


def test_a_held_workdir_is_refused_before_anything_is_written(tmp_path):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        tmp_path.joinpath(LOCK_FILE).write_text(
            json.dumps({"host": socket.gethostname(), "pid": sleeper.pid})
        )
        with pytest.raises(WorkdirLocked, match=f"PID {sleeper.pid}"):
            _train(tmp_path)
        assert sorted(os.listdir(tmp_path)) == [LOCK_FILE]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_diverging_run_rolls_back_then_stops_naming_a_finite_checkpoint(
    tmp_path, capsys, monkeypatch
):
    # Updates whose loss and gradients pass the step's finiteness check but leave a NaN weight
    # (an overflow inside the optimizer): every training segment ends with a poisoned weight.
    train = epoch_loop.EpochLoop.train

    def diverging_train(self, *args, **kwargs):
        losses = train(self, *args, **kwargs)
        weight = self.model.trainable_variables[0]
        weight.assign(tf.fill(weight.shape, float("nan")))
        return losses

    monkeypatch.setattr(epoch_loop.EpochLoop, "train", diverging_train)
    with pytest.raises(NonFiniteWeights, match=r"ckpt-0, holds finite weights") as error:
        _train(tmp_path, "max_rollbacks=1")
    assert "rolling back to" in capsys.readouterr().out
    assert "after 1 rollbacks" in str(error.value)
    assert not (tmp_path / "model.keras").exists() and not (tmp_path / "eval.json").exists()
    _assert_checkpoints_finite(tmp_path)


def test_a_learning_rate_that_makes_every_update_non_finite_stops_the_run(tmp_path):
    # The reproduction: after one update the loss is NaN and every later update is
    # skipped; the run stops at max_consecutive_skips instead of reporting its evaluation.
    with pytest.raises(epoch_loop.TooManyNonFiniteSteps, match=r"20 updates in a row.*ckpt-"):
        _train(tmp_path, "learning_rate=1e4", "epochs=8")
    assert not (tmp_path / "model.keras").exists() and not (tmp_path / "eval.json").exists()
    _assert_checkpoints_finite(tmp_path)


def _assert_checkpoints_finite(workdir) -> None:
    steps = checkpoint_steps(str(workdir / "checkpoints"))
    assert steps
    for step in steps:
        reader = tf.train.load_checkpoint(str(workdir / "checkpoints" / f"ckpt-{step}"))
        for name in reader.get_variable_to_shape_map():
            value = reader.get_tensor(name)
            if np.issubdtype(np.asarray(value).dtype, np.floating):
                assert np.all(np.isfinite(value)), (step, name)


def _nan_from_epoch(function, first_nan_epoch):
    def batches(*args, **kwargs):
        dataset = function(*args, **kwargs)
        epoch = args[2]
        return dataset.map(lambda x: x * np.nan) if epoch >= first_nan_epoch else dataset

    return batches


def test_nan_batches_are_skipped_and_an_epoch_of_them_is_logged_as_null(tmp_path, monkeypatch):
    train_dataset = _nan_from_epoch(epoch_loop.data.train_dataset, first_nan_epoch=1)
    monkeypatch.setattr(epoch_loop.data, "train_dataset", train_dataset)
    _train(tmp_path)
    first, second = metrics_file.read(tmp_path)
    assert first["skipped_updates"] == 0 and first["train"]["nelbo"] > 0
    assert second["skipped_updates"] == 5 and set(second["train"].values()) == {None}
    assert "every update of the epoch was skipped" in second["reason"]
    assert np.isfinite(json.loads((tmp_path / "eval.json").read_text())["nelbo"])


def test_a_non_finite_validation_is_an_error_not_a_record(tmp_path, monkeypatch):
    eval_dataset = run_loop.data.eval_dataset

    def nan_dataset(*args, **kwargs):
        return eval_dataset(*args, **kwargs).map(lambda x: x * np.nan)

    monkeypatch.setattr(run_loop.data, "eval_dataset", nan_dataset)
    with pytest.raises(NonFiniteValidation, match=r"epoch 1 .*nelbo.*ckpt-4"):
        _train(tmp_path)
    assert not (tmp_path / "metrics.jsonl").exists()


# No epoch after the first improves on it by more than 1e9 nats: with patience 1 the run
# stops after epoch 2 of 4, and its saved and evaluated weights are epoch 1's.
EARLY_STOPPING = ["epochs=4", "early_stopping_patience=1", "early_stopping_min_delta=1e9"]


@pytest.fixture(scope="module")
def stopped_early(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("stopped_early")
    _train(workdir, *EARLY_STOPPING)
    return workdir, _outcome(workdir)


def test_early_stopping_saves_and_evaluates_the_best_epochs_weights(stopped_early):
    workdir, (records, evaluation, weights) = stopped_early
    assert [(r["epoch"], r["best_epoch"]) for r in records] == [(1, 1), (2, 1)]
    assert os.listdir(workdir / "best") == ["epoch00001.weights.h5"]
    best = zoo.build("vae_mlp", smoke=True)
    best.load_weights(workdir / "best" / "epoch00001.weights.h5")
    for a, b in zip(weights, best.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert evaluation["computed_from"]["step"] == 10 == records[-1]["step"]


def test_a_run_stopped_early_stays_stopped_and_resumes_to_the_same_outcome(
    stopped_early, tmp_path, monkeypatch
):
    workdir = _copy(stopped_early, tmp_path)
    _train(workdir, *EARLY_STOPPING)  # A rerun of the finished run trains nothing more.
    _assert_same_run(workdir, stopped_early[1])
    interrupted = tmp_path / "interrupted"
    _interrupt(interrupted, "after_checkpoint@1", monkeypatch, *EARLY_STOPPING)
    _train(interrupted, *EARLY_STOPPING)
    _assert_same_run(interrupted, stopped_early[1])


def test_more_patience_on_resume_trains_on(stopped_early, tmp_path):
    workdir = _copy(stopped_early, tmp_path)
    _train(workdir, "epochs=4", "early_stopping_patience=3", "early_stopping_min_delta=1e9")
    records = metrics_file.read(workdir)
    assert [(r["epoch"], r["best_epoch"]) for r in records] == [(1, 1), (2, 1), (3, 1), (4, 1)]
