"""SeRe-VAE against its DLGM ablation on dynamically binarized MNIST, one cell per command.

    python benchmarks/sere_mnist.py --list
    python benchmarks/sere_mnist.py --cell=sere_vae_mlp/seed0
    python benchmarks/render_tables.py

The paper's claim (Apostolopoulou et al., arXiv 2007.05166, Table 1): self-reflection is
worth about 3 nats, log p(x) -81.17 (SeRe-VAE) against -84.53 (DLGM), K = 1000. A cell trains
one model with one seed by the `configs/sere_mnist.py` recipe, both models for the same
number of epochs (`paper_tables.SERE_MNIST`), evaluates it on all 10,000 test images and
merges the numbers and the learning curve (validation ELBO per epoch and training minutes)
into `benchmarks/results/sere_mnist.json`; rerunning the command resumes it (`table_cell`).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app  # noqa: E402

from benchmarks import table_cell  # noqa: E402
from benchmarks.paper_tables import SERE_MNIST  # noqa: E402

table_cell.define_flags()

if __name__ == "__main__":
    app.run(lambda argv: table_cell.main(SERE_MNIST))
