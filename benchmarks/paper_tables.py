"""The paper tables tfavi reproduces, cell by cell: which models, seeds, recipe and numbers.

A cell is one model trained with one seed (`"ggm_vae_chain/seed1"`); its result is an entry of
the table's committed results file `benchmarks/results/<table name>.json`. Pure Python.
"""

import dataclasses
import os

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


@dataclasses.dataclass(frozen=True)
class PaperTable:
    """A table of test log p(x) (K = 1000) and ELBO, mean ± std over seeds, per model.

    Args:
        name: names the results file and the runs' folder.
        title: the table's heading.
        script: the benchmark that computes one cell (`--cell=<model>/seed<k>`).
        models: zoo names, in the table's order.
        seeds: seeds of every model.
        baseline: the model the others are compared with.
        paper: model -> (log p(x), ELBO) in nats as the paper reports them (None: not given).
        overrides: recipe overrides of every cell (`field=value`).
        source: the paper, where the numbers come from.
        num_importance_samples: K of the test log p(x).
        test_examples: evaluate on the first N test images; 0: all.
        curve_by: the learning curves' budget axis, "minutes" of training (the cells train
            to convergence) or "epoch" (the cells train a fixed number of epochs).
    """

    name: str
    title: str
    script: str
    models: tuple
    seeds: tuple
    baseline: str
    paper: dict
    overrides: tuple = ()
    source: str = ""
    num_importance_samples: int = 1000
    test_examples: int = 0
    curve_by: str = "minutes"

    @property
    def results_path(self) -> str:
        return os.path.join(RESULTS_DIR, f"{self.name}.json")

    def cells(self) -> list[str]:
        return [cell_key(model, seed) for model in self.models for seed in self.seeds]

    def parse_cell(self, key: str) -> tuple[str, int]:
        """`"ggm_vae_chain/seed1"` -> `("ggm_vae_chain", 1)`, checked against the table."""
        if key not in self.cells():
            raise ValueError(
                f"{key!r} is not a cell of the {self.name} table; its cells: "
                f"{', '.join(self.cells())}."
            )
        model, seed = key.split("/seed")
        return model, int(seed)


def cell_key(model: str, seed: int) -> str:
    return f"{model}/seed{seed}"


GGM_MNIST = PaperTable(
    name="ggm_mnist",
    title="GGM-VAE posteriors on static binarized MNIST (all 10,000 test images)",
    script="benchmarks/ggm_mnist_table.py",
    models=("ggm_vae_diag", "ggm_vae_chain", "ggm_vae_grid", "ggm_vae_extgrid"),
    seeds=(0, 1, 2),
    baseline="ggm_vae_diag",
    paper={
        "ggm_vae_diag": (-89.2, -93.4),
        "ggm_vae_chain": (-89.1, -93.4),
        "ggm_vae_grid": None,
        "ggm_vae_extgrid": (-88.8, -93.0),
    },
    # To convergence: stop after 20 epochs without a better validation ELBO (static binarized
    # MNIST has its own validation split), the best epoch evaluated; 50 steps per call.
    overrides=("epochs=1000", "early_stopping_patience=20", "steps_per_loop=50"),
    source="Peşte & Malagò, ICML 2017 workshop (docs/ggm_vae.md §6)",
)

SERE_MNIST = PaperTable(
    name="sere_mnist",
    title="SeRe-VAE against DLGM on dynamically binarized MNIST (all 10,000 test images)",
    script="benchmarks/sere_mnist.py",
    models=("sere_vae_mlp", "dlgm_mlp"),
    seeds=(0, 1, 2),
    baseline="dlgm_mlp",
    paper={"sere_vae_mlp": (-81.17, None), "dlgm_mlp": (-84.53, None)},
    # Both models the same 150 epochs (cosine decay over them, about 80 min for SeRe-VAE on 2
    # CPU cores), 50 steps per call; mnist validates on its test split: no early stopping.
    overrides=("epochs=150", "steps_per_loop=50"),
    source="Apostolopoulou et al., arXiv 2007.05166, Table 1",
    curve_by="epoch",
)

TABLES = {table.name: table for table in (GGM_MNIST, SERE_MNIST)}
