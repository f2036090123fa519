"""The workdir: resuming with changed config fields, and clear errors for missing and corrupt
run files."""

import json
import os

import pytest
import tensorflow as tf

from tfavi import zoo
from tfavi.errors import ConfigError, CorruptFileError, MissingFileError
from tfavi.training import run_directory


@pytest.fixture
def config():
    return zoo.resolve_config("vae_mlp", smoke=True)


def _saved(workdir):
    return json.loads((workdir / "config.json").read_text())


def test_epochs_and_evaluation_settings_may_change_and_are_recorded(config, tmp_path):
    run_directory.save_or_check_config(config, str(tmp_path))
    extended = config.replace(epochs=5, num_importance_samples=20, eval_examples=0)
    run_directory.save_or_check_config(extended, str(tmp_path))
    saved = _saved(tmp_path)
    assert (saved["epochs"], saved["num_importance_samples"], saved["eval_examples"]) == (5, 20, 0)
    assert run_directory.load_config(str(tmp_path)) == extended


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"learning_rate": 0.01}, r"learning_rate: 0\.001 -> 0\.01"),
        ({"dataset": "mnist"}, r"dataset: 'binarized_mnist' -> 'mnist'"),
        ({"model": {"latent_dim": 3}}, r"model\.latent_dim: 4 -> 3"),
    ],
)
def test_changing_the_model_or_the_data_is_refused(config, tmp_path, changes, named):
    run_directory.save_or_check_config(config, str(tmp_path))
    if "model" in changes:
        changes = {"model": {**config.model, **changes["model"]}}
    with pytest.raises(ConfigError, match=rf"different config \({named}\).*only epochs"):
        run_directory.save_or_check_config(config.replace(epochs=9, **changes), str(tmp_path))
    assert _saved(tmp_path)["epochs"] == config.epochs


def test_a_missing_workdir_or_a_workdir_without_a_run_is_named(tmp_path):
    with pytest.raises(MissingFileError, match=r"'.*nowhere' does not exist.*--workdir"):
        run_directory.load_trained_model(str(tmp_path / "nowhere"))
    with pytest.raises(MissingFileError, match=r"holds no run \(no config\.json\)"):
        run_directory.load_trained_model(str(tmp_path))


@pytest.mark.parametrize("text", ['{"epochs": 3,', '["a list"]', '{"epoch": 3}', '{"epochs": 0}'])
def test_a_corrupt_config_json_is_named(config, tmp_path, text):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(CorruptFileError, match=r"config\.json does not hold a valid tfavi config"):
        run_directory.load_config(str(tmp_path))
    with pytest.raises(CorruptFileError, match=r"config\.json"):
        run_directory.save_or_check_config(config, str(tmp_path))


@pytest.fixture
def checkpointed(config, tmp_path):
    """A workdir with a config and one checkpoint of the smoke model, and the model."""
    run_directory.save_or_check_config(config, str(tmp_path))
    model = run_directory.build_model(config)
    tf.train.Checkpoint(model=model).save(str(tmp_path / "checkpoints" / "ckpt"))
    return tmp_path, model


@pytest.mark.parametrize("size", [0, 100])
def test_a_truncated_model_keras_is_named_with_the_fix(checkpointed, size):
    workdir, model = checkpointed
    model.save(workdir / "model.keras")
    content = (workdir / "model.keras").read_bytes()
    (workdir / "model.keras").write_bytes(content[:size])
    with pytest.raises(CorruptFileError, match=r"model\.keras cannot be read \(not a zip.*rerun"):
        run_directory.load_trained_model(str(workdir))


@pytest.mark.parametrize(
    "suffix, damage",
    [
        (".index", lambda content: b"x" * len(content)),
        (".data-00000-of-00001", lambda content: content[: len(content) // 2]),
    ],
)
def test_a_corrupt_checkpoint_is_named(checkpointed, suffix, damage):
    workdir, _ = checkpointed
    path = workdir / "checkpoints" / f"ckpt-1{suffix}"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(
        CorruptFileError,
        match=r"No checkpoint in .*checkpoints' can be restored \(.*ckpt-1: .*--restart",
    ):
        run_directory.load_trained_model(str(workdir))


def test_a_run_without_weights_says_to_train(config, tmp_path):
    run_directory.save_or_check_config(config, str(tmp_path))
    assert os.listdir(tmp_path) == ["config.json"]
    with pytest.raises(MissingFileError, match=r"neither model\.keras nor a checkpoint"):
        run_directory.load_trained_model(str(tmp_path))
