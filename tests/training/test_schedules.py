"""Learning-rate schedules (attentive_vae.md section 7) and KL warm-up against hand values."""

import math

import keras
import numpy as np
import pytest

from tests.harness import run_serialization_test
from tfavi.training import CosineRestartWarmup, CosineWarmup
from tfavi.training.optimization import kl_beta


def _lr(schedule, s):
    """The rate at the spec's step s (counted from 1); optimizer iterations start at 0."""
    return float(schedule(s - 1))


def test_cosine_warmup_matches_the_official_formula():
    schedule = CosineWarmup(
        lr_max=0.01, lr_min=1e-4, warmup_epochs=5, decay_epochs=395, steps_per_epoch=312
    )
    w = 5 * 312
    assert _lr(schedule, 1) == pytest.approx(1e-4 + (1 / w) * (0.01 - 1e-4), rel=1e-5)
    assert _lr(schedule, w) == pytest.approx(0.01, rel=1e-5)
    alpha = 1e-4 / 0.01
    for s in (w + 1, w + 312 * 100 + 7, 312 * 400):
        e = s // 312 - 5
        expected = 0.01 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * e / 395)) + alpha)
        assert _lr(schedule, s) == pytest.approx(expected, rel=1e-5)
    assert _lr(schedule, 312 * 500) == pytest.approx(1e-4, rel=1e-4)
    # Constant within an epoch.
    assert _lr(schedule, w + 312 * 3 + 1) == _lr(schedule, w + 312 * 3 + 300)


def test_cosine_restart_warmup_restarts_after_each_doubling_period():
    schedule = CosineRestartWarmup(0.01, 1e-4, 5, 300, steps_per_epoch=10, t_mul=2.0, m_mul=1.0)
    at_epoch = lambda e: _lr(schedule, (e + 5) * 10)  # noqa: E731
    assert at_epoch(0) == pytest.approx(0.01, rel=1e-5)
    assert at_epoch(150) == pytest.approx(0.01 * (0.99 * 0.5 + 0.01), rel=1e-4)
    assert at_epoch(299) < 2e-4
    assert at_epoch(300) == pytest.approx(0.01, rel=1e-5)  # Restart.
    assert at_epoch(600) == pytest.approx(
        0.01 * (0.99 * 0.5 + 0.01), rel=1e-4
    )  # Mid 600-epoch period.
    assert at_epoch(899) < at_epoch(600)


@pytest.mark.parametrize(
    "schedule", [CosineWarmup(0.01, 1e-4, 5, 10, 3), CosineRestartWarmup(0.01, 1e-4, 5, 10, 3)]
)
def test_schedules_serialize(schedule):
    revived = run_serialization_test(schedule)
    np.testing.assert_allclose([revived(s) for s in range(60)], [schedule(s) for s in range(60)])
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)
    )
    assert type(restored) is type(schedule)


def test_kl_warmup_is_linear_from_start_to_one():
    assert [round(kl_beta(e, 0.1, 16), 6) for e in (0, 1, 15, 16, 50)] == [
        0.1,
        round(0.1 + 0.9 / 16, 6),
        round(0.1 + 15 * 0.9 / 16, 6),
        1.0,
        1.0,
    ]
    assert kl_beta(0, 1.0, 0) == 1.0
