"""Shared checks for serializable tfavi objects (the keras-hub test-harness pattern)."""

import json
import os

import keras
import numpy as np


def run_serialization_test(instance):
    """`get_config` -> `from_config` -> the same config JSON."""
    config = instance.get_config()
    revived = instance.__class__.from_config(dict(config))  # from_config may pop keys.
    assert json.dumps(revived.get_config(), sort_keys=True, default=str) == json.dumps(
        config, sort_keys=True, default=str
    )
    return revived


def run_model_saving_test(model, outputs_fn, directory):
    """Saves `model` as `.keras`, reloads it with no custom_objects, and checks that the list
    of arrays `outputs_fn(model)` is identical for both."""
    path = os.path.join(directory, "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored) is type(model)
    expected, actual = outputs_fn(model), outputs_fn(restored)
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual, strict=True):
        np.testing.assert_array_equal(np.asarray(e), np.asarray(a))
    return restored
