"""Gaussian-graphical-model posteriors inside a small deep attentive hierarchy (issue 14).

    python benchmarks/deep_ggm.py --workdir=/tmp/deep_ggm --minutes=20 --steps=3000

The model is `attentive_vae_mnist` (dynamically binarized MNIST) shrunk to `small_attentive.SMALL`
(6 latent layers of 16 x 16 x 4, no non-local blocks) with its recipe (Adamax at a constant
1e-3, KL at full weight). For every seed, the posteriors (`diagonal`, `chain`,
`extended_grid`) train in turn, once for `--minutes` of training time each (equal wall clock)
and once for `--steps` steps each (equal steps). Each (regime, posterior, seed) cell lives in
`workdir/<regime>/<posterior>_seed<k>/`: a checkpoint every `--checkpoint_minutes`, then
`results.json` with the test negative ELBO, the importance-weighted log-likelihood (K =
`--num_importance_samples` on the first `--test_examples` test images, evaluated in shards of
`--eval_shard_size` images kept in the cell's `eval/`), the per-layer KL and the time per
step. The same command resumes unfinished cells (and their evaluations) and skips finished
ones.

Prints, per regime and posterior, the mean and range over seeds of the test ELBO and IW
log-likelihood (nats), the step-time ratio against `diagonal`, whether the difference to
`diagonal` exceeds the seed spread (the seed ranges do not overlap) and the per-layer KL;
writes all of it to `--output` (default `workdir/deep_ggm.json`). A finished cell is not
trained again: use a new workdir for other training flags.

Smoke run (about a minute):
    python benchmarks/deep_ggm.py --workdir=/tmp/deep_ggm_smoke --regimes=steps --steps=2 \
        --seeds=0,1 --num_layers=2 --test_examples=20 --num_importance_samples=3
"""

import json
import math
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import tfavi  # noqa: E402, F401, I001  (before TensorFlow, as the tools: tfavi.cpu_kernels)
import keras  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from benchmarks.budgeted_training import BudgetedRun, train_in_turn  # noqa: E402
from benchmarks.sharded_evaluation import evaluate_in_shards  # noqa: E402
from benchmarks.small_attentive import RECIPE, SMALL, per_layer_kl  # noqa: E402
from tfavi import data  # noqa: E402
from tfavi.training.run_directory import write_atomically  # noqa: E402

FLAGS = flags.FLAGS


def define_flags() -> list[str]:
    """Defines the script's flags (only when run, so importing `summarize` defines none);
    returns their names."""
    before = set(FLAGS)
    flags.DEFINE_string("workdir", None, "Folder of the cells; the same folder resumes.")
    flags.DEFINE_string("output", None, "Results JSON (default: workdir/deep_ggm.json).")
    flags.DEFINE_list("posteriors", ["diagonal", "chain", "extended_grid"], "Posterior structures.")
    flags.DEFINE_list("seeds", ["0", "1"], "Seeds of every posterior (at least 2 for a spread).")
    flags.DEFINE_list("regimes", ["time", "steps"], "Equal wall clock (time) and/or equal steps.")
    flags.DEFINE_float("minutes", 20.0, "Training minutes per cell of the time regime.")
    flags.DEFINE_integer("steps", 3000, "Training steps per cell of the steps regime.")
    flags.DEFINE_integer("num_layers", SMALL["num_layers"], "Latent layers of the model.")
    flags.DEFINE_integer("test_examples", 2000, "Test images of the evaluation.")
    flags.DEFINE_integer("num_importance_samples", 1000, "K of the IW log-likelihood.")
    flags.DEFINE_integer("chunk_size", 100, "Importance samples per model call.")
    flags.DEFINE_integer("eval_batch", 100, "Test images per batch.")
    flags.DEFINE_integer("eval_shard_size", 200, "Test images per resumable evaluation shard.")
    flags.DEFINE_integer("curve_examples", 500, "Test images of the learning curves.")
    flags.DEFINE_integer("curve_points", 5, "Points of each time-regime learning curve.")
    flags.DEFINE_float("checkpoint_minutes", 5.0, "Training minutes between checkpoints.")
    flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")
    flags.mark_flag_as_required("workdir")
    return sorted(set(FLAGS) - before)


