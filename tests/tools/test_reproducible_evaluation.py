"""`eval.json` is a pure function of the weights, the evaluation settings and the seed:
tools/evaluate.py reproduces it exactly, and a rerun of a finished run reuses it when it
matches; extending `epochs` or changing evaluation settings resumes and is recorded."""

import json
import os
import shutil

import numpy as np
import pytest

from tfavi import data
from tfavi.evaluation import evaluate
from tfavi.tools import cli, train
from tfavi.tools import evaluate as evaluate_tool
from tfavi.training import final_evaluation, run_directory

pytestmark = pytest.mark.skipif(
    not os.path.isdir(os.path.join(data.resolve_data_dir(), "binarized_mnist")),
    reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
)
TRAIN = ["train.py", "--model=vae_mlp", "--smoke"]


def _eval_json(workdir):
    return json.loads((workdir / "eval.json").read_text())


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run") / "vae_mlp"
    cli.call(train, [*TRAIN, f"--workdir={workdir}"])
    return workdir


@pytest.fixture
def copy_of_run(finished_run, tmp_path):
    shutil.copytree(finished_run, tmp_path / "run")
    return tmp_path / "run"


def test_evaluate_reproduces_the_runs_eval_json_exactly(copy_of_run):
    written_by_training = _eval_json(copy_of_run)
    cli.call(evaluate_tool, ["evaluate.py", f"--workdir={copy_of_run}"])
    assert _eval_json(copy_of_run) == written_by_training
    source = written_by_training["computed_from"]
    assert source["step"] == 10 and len(source["weights_sha256"]) == 64
    assert source["config"]["num_importance_samples"] == 10 and source["config"]["seed"] == 0


def test_a_seeded_evaluation_ignores_and_keeps_the_generator_state(finished_run):
    model = run_directory.load_trained_model(str(finished_run))
    test = data.test_dataset("binarized_mnist", 8, max_examples=16)
    first = evaluate(model, test, 4, 2, verbose=0, seed=3)
    model(next(iter(test)))  # advances the model's noise generator
    state = np.array(model.noise_seed.state)
    assert evaluate(model, test, 4, 2, verbose=0, seed=3) == first
    np.testing.assert_array_equal(model.noise_seed.state, state)
    assert evaluate(model, test, 4, 2, verbose=0, seed=4) != first


def test_a_rerun_of_a_finished_run_reuses_its_matching_evaluation(copy_of_run, monkeypatch):
    expected = _eval_json(copy_of_run)

    def must_not_evaluate(*args, **kwargs):
        raise AssertionError("evaluated again")

    monkeypatch.setattr(final_evaluation, "evaluate", must_not_evaluate)
    cli.call(train, [*TRAIN, f"--workdir={copy_of_run}"])
    assert _eval_json(copy_of_run) == expected


def test_new_evaluation_settings_and_more_epochs_resume_and_are_recorded(copy_of_run):
    cli.call(train, [*TRAIN, f"--workdir={copy_of_run}", "--override=num_importance_samples=6"])
    evaluation = _eval_json(copy_of_run)
    assert evaluation["num_importance_samples"] == 6 and evaluation["computed_from"]["step"] == 10
    cli.call(
        train,
        [
            *TRAIN,
            f"--workdir={copy_of_run}",
            "--override=num_importance_samples=6",
            "--override=epochs=3",
        ],
    )
    config = json.loads((copy_of_run / "config.json").read_text())
    assert config["epochs"] == 3 and config["num_importance_samples"] == 6
    records = [
        json.loads(line) for line in (copy_of_run / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["epoch"] for r in records] == [1, 2, 3] and records[-1]["step"] == 15
    assert _eval_json(copy_of_run)["computed_from"]["step"] == 15
