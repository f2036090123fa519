"""The deep-GGM benchmark's summary: seed ranges, step-time ratios and the seed-spread verdict."""

import pytest

from benchmarks.deep_ggm import summarize


def _cell(elbo, log_likelihood, seconds_per_step, kl=(1.0, 2.0)):
    return {
        "test_elbo": elbo,
        "iw_log_likelihood": log_likelihood,
        "seconds_per_step": seconds_per_step,
        "steps": 10,
        "per_layer_kl": list(kl),
    }


def test_summary_gives_seed_ranges_time_ratios_and_whether_a_gain_beats_the_seed_spread():
    cells = {
        "time": {
            "diagonal": [
                _cell(-100.0, -95.0, 1.0, (1.0, 2.0)),
                _cell(-101.0, -96.0, 1.0, (3.0, 4.0)),
            ],
            # ELBO ranges [-101, -100] and [-99, -98] are disjoint; log-likelihoods overlap.
            "chain": [_cell(-99.0, -94.5, 1.5), _cell(-98.0, -95.5, 1.5)],
        }
    }
    rows = summarize(cells)["time"]
    assert rows["chain"]["test_elbo"] == {
        "mean": -98.5,
        "min": -99.0,
        "max": -98.0,
        "difference": 2.0,
        "exceeds_seed_spread": True,
    }
    assert rows["chain"]["iw_log_likelihood"]["difference"] == pytest.approx(0.5)
    assert rows["chain"]["iw_log_likelihood"]["exceeds_seed_spread"] is False
    assert rows["chain"]["step_time_ratio"] == 1.5
    assert rows["diagonal"]["step_time_ratio"] == 1.0
    assert rows["diagonal"]["per_layer_kl"] == [2.0, 3.0]
    assert rows["diagonal"]["steps"] == [10, 10]


def test_with_one_seed_there_is_no_verdict():
    rows = summarize(
        {"steps": {"diagonal": [_cell(-100, -95, 1.0)], "chain": [_cell(-90, -85, 2.0)]}}
    )
    assert rows["steps"]["chain"]["test_elbo"]["difference"] == 10
    assert rows["steps"]["chain"]["test_elbo"]["exceeds_seed_spread"] is None
