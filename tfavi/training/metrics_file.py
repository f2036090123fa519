"""`metrics.jsonl`: one JSON record per epoch, kept in step with the checkpoints.

The loop appends an epoch's record before it saves the epoch's checkpoint; on resume,
`reconcile` drops the records past the restored checkpoint (the run writes them again) and
any line that is not a whole JSON record (a write cut short by a kill).
"""

import json
import math
import os

import tensorflow as tf

from tfavi.training.run_directory import METRICS_FILE, write_atomically

REJECTED_FILE = "metrics.rejected.jsonl"


def json_line(record: dict) -> str:
    """`record` as one line of strict JSON: non-finite numbers become null, and a `reason`
    field (unless the record has one) names them."""
    replaced = []

    def finite(value, name):
        if isinstance(value, dict):
            return {k: finite(v, f"{name}.{k}" if name else k) for k, v in value.items()}
        if isinstance(value, float) and not math.isfinite(value):
            replaced.append(f"{name}={value}")
            return None
        return value

    clean = finite(record, "")
    if replaced and "reason" not in clean:
        clean["reason"] = "non-finite values written as null: " + ", ".join(replaced)
    return json.dumps(clean, allow_nan=False)


def append(workdir: str, record: dict) -> None:
    """Appends `record` as one line (see `json_line`)."""
    with tf.io.gfile.GFile(os.path.join(workdir, METRICS_FILE), "a") as f:
        f.write(json_line(record) + "\n")


def read(workdir: str) -> list[dict]:
    """The records of `metrics.jsonl` ([] if there is none); assumes a reconciled file."""
    path = os.path.join(workdir, METRICS_FILE)
    if not tf.io.gfile.exists(path):
        return []
    with tf.io.gfile.GFile(path) as f:
        return [json.loads(line) for line in f.read().splitlines() if line]


def reconcile(workdir: str, step: int) -> list[str]:
    """Makes `metrics.jsonl` agree with a checkpoint at `step`, atomically.

    Keeps the whole records up to `step`; the dropped lines go to `metrics.rejected.jsonl`.
    Returns the warnings printed.
    """
    path = os.path.join(workdir, METRICS_FILE)
    if not tf.io.gfile.exists(path):
        return []
    with tf.io.gfile.GFile(path) as f:
        text = f.read()
    kept, warnings = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        record, problem = _parse(line, step)
        if problem is None:
            kept.append(json_line(record))  # Also rewrites bare NaN tokens as null.
        elif line:
            warnings.append(f"line {number} {problem}")
            _reject(workdir, line)
    repaired = "".join(f"{line}\n" for line in kept)
    if repaired != text:
        write_atomically(path, repaired)
    for warning in warnings:
        print(f"WARNING: {path}: dropped {warning}.", flush=True)
    return warnings


def _parse(line: str, step: int) -> tuple:
    """The record on `line` and None, or None and why the line is dropped."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None, "(not a whole JSON record)"
    if not isinstance(record, dict) or not isinstance(record.get("step"), int):
        return None, "(not an epoch record)"
    if record["step"] > step:
        return None, f"(step {record['step']} is past the checkpoint's step {step}; rerun)"
    return record, None


def _reject(workdir: str, line: str) -> None:
    with tf.io.gfile.GFile(os.path.join(workdir, REJECTED_FILE), "a") as f:
        f.write(line + "\n")
