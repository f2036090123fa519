"""A finished run's entry in a results file, read from its workdir's files. Pure Python."""

import datetime
import json
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_records(workdir: str) -> list[dict]:
    """The epoch records of `metrics.jsonl`, the last one of each epoch (a resumed run may
    have repeated an epoch)."""
    by_epoch = {}
    with open(os.path.join(workdir, "metrics.jsonl")) as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                by_epoch[record["epoch"]] = record
    return [by_epoch[epoch] for epoch in sorted(by_epoch)]


def cell_entry(workdir: str, command: str, overrides: list[str], last_run_minutes: float) -> dict:
    """The numbers of the run in `workdir` (`config.json`, `metrics.jsonl`, `eval.json`), its
    learning curve (validation ELBO after each epoch) and how it was made."""
    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(workdir, "eval.json")) as f:
        evaluation = json.load(f)
    records = read_records(workdir)
    minutes, curve = 0.0, []
    for record in records:
        minutes += record["seconds"] / 60
        curve.append(
            {
                "epoch": record["epoch"],
                "minutes": round(minutes, 2),
                "val_elbo": round(-record["val"]["nelbo"], 3),
            }
        )
    return {
        "model": config["model_name"],
        "seed": config["seed"],
        "dataset": config["dataset"],
        "overrides": list(overrides),
        "epochs": records[-1]["epoch"] if records else 0,
        "steps": records[-1]["step"] if records else 0,
        "train_minutes": round(minutes, 2),
        "last_run_minutes": round(last_run_minutes, 2),
        "test_log_px": -evaluation["nll"],
        "test_elbo": -evaluation["nelbo"],
        "examples": evaluation["examples"],
        "num_importance_samples": evaluation["num_importance_samples"],
        "best_val_elbo": max((point["val_elbo"] for point in curve), default=None),
        "curve": curve,
        "workdir": workdir,
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
    }


def git_commit() -> str:
    """HEAD of the checkout, `-dirty` if files other than the results differ from it."""
    try:
        head = _git("rev-parse", "HEAD")
        changes = _git("status", "--porcelain", "--", ".", ":!benchmarks/results")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if changes else head


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
