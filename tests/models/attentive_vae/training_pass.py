"""Checks shared by the tests of training settings that must not change a training pass
(`remat`, `shared_cell_graphs`)."""

import numpy as np


def batch_norm_statistics(model) -> list:
    return [v.numpy() for v in model.non_trainable_variables if "moving" in v.path]


def assert_same_training_pass(expected, actual, initial_statistics):
    """`expected` and `actual` are (gradients, batch-norm statistics) of one training pass
    from the same state: equal gradients up to rounding, statistics moved once and equal."""
    (expected_gradients, expected_statistics), (gradients, statistics) = expected, actual
    scale = max(np.abs(g).max() for g in expected_gradients)
    for a, b in zip(expected_gradients, gradients, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5 * scale)
    assert not any(np.allclose(a, b) for a, b in zip(initial_statistics, statistics, strict=True))
    for a, b in zip(expected_statistics, statistics, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
