"""`training_summary`: epochs, steps, minutes and learning curve from `metrics.jsonl`."""

import json

from tfavi.training.run_summary import training_summary


def test_summary_counts_a_repeated_epoch_once_and_keeps_null_validation(tmp_path):
    records = [
        {"epoch": 1, "step": 5, "seconds": 60.0, "val": {"nelbo": 120.0}},
        {"epoch": 2, "step": 10, "seconds": 999.0, "val": {"nelbo": 110.0}},  # cut short
        {"epoch": 2, "step": 10, "seconds": 30.0, "val": {"nelbo": 100.5}},  # its rerun
        {"epoch": 3, "step": 15, "seconds": 30.0, "val": {"nelbo": None}},
    ]
    text = "\n".join(json.dumps(r) for r in records) + "\n\n"
    (tmp_path / "metrics.jsonl").write_text(text)
    assert training_summary(str(tmp_path)) == {
        "epochs": 3,
        "steps": 15,
        "train_minutes": 2.0,
        "curve": [
            {"epoch": 1, "minutes": 1.0, "val_elbo": -120.0},
            {"epoch": 2, "minutes": 1.5, "val_elbo": -100.5},
            {"epoch": 3, "minutes": 2.0, "val_elbo": None},
        ],
    }
