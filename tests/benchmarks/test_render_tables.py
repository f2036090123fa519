"""The paper tables rendered from a small fake results file (pure Python)."""

import dataclasses
import json

import pytest

from benchmarks import render_tables, results_file
from benchmarks.paper_tables import GGM_MNIST, PaperTable

TABLE = PaperTable(
    name="fake",
    title="Fake table",
    script="benchmarks/fake.py",
    models=("diag", "chain", "grid"),
    seeds=(0, 1, 2),
    baseline="diag",
    paper={"diag": (-89.2, -93.4), "chain": None, "grid": (-88.8, None)},
    overrides=("epochs=3",),
    source="a paper",
)
LOG_PX = {"diag": [-90.0, -90.2, -90.4], "chain": [-89.0, -89.1, -89.2], "grid": [-90.1, -89.9]}


def _cell(model, seed, log_px):
    return {
        "model": model,
        "seed": seed,
        "test_log_px": log_px,
        "test_elbo": log_px - 4.0,
        "examples": 10000,
        "epochs": 10 + seed,
        "train_minutes": 30.0 + 30 * seed,
        "git_commit": "0123456789abcdef",
        "date": "2026-12-02T22:00:00+00:00",
        "overrides": ["epochs=3"] + (["batch_size=50"] if model == "grid" else []),
        "curve": [
            {"epoch": 1, "minutes": 4.0, "val_elbo": log_px - 10},
            {"epoch": 2, "minutes": 15.0, "val_elbo": log_px - 5},
        ],
    }


@pytest.fixture
def cells(tmp_path):
    """The fake table's results file, merged cell by cell, read back."""
    path = str(tmp_path / "fake.json")
    for model, values in LOG_PX.items():
        for seed, value in enumerate(values):
            results_file.merge_cells(path, {f"{model}/seed{seed}": _cell(model, seed, value)})
    return results_file.read_cells(path)


def test_summary_gives_mean_and_std_over_seeds_beside_the_paper(cells):
    text = render_tables.render(TABLE, cells)
    diag = "| `diag` | 3 of 3 | -90.20 ± 0.20 | -94.20 ± 0.20 | -89.20 / -93.40 | 10–12 | 30–90 |"
    assert diag in text
    assert "| `chain` | 3 of 3 | -89.10 ± 0.10 | -93.10 ± 0.10 | not reported |" in text
    grid = "| `grid` | 2 of 3 | -90.00 ± 0.14 | -94.00 ± 0.14 | -88.80 / — | 10–11 | 30–60 |"
    assert grid in text
    assert "| grid/seed2 | to do |" in text
    assert "Recipe overrides of the cells: epochs=3; epochs=3, batch_size=50." in text
    assert "| chain/seed1 | -89.10 | -93.10 | 10,000 | 11 | 60.0 | 0123456 | 2026-12-02 |" in text


def test_verdict_compares_the_gain_with_the_seed_spread(cells):
    lines = render_tables.verdicts(TABLE, cells)
    assert lines[0] == (
        "- `chain` beats `diag` by more than the seed spread: log p(x) +1.10 nats, seed spread "
        "0.30 (std 0.10 + 0.20)."
    )
    assert lines[1].startswith("- `grid` is ahead of `diag` by no more than the seed spread:")
    cells["chain/seed2"]["test_log_px"] = -91.0  # chain: -89.0, -89.1, -91.0
    assert render_tables.verdicts(TABLE, cells)[0].startswith(
        "- `chain` is ahead of `diag` by no more than the seed spread: log p(x) +0.50 nats"
    )
    for seed in (0, 1, 2):
        cells[f"chain/seed{seed}"]["test_log_px"] = -95.0
    assert render_tables.verdicts(TABLE, cells)[0].startswith("- `chain` does not beat `diag`")
    del cells["diag/seed1"], cells["diag/seed2"]
    assert "not yet known" in render_tables.verdicts(TABLE, cells)[0]


