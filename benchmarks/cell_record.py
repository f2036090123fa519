"""A finished run's entry in a results file, read from its workdir's files."""

import datetime
import json
import os
import subprocess

from tfavi.training.run_summary import training_summary

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cell_entry(workdir: str, command: str, overrides: list[str], last_run_minutes: float) -> dict:
    """The numbers of the run in `workdir` (`config.json`, `metrics.jsonl`, `eval.json`), its
    learning curve (validation ELBO after each epoch) and how it was made."""
    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(workdir, "eval.json")) as f:
        evaluation = json.load(f)
    summary = training_summary(workdir)
    elbos = [point["val_elbo"] for point in summary["curve"] if point["val_elbo"] is not None]
    return {
        "model": config["model_name"],
        "seed": config["seed"],
        "dataset": config["dataset"],
        "overrides": list(overrides),
        **summary,
        "last_run_minutes": round(last_run_minutes, 2),
        "test_log_px": -evaluation["nll"],
        "test_elbo": -evaluation["nelbo"],
        "examples": evaluation["examples"],
        "num_importance_samples": evaluation["num_importance_samples"],
        "best_val_elbo": max(elbos, default=None),
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
