"""SeRe-VAE against its DLGM ablation on dynamically binarized MNIST, same wall-clock budget.

    python benchmarks/sere_mnist.py --minutes=8

The paper's claim (Apostolopoulou et al., arXiv 2007.05166, Table 1): after full training,
self-reflection is worth about 3 nats, log p(x) -81.17 (SeRe-VAE) against -84.53 (DLGM),
K = 1000. Both zoo models train with the `configs/sere_mnist.py` recipe (by default with a
constant learning rate and no KL warm-up, since the budget is far shorter than the
recipe's schedules) for `--minutes` of training time each; prints both learning curves and
the test log-likelihood (nats, K = `--num_importance_samples`) on the first
`--eval_examples` test images, the same images for both models.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app  # noqa: E402

from benchmarks import sere_budget  # noqa: E402

sere_budget.define_flags(
    models=["sere_vae_mlp", "dlgm_mlp"],
    overrides=["lr_schedule='constant'", "kl_warmup_epochs=0"],
    eval_examples=300,
)


def main(argv):
    del argv
    sere_budget.run("test log p(x)")


if __name__ == "__main__":
    app.run(main)
