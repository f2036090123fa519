"""Per-layer KL of a small Deep Attentive VAE against the same model without attention.

    python benchmarks/kl_per_layer.py --minutes=15

Apostolopoulou et al. (ICLR 2022, Fig. 1) report that depth-wise attention keeps more latent
layers active (fewer collapsed ones). Both variants are `attentive_vae_mnist` (the OMNIGLOT
architecture on dynamically binarized MNIST) shrunk to SMALL, with and without depth-wise
attention. SMALL also drops the non-local blocks of both: their 1024 x 1024 spatial attention
at 32 x 32 took ~80% of a CPU training step, and the comparison is not about them. The
variants train in turn for `--minutes` of training time each with Adamax at a constant 1e-3
and the KL at full weight from the start (a warm-up would hide collapse in a short run).
Prints the learning curves, then the per-layer KL (nats, top layer first) and the negative
ELBO on the first `--test_examples` test images.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from benchmarks.budgeted_training import BudgetedRun, train_in_turn  # noqa: E402
from benchmarks.small_attentive import RECIPE, SMALL, per_layer_kl  # noqa: E402
from tfavi import data  # noqa: E402

flags.DEFINE_float("minutes", 5.0, "Training minutes per variant.")
flags.DEFINE_integer("test_examples", 500, "Test images of the curves and the per-layer KL.")
flags.DEFINE_integer("curve_points", 5, "Points of each learning curve.")
flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")
FLAGS = flags.FLAGS

VARIANTS = {
    "attentive": [],
    "no attention": ["model.decoder_attention_dim=None", "model.encoder_attention_dim=None"],
}


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    test = data.test_dataset(
        "mnist", 100, data_dir=FLAGS.data_dir, max_examples=FLAGS.test_examples
    ).cache()
    small = [f"model.{key}={value!r}" for key, value in SMALL.items()]
    runs = [
        BudgetedRun(
            "attentive_vae_mnist",
            FLAGS.minutes,
            small + RECIPE + overrides,
            FLAGS.curve_points,
            test,
            FLAGS.data_dir,
            label=label,
        )
        for label, overrides in VARIANTS.items()
    ]
    train_in_turn(runs)
    np.set_printoptions(precision=2, suppress=True, linewidth=150)
    print("\nper-layer KL (nats) on test images, layer 0 (top) first:")
    for run in runs:
        kl, nelbo = per_layer_kl(run.model, test)
        active = int(np.sum(kl > 0.1 * kl.max()))
        print(
            f"  {run.name:>12}: {kl}  ({active} of {kl.size} layers above 10% of the largest; "
            f"{run.steps} steps, test negative ELBO {nelbo:.2f})"
        )


if __name__ == "__main__":
    app.run(main)
