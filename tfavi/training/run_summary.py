"""What a finished run's `metrics.jsonl` says: epochs, steps, training time, learning curve."""

import json
import os

import tensorflow as tf

from tfavi.training.run_directory import METRICS_FILE


def training_summary(workdir: str) -> dict:
    """The run's last epoch and step, its training minutes (the epochs' `seconds` summed) and
    its learning curve: after each epoch, the minutes so far and the validation ELBO (None
    where the record holds no finite value). A repeated epoch counts once, its last record."""
    by_epoch = {}
    with tf.io.gfile.GFile(os.path.join(workdir, METRICS_FILE)) as f:
        for line in f.read().splitlines():
            if line.strip():
                record = json.loads(line)
                by_epoch[record["epoch"]] = record
    minutes, curve = 0.0, []
    for epoch in sorted(by_epoch):
        record = by_epoch[epoch]
        minutes += record["seconds"] / 60
        nelbo = record["val"].get("nelbo")
        curve.append(
            {
                "epoch": epoch,
                "minutes": round(minutes, 2),
                "val_elbo": None if nelbo is None else round(-nelbo, 3),
            }
        )
    last = by_epoch[max(by_epoch)] if by_epoch else {"epoch": 0, "step": 0}
    return {
        "epochs": last["epoch"],
        "steps": last["step"],
        "train_minutes": round(minutes, 2),
        "curve": curve,
    }
