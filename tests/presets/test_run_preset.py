"""A finished run becomes a preset that loads the run's model and checks against its metadata."""

import json
import os
import shutil

import numpy as np
import pytest

from tests.run_fixtures import needs_data, smoke_run  # noqa: F401
from tfavi import presets, zoo
from tfavi.tools import cli, make_preset
from tfavi.training import run_directory

pytestmark = needs_data
IMAGES = (np.random.default_rng(0).uniform(size=(3, 28, 28, 1)) > 0.5).astype(np.float32)


@pytest.fixture(scope="module")
def preset(smoke_run, tmp_path_factory):  # noqa: F811
    path = str(tmp_path_factory.mktemp("presets") / "vae_mlp")
    return zoo.save_run_as_preset(smoke_run, path, check_examples=64)


def test_the_preset_holds_the_runs_model_once_with_its_training_metadata(smoke_run, preset):  # noqa: F811
    assert sorted(os.listdir(preset)) == ["config.json", "metadata.json", "model.weights.h5"]
    metadata = presets.read_metadata(preset)
    with open(os.path.join(smoke_run, "eval.json")) as f:
        evaluation = json.load(f)
    assert {k: metadata[k] for k in ("zoo_name", "dataset", "recipe", "seed", "epochs")} == {
        "zoo_name": "vae_mlp",
        "dataset": "binarized_mnist",
        "recipe": "binarized_mnist_mlp",
        "seed": 0,
        "epochs": 2,
    }
    assert metadata["steps"] == 10 and metadata["train_minutes"] > 0
    assert metadata["train_config"] == json.loads(run_directory.load_config(smoke_run).to_json())
    assert metadata["metrics"] == {
        "test_elbo": -evaluation["nelbo"],
        "test_log_px": -evaluation["nll"],
        "num_importance_samples": 10,
        "test_examples": 64,
    }
    assert metadata["check"]["examples"] == 64
    # One posterior sample per image on the same 64 images as eval.json: close to its ELBO.
    assert metadata["check"]["test_elbo"] == pytest.approx(-evaluation["nelbo"], abs=5.0)


def test_from_preset_gives_the_runs_outputs(smoke_run, preset):  # noqa: F811
    run_model = run_directory.load_trained_model(smoke_run)
    loaded = presets.from_preset(preset)
    for a, b in zip(run_model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    for a, b in zip(_outputs(run_model), _outputs(loaded), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _outputs(model):
    """Outputs with an explicit seed (the noise generator's state is not a weight)."""
    return [model.sample(2, seed=3), *model.encode(IMAGES)]


def test_the_check_passes_and_fails_when_the_stored_elbo_is_off(preset, tmp_path):
    result = presets.check_preset(preset)
    assert result["examples"] == 64
    assert result["measured"] == pytest.approx(result["stored"], abs=presets.TOLERANCE_NATS)
    tampered = str(tmp_path / "tampered")
    shutil.copytree(preset, tampered)
    path = os.path.join(tampered, presets.METADATA_FILE)
    with open(path) as f:
        metadata = json.load(f)
    metadata["check"]["test_elbo"] += 2 * presets.TOLERANCE_NATS
    with open(path, "w") as f:
        json.dump(metadata, f)
    with pytest.raises(presets.PresetMismatch, match=r"first 64 test images; its metadata says"):
        presets.check_preset(tampered)


def test_the_tool_writes_and_checks_a_preset(smoke_run, tmp_path, capsys):  # noqa: F811
    output = str(tmp_path / "vae_mlp")
    argv = ["make_preset.py", f"--workdir={smoke_run}", f"--output={output}"]
    cli.call(make_preset, [*argv, "--check_examples=32"])
    assert "checked on 32 test images" in capsys.readouterr().out
    assert presets.read_metadata(output)["check"]["examples"] == 32


def test_a_run_without_evaluation_is_refused(smoke_run, tmp_path):  # noqa: F811
    unfinished = str(tmp_path / "run")
    shutil.copytree(smoke_run, unfinished)
    os.remove(os.path.join(unfinished, "eval.json"))
    with pytest.raises(FileNotFoundError, match=r"has no eval\.json.*tools/evaluate\.py"):
        zoo.save_run_as_preset(unfinished, str(tmp_path / "p"))
    assert not os.path.exists(tmp_path / "p")
