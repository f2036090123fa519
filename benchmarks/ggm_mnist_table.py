"""The GGM paper's MNIST table (Peşte & Malagò, ICML 2017 workshop), one cell per command.

    python benchmarks/ggm_mnist_table.py --list
    python benchmarks/ggm_mnist_table.py --cell=ggm_vae_chain/seed1
    python benchmarks/render_tables.py

A cell trains one of `ggm_vae_diag`, `ggm_vae_chain`, `ggm_vae_grid`, `ggm_vae_extgrid` with
one seed on static binarized MNIST (`configs/binarized_mnist_mlp.py`), evaluates the test
ELBO and log p(x) (K = 1000) on all 10,000 test images, and merges the numbers into
`benchmarks/results/ggm_mnist.json`; rerunning the command resumes it (`table_cell`).
`render_tables.py` prints the table: mean ± std over seeds beside the paper's numbers.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app  # noqa: E402

from benchmarks import table_cell  # noqa: E402
from benchmarks.paper_tables import GGM_MNIST  # noqa: E402

table_cell.define_flags()

if __name__ == "__main__":
    app.run(lambda argv: table_cell.main(GGM_MNIST))
