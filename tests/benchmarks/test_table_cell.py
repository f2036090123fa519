"""A table cell: trained once in its workdir, then its entry merged into the results file."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import results_file, table_cell
from benchmarks.paper_tables import GGM_MNIST, SERE_MNIST, PaperTable
from tests.run_fixtures import needs_data, smoke_run  # noqa: F401
from tfavi import training

REPO = Path(__file__).resolve().parents[2]
TABLE = PaperTable(
    name="fake",
    title="Fake",
    script="benchmarks/fake.py",
    models=("vae_mlp",),
    seeds=(0, 1),
    baseline="vae_mlp",
    paper={},
    overrides=("epochs=2",),
    num_importance_samples=4,
    test_examples=200,
)


@pytest.fixture
def fake_training(smoke_run, monkeypatch):  # noqa: F811
    """Replaces training by a copy of the smoke run's files; records the configs given."""
    configs = []

    def train_and_evaluate(config, workdir, data_dir=None, verbose=1):
        configs.append(config)
        shutil.copytree(smoke_run, workdir)

    monkeypatch.setattr(training, "train_and_evaluate", train_and_evaluate)
    return configs


@needs_data
def test_a_cell_trains_its_model_and_seed_once_and_merges_its_entry(fake_training, tmp_path):
    results = str(tmp_path / "fake.json")
    runs = str(tmp_path / "runs")
    entry = table_cell.run_cell(TABLE, "vae_mlp/seed1", runs, ["batch_size=50"], None, results)

    (config,) = fake_training
    assert (config.model_name, config.seed, config.epochs, config.batch_size) == (
        "vae_mlp",
        1,
        2,
        50,
    )
    assert config.num_importance_samples == 1  # the trainer's quick test evaluation
    workdir = os.path.join(runs, "fake", "vae_mlp_seed1")
    with open(os.path.join(workdir, "eval.json")) as f:
        evaluation = json.load(f)  # the cell's own evaluation, written over the trainer's
    assert (evaluation["examples"], evaluation["num_importance_samples"]) == (200, 4)
    assert os.listdir(os.path.join(workdir, "test_shards")) == ["shard0000000.json"]
    assert entry["test_log_px"] == -evaluation["nll"] and entry["examples"] == 200
    assert entry["test_elbo"] == -evaluation["nelbo"] and entry["num_importance_samples"] == 4
    assert (entry["epochs"], entry["steps"]) == (2, 10)
    assert [p["epoch"] for p in entry["curve"]] == [1, 2]
    assert entry["overrides"] == ["epochs=2", "batch_size=50"]
    assert entry["command"] == (
        "python benchmarks/fake.py --cell=vae_mlp/seed1 --override=batch_size=50"
    )
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", entry["git_commit"])
    assert results_file.read_cells(results) == {"vae_mlp/seed1": entry}

    # The finished cell is not trained again; its entry is rewritten.
    table_cell.run_cell(TABLE, "vae_mlp/seed1", runs, ["batch_size=50"], None, results)
    assert len(fake_training) == 1
    listing = table_cell.cell_list(TABLE, runs, results).splitlines()
    assert listing[0].split()[:2] == ["vae_mlp/seed0", "to"]
    assert listing[1].split()[:2] == ["vae_mlp/seed1", "done"]


def test_an_unknown_cell_lists_the_tables_cells(tmp_path):
    with pytest.raises(ValueError, match=r"'vae_mlp/seed7' is not a cell.*vae_mlp/seed0, vae"):
        table_cell.run_cell(TABLE, "vae_mlp/seed7", str(tmp_path), [], None, "x.json")


@pytest.mark.subprocess
@pytest.mark.parametrize("script", ["ggm_mnist_table.py", "sere_mnist.py"])
def test_a_table_script_lists_its_cells_and_their_commands(script, tmp_path):
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--list", f"--results={tmp_path / 'r.json'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    table = {"ggm_mnist_table.py": GGM_MNIST, "sere_mnist.py": SERE_MNIST}[script]
    assert [line.split()[0] for line in lines] == table.cells()
    assert lines[0].endswith(f"python benchmarks/{script} --cell={table.cells()[0]}")
