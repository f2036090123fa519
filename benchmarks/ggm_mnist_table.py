"""The GGM paper's MNIST table (Peşte & Malagò, ICML 2017 workshop), reproduced.

    python benchmarks/ggm_mnist_table.py --workdir=runs/ggm_table --epochs=100 --seeds=0,1

Trains `ggm_vae_diag`, `ggm_vae_chain`, `ggm_vae_grid` and `ggm_vae_extgrid` on static
binarized MNIST with one recipe (`configs/binarized_mnist_mlp.py`, `--epochs` overriding its
length), evaluates the test ELBO and the importance-weighted log-likelihood (K = 1000), and
prints them beside the paper's numbers (mean and spread over `--seeds`) with the wall time.
Each run is an ordinary workdir, so an interrupted benchmark resumes where it stopped.
"""

import json
import os
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app, flags, logging  # noqa: E402

from tfavi import zoo  # noqa: E402
from tfavi.training import train_and_evaluate  # noqa: E402

flags.DEFINE_string("workdir", "runs/ggm_table", "Folder of the runs, one workdir per model/seed.")
flags.DEFINE_integer("epochs", 100, "Training epochs of every model.")
flags.DEFINE_list("seeds", ["0"], "Seeds, comma-separated.")
flags.DEFINE_list(
    "models", ["ggm_vae_diag", "ggm_vae_chain", "ggm_vae_grid", "ggm_vae_extgrid"], "Zoo names."
)
flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")
FLAGS = flags.FLAGS

# (importance-sampled log-likelihood, ELBO) in nats as quoted for the paper (ggm_vae.md §6).
PAPER = {
    "ggm_vae_diag": (-89.2, -93.4),
    "ggm_vae_chain": (-89.1, -93.4),
    "ggm_vae_grid": None,
    "ggm_vae_extgrid": (-88.8, -93.0),
}


def _training_minutes(workdir: str) -> float:
    with open(os.path.join(workdir, "metrics.jsonl")) as f:
        return sum(json.loads(line)["seconds"] for line in f) / 60


def _summary(values):
    mean = statistics.mean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:8.2f} ± {spread:4.2f}"


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    rows = []
    for name in FLAGS.models:
        results, minutes = [], []
        for seed in FLAGS.seeds:
            workdir = os.path.join(FLAGS.workdir, f"{name}_seed{seed}")
            config = zoo.resolve_config(name, overrides=[f"epochs={FLAGS.epochs}", f"seed={seed}"])
            finished = os.path.join(workdir, "eval.json")
            if os.path.exists(finished):
                with open(finished) as f:
                    results.append(json.load(f))
            else:
                results.append(
                    train_and_evaluate(config, workdir, data_dir=FLAGS.data_dir, verbose=0)
                )
            minutes.append(_training_minutes(workdir))
            print(
                f"{name} seed {seed}: {json.dumps(results[-1])} ({minutes[-1]:.1f} min)", flush=True
            )
        paper = PAPER.get(name)
        rows.append(
            (
                name,
                _summary([-r["nll"] for r in results]),
                _summary([-r["nelbo"] for r in results]),
                f"{paper[0]:.1f} / {paper[1]:.1f}" if paper else "not reported",
                sum(minutes),
            )
        )
    print(
        f"\nrecipe: configs/binarized_mnist_mlp.py with epochs={FLAGS.epochs}; seeds {FLAGS.seeds}"
    )
    header = ("model", "test log p(x), K=1000", "test ELBO", "paper", "train min")
    print(f"{header[0]:18s} {header[1]:>22s} {header[2]:>18s} {header[3]:>15s} {header[4]:>9s}")
    for name, log_px, elbo, paper, minutes in rows:
        print(f"{name:18s} {log_px:>22s} {elbo:>18s} {paper:>15s} {minutes:9.1f}")


if __name__ == "__main__":
    app.run(main)