def test_learning_curves_give_the_best_validation_elbo_within_each_budget(cells):
    text = render_tables.curve_table(TABLE, cells)
    # Within 5 min only epoch 1 is done (log p(x) - 10); within 20 min, epoch 2.
    assert "| 5 | -100.20 | -99.10 | -100.00 |" in text
    assert "| 20 | -95.20 | -94.10 | -95.00 |" in text
    assert "| 90 |" in text and "| 120 |" not in text  # up to the longest run


def test_a_fixed_epoch_table_gives_its_curves_by_epoch(cells):
    by_epoch = dataclasses.replace(TABLE, curve_by="epoch")
    text = render_tables.curve_table(by_epoch, cells)
    assert text.startswith("Validation ELBO reached within a number of epochs")
    # Within 1 epoch: epoch 1's ELBO (log p(x) - 10); within 2: epoch 2's, whatever the minutes.
    assert "| 1 | -100.20 | -99.10 | -100.00 |" in text
    assert "| 2 | -95.20 | -94.10 | -95.00 |" in text
    assert "| 10 |" in text and "| 20 |" not in text  # up to the longest run (12 epochs)


def test_one_seed_shows_its_value_without_a_spread(cells):
    one_seed = {key: cell for key, cell in cells.items() if key.endswith("seed0")}
    text = render_tables.summary_table(TABLE, one_seed)
    assert "| `diag` | 1 of 3 | -90.00 | -94.00 | -89.20 / -93.40 |" in text


def test_an_empty_results_file_renders_every_cell_to_do():
    text = render_tables.render(GGM_MNIST, {})
    assert "| `ggm_vae_chain` | 0 of 3 | — | — | -89.10 / -93.40 |" in text
    assert (
        "Recipe overrides of the cells: epochs=1000, early_stopping_patience=20, steps_per_loop=50."
        in text
    )
    assert text.count("| to do |") == len(GGM_MNIST.cells()) == 12
    assert "Validation ELBO" not in text


def test_preset_table_has_a_row_per_preset_with_its_scores(tmp_path):
    assert render_tables.preset_table(str(tmp_path)) == "No trained preset is shipped yet."
    metadata = {
        "dataset": "binarized_mnist",
        "recipe": "binarized_mnist_mlp",
        "seed": 0,
        "epochs": 250,
        "train_minutes": 61.4,
        "metrics": {
            "test_elbo": -93.456,
            "test_log_px": -89.123,
            "num_importance_samples": 1000,
            "test_examples": 10000,
        },
    }
    (tmp_path / "ggm_vae_chain").mkdir()
    (tmp_path / "ggm_vae_chain" / "metadata.json").write_text(json.dumps(metadata))
    (tmp_path / "__pycache__").mkdir()
    assert render_tables.preset_table(str(tmp_path)).splitlines()[2:] == [
        "| `ggm_vae_chain` | binarized_mnist | `configs/binarized_mnist_mlp.py` | 0 | 250 | 61 | "
        "-93.46 | -89.12 (1000) | 10,000 |"
    ]


def test_the_readme_shows_the_tables_of_the_committed_results():
    with open(render_tables.README) as f:
        readme = f.read()
    assert render_tables.with_tables(readme, render_tables.all_tables()) == readme, (
        "README.md's tables differ from benchmarks/results/ and tfavi/presets/: run "
        "python benchmarks/render_tables.py --readme"
    )


def test_with_tables_replaces_only_the_marked_section():
    begin, end = render_tables.README_BEGIN, render_tables.README_END
    text = f"intro\n{begin}\nold table\n{end}\noutro\n"
    assert render_tables.with_tables(text, "new\n") == f"intro\n{begin}\n\nnew\n\n{end}\noutro\n"
    with pytest.raises(SystemExit, match="lacks the lines"):
        render_tables.with_tables("no markers", "new\n")
