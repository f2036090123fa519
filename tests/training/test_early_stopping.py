"""Early stopping on the validation ELBO, and the best epoch's weights in the workdir."""

import math
import os

import keras
import numpy as np
import pytest

from tfavi.training.early_stopping import BestWeights, EarlyStopping

VAL_NELBO = [100.0, 95.0, 95.5, 94.99, 96.0, 97.0, 93.0]


def _records(values):
    return [{"epoch": e, "val": {"nelbo": v}} for e, v in enumerate(values, start=1)]


def test_stops_after_patience_epochs_without_improvement():
    stopping = EarlyStopping(patience=2)
    improved, stopped_at = [], None
    for epoch, value in enumerate(VAL_NELBO, start=1):
        improved.append(stopping.update(epoch, value))
        if stopping.should_stop and stopped_at is None:
            stopped_at = epoch
    assert improved == [True, True, False, True, False, False, True]
    assert stopped_at == 6 and (stopping.best_epoch, stopping.best_nelbo) == (7, 93.0)


def test_min_delta_and_non_finite_values_are_not_improvements():
    stopping = EarlyStopping(patience=1, min_delta=0.1)
    assert stopping.update(1, 100.0) and stopping.update(2, 95.0)
    assert not stopping.update(3, 94.99)  # less than min_delta better
    assert stopping.should_stop and stopping.best_epoch == 2
    for value in (None, math.nan, -math.inf):
        assert not EarlyStopping(patience=1).update(1, value)


def test_zero_patience_never_stops():
    stopping = EarlyStopping.from_records(_records([90.0] + [99.0] * 50), patience=0)
    assert not stopping.should_stop and stopping.best_epoch == 1


def test_state_replayed_from_records_equals_the_incremental_one():
    incremental = EarlyStopping(patience=3)
    for epoch, value in enumerate(VAL_NELBO[:5], start=1):
        incremental.update(epoch, value)
    replayed = EarlyStopping.from_records(_records(VAL_NELBO[:5]), patience=3)
    assert vars(replayed) == vars(incremental)


def test_negative_patience_is_an_error():
    with pytest.raises(ValueError, match=r"patience \(-1\)"):
        EarlyStopping(patience=-1)


def _model(value):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    for weight in model.weights:
        weight.assign(np.full(weight.shape, value, dtype="float32"))
    return model


def test_best_weights_are_pruned_to_one_file_and_restore_the_best_epoch(tmp_path):
    best = BestWeights(str(tmp_path))
    best.prune(1)  # nothing saved yet: nothing to do
    best.save(_model(1.0), epoch=2)
    best.save(_model(5.0), epoch=4)
    assert best.epochs() == [2, 4]  # the previous best stays until the new one is recorded
    best.prune(4)
    assert os.listdir(tmp_path / "best") == ["epoch00004.weights.h5"]
    model = _model(0.0)
    best.restore(model, 4)
    for weight in model.weights:
        np.testing.assert_array_equal(weight.numpy(), 5.0)
    with pytest.raises(FileNotFoundError, match=r"best epoch 2 .*found epochs \[4\]"):
        best.restore(model, 2)


def test_an_interrupted_save_keeps_the_previous_best(tmp_path, monkeypatch):
    best = BestWeights(str(tmp_path))
    best.save(_model(1.0), epoch=1)

    def fail(source, target):
        raise OSError("killed")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="killed"):
        best.save(_model(2.0), epoch=3)
    assert best.epochs() == [1]
    model = _model(0.0)
    best.restore(model, 1)
    np.testing.assert_array_equal(model.weights[0].numpy(), 1.0)
    monkeypatch.undo()
    best.save(_model(3.0), epoch=4)
    best.prune(4)  # also clears the interrupted save's file
    assert os.listdir(tmp_path / "best") == ["epoch00004.weights.h5"]