MODEL = "attentive_vae_mnist"
RESULTS = "results.json"
METRICS = {"test_elbo": "nelbo", "iw_log_likelihood": "nll"}
"""Reported figure (nats, higher is better) and the `evaluate` key it negates."""


def _cell_dir(regime: str, posterior: str, seed: int) -> str:
    return os.path.join(FLAGS.workdir, regime, f"{posterior}_seed{seed}")


def _make_run(regime: str, posterior: str, seed: int, curve_images) -> BudgetedRun:
    model = dict(SMALL, num_layers=FLAGS.num_layers, posterior_structure=posterior)
    overrides = [f"model.{key}={value!r}" for key, value in model.items()]
    keras.utils.set_random_seed(seed)
    run = BudgetedRun(
        MODEL,
        FLAGS.minutes if regime == "time" else math.inf,
        overrides + RECIPE + [f"seed={seed}"],
        FLAGS.curve_points if regime == "time" else 1,
        curve_images,
        FLAGS.data_dir,
        label=f"{regime}/{posterior}/seed{seed}",
        max_steps=FLAGS.steps if regime == "steps" else None,
    )
    if run.restore(_cell_dir(regime, posterior, seed)):
        print(f"  resumed {run.name} at step {run.steps}", flush=True)
    return run


def _checkpointer(cells: dict):
    """`after_step` of `train_in_turn`: saves a run every `--checkpoint_minutes` and at its end."""
    saved_at = {name: run.elapsed for name, (run, _) in cells.items()}

    def after_step(run):
        _, directory = cells[run.name]
        if run.done or run.elapsed - saved_at[run.name] >= 60.0 * FLAGS.checkpoint_minutes:
            os.makedirs(directory, exist_ok=True)
            run.save(directory)
            saved_at[run.name] = run.elapsed

    return after_step


def _evaluate(run: BudgetedRun, directory: str, test) -> dict:
    """The cell's test figures; the importance-weighted evaluation runs in shards of
    `--eval_shard_size` images, each kept in `directory/eval/`, so a rerun resumes it."""
    start = time.time()
    results = evaluate_in_shards(
        run.model,
        "mnist",
        os.path.join(directory, "eval"),
        num_importance_samples=FLAGS.num_importance_samples,
        chunk_size=FLAGS.chunk_size,
        batch_size=FLAGS.eval_batch,
        shard_size=FLAGS.eval_shard_size,
        max_examples=FLAGS.test_examples,
        data_dir=FLAGS.data_dir,
    )
    kl, _ = per_layer_kl(run.model, test)
    results.update(
        run.figures(),
        eval_minutes=round((time.time() - start) / 60, 2),
        per_layer_kl=kl.tolist(),
        seconds_per_step=run.elapsed / max(run.timed_steps, 1),
        **{name: -results[key] for name, key in METRICS.items()},
    )
    return results


def _run_seed(regime: str, seed: int, test, curve_images) -> None:
    """Trains the unfinished cells of (regime, seed) in turn, then evaluates each."""
    pending = [p for p in FLAGS.posteriors if not os.path.exists(_results_path(regime, p, seed))]
    cells = {}
    for posterior in pending:
        run = _make_run(regime, posterior, seed, curve_images)
        cells[run.name] = (run, _cell_dir(regime, posterior, seed))
    train_in_turn([run for run, _ in cells.values()], after_step=_checkpointer(cells))
    for run, directory in cells.values():
        write_atomically(
            os.path.join(directory, RESULTS), json.dumps(_evaluate(run, directory, test))
        )


def _results_path(regime: str, posterior: str, seed: int) -> str:
    return os.path.join(_cell_dir(regime, posterior, seed), RESULTS)


def _results(regime: str, posterior: str, seed: int) -> dict:
    with open(_results_path(regime, posterior, seed)) as f:
        return json.load(f)


def _spread(values: list[float]) -> dict:
    return {"mean": float(np.mean(values)), "min": float(min(values)), "max": float(max(values))}


def summarize(cells: dict) -> dict:
    """Per regime and posterior: seed means and ranges, the step-time ratio to `diagonal`,
    and whether each difference to `diagonal` exceeds the seed spread (disjoint ranges; None
    with one seed)."""
    summary = {}
    for regime, by_posterior in cells.items():
        rows = {}
        seeds = next(iter(by_posterior.values()))
        for posterior, runs in by_posterior.items():
            rows[posterior] = {name: _spread([r[name] for r in runs]) for name in METRICS}
            rows[posterior].update(
                steps=[r["steps"] for r in runs],
                seconds_per_step=float(np.mean([r["seconds_per_step"] for r in runs])),
                per_layer_kl=np.mean([r["per_layer_kl"] for r in runs], axis=0).tolist(),
            )
        base = rows.get("diagonal")
        for row in rows.values():
            if base is None:
                continue
            row["step_time_ratio"] = row["seconds_per_step"] / base["seconds_per_step"]
            for name in METRICS:
                mine, theirs = row[name], base[name]
                row[name]["difference"] = mine["mean"] - theirs["mean"]
                disjoint = mine["min"] > theirs["max"] or mine["max"] < theirs["min"]
                row[name]["exceeds_seed_spread"] = disjoint if len(seeds) > 1 else None
        summary[regime] = rows
    return summary


def _print(summary: dict) -> None:
    np.set_printoptions(precision=2, suppress=True, linewidth=150)
    for regime, rows in summary.items():
        print(f"\n{regime} regime (nats; mean [min, max] over seeds; * = beyond the seed spread)")
        for posterior, row in rows.items():
            figures = []
            for name in METRICS:
                m = row[name]
                mark = "*" if m.get("exceeds_seed_spread") else " "
                figures.append(f"{name} {m['mean']:8.2f} [{m['min']:.2f}, {m['max']:.2f}]{mark}")
            ratio = row.get("step_time_ratio", float("nan"))
            print(
                f"  {posterior:>13}: steps {row['steps']}, {row['seconds_per_step']:.3f} s/step "
                f"(x{ratio:.2f}), " + ", ".join(figures)
            )
            print(f"  {'':>13}  per-layer KL (top first): {np.array(row['per_layer_kl'])}")


def main(own_flags: list[str]):
    """Trains and evaluates the unfinished cells, then prints and writes the summary."""
    logging.set_verbosity(logging.WARNING)
    test = data.test_dataset(
        "mnist", FLAGS.eval_batch, data_dir=FLAGS.data_dir, max_examples=FLAGS.test_examples
    ).cache()
    curve_images = test.take(max(1, FLAGS.curve_examples // FLAGS.eval_batch))
    seeds = [int(s) for s in FLAGS.seeds]
    for regime in FLAGS.regimes:
        for seed in seeds:
            _run_seed(regime, seed, test, curve_images)
    cells = {
        regime: {p: [_results(regime, p, s) for s in seeds] for p in FLAGS.posteriors}
        for regime in FLAGS.regimes
    }
    summary = summarize(cells)
    _print(summary)
    output = FLAGS.output or os.path.join(FLAGS.workdir, "deep_ggm.json")
    flags_used = {name: FLAGS[name].value for name in own_flags}
    write_atomically(
        output, json.dumps({"flags": flags_used, "summary": summary, "cells": cells}, indent=1)
    )
    print(f"\nwrote {output}")


if __name__ == "__main__":
    names = define_flags()
    app.run(lambda argv: main(names))
