"""Presets: `save_to_preset` writes a folder that `from_preset` loads, by path or by name."""

import json
import os

import numpy as np
import pytest

from tfavi import presets, zoo
from tfavi.models import DeepAttentiveVAE, GaussianMLPVAE, HierarchicalVAE
from tfavi.presets import preset_lookup

IMAGES = (np.random.default_rng(0).uniform(size=(3, 28, 28, 1)) > 0.5).astype(np.float32)


@pytest.fixture
def model():
    """A smoke `vae_mlp` whose weights differ from any fresh initialisation."""
    model = zoo.build("vae_mlp", smoke=True)
    rng = np.random.default_rng(1)
    for variable in model.trainable_variables:
        variable.assign(variable + rng.normal(scale=0.1, size=variable.shape))
    model.kl_beta.assign(0.25)
    return model


def _outputs(model):
    """Outputs with explicit seeds (the noise generator's state is not a weight)."""
    return [
        *model.weights,
        model.reconstruct(IMAGES),
        model.sample(2, temperature=0.7, seed=3),
        model.kl_beta,
    ]


def _assert_same_outputs(model, other):
    for a, b in zip(_outputs(model), _outputs(other), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_round_trip_by_path_gives_identical_outputs(model, tmp_path):
    path = str(tmp_path / "my_vae")
    metadata = {"zoo_name": "vae_mlp", "dataset": "binarized_mnist", "metrics": {"nll": 90.5}}
    assert presets.save_to_preset(model, path, metadata) == path
    assert sorted(os.listdir(tmp_path)) == ["my_vae"]  # no temporary folder is left behind
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    loaded = GaussianMLPVAE.from_preset(path)
    assert type(loaded) is GaussianMLPVAE and loaded.get_config() == model.get_config()
    _assert_same_outputs(model, loaded)
    written = presets.read_metadata(path)
    assert written["model_class"] == "tfavi>GaussianMLPVAE" and written["format_version"] == 1
    assert written["tfavi_version"] and written["metrics"] == {"nll": 90.5}
    assert type(HierarchicalVAE.from_preset(path)) is GaussianMLPVAE
    assert type(zoo.from_preset(path)) is GaussianMLPVAE


def test_a_preset_is_found_by_name_in_the_presets_dirs(model, tmp_path, monkeypatch):
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    monkeypatch.delenv(presets.PRESETS_DIR_ENV, raising=False)
    monkeypatch.setattr(preset_lookup, "_SHIPPED", str(shipped))
    presets.save_to_preset(model, str(shipped / "shipped_vae"))
    assert presets.preset_names() == ["shipped_vae"]
    _assert_same_outputs(model, zoo.from_preset("shipped_vae"))

    other = zoo.build("vae_mlp", smoke=True, latent_dim=2)
    presets.save_to_preset(other, str(user / "shipped_vae"))
    monkeypatch.setenv(presets.PRESETS_DIR_ENV, str(user))
    assert zoo.from_preset("shipped_vae").latent_dim == 2  # the user's folder comes first


def test_unknown_name_lists_presets_and_zoo_names(model, tmp_path, monkeypatch):
    presets.save_to_preset(model, str(tmp_path / "mine"))
    monkeypatch.setenv(presets.PRESETS_DIR_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=r"Unknown preset 'mien'.*Presets: .*mine.*vae_mlp"):
        zoo.from_preset("mien")
    untrained = next(name for name in zoo.names() if name not in presets.preset_names())
    with pytest.raises(ValueError, match=rf"zoo model '{untrained}' has no trained preset.*build"):
        zoo.from_preset(untrained)
    with pytest.raises(FileNotFoundError, match=r"No preset folder at '.*nowhere/mine'"):
        zoo.from_preset(str(tmp_path / "nowhere" / "mine"))


def test_preset_without_weights_is_an_error(model, tmp_path):
    path = presets.save_to_preset(model, str(tmp_path / "p"))
    os.remove(os.path.join(path, presets.WEIGHTS_FILE))
    with pytest.raises(FileNotFoundError, match=r"has no model\.weights\.h5"):
        zoo.from_preset(path)


@pytest.mark.parametrize(
    "name, text",
    [("config.json", '{"module": "tfavi'), ("model.weights.h5", "not hdf5")],
)
def test_damaged_files_are_named(model, tmp_path, name, text):
    path = presets.save_to_preset(model, str(tmp_path / "p"))
    with open(os.path.join(path, name), "w") as f:
        f.write(text)
    with pytest.raises(ValueError, match=f"Cannot .*{name}"):
        zoo.from_preset(path)


def test_config_with_wrong_arguments_is_named(model, tmp_path):
    path = presets.save_to_preset(model, str(tmp_path / "p"))
    config_path = os.path.join(path, presets.CONFIG_FILE)
    with open(config_path) as f:
        config = json.load(f)
    config["config"]["latent_dims"] = 3
    with open(config_path, "w") as f:
        json.dump(config, f)
    with pytest.raises(ValueError, match=r"Cannot build a GaussianMLPVAE from .*config\.json"):
        zoo.from_preset(path)


def test_preset_of_another_class_is_an_error(model, tmp_path):
    path = presets.save_to_preset(model, str(tmp_path / "p"))
    with pytest.raises(TypeError, match=r"holds a GaussianMLPVAE, not a DeepAttentiveVAE"):
        DeepAttentiveVAE.from_preset(path)


def test_an_interrupted_save_leaves_no_folder(model, tmp_path, monkeypatch):
    def fail(path):
        raise OSError("disk full")

    monkeypatch.setattr(model, "save_weights", fail)
    with pytest.raises(OSError, match="disk full"):
        presets.save_to_preset(model, str(tmp_path / "p"))
    assert os.listdir(tmp_path) == []


def test_save_errors(model, tmp_path):
    path = presets.save_to_preset(model, str(tmp_path / "p"))
    with pytest.raises(FileExistsError, match=r"'.*p' exists: delete it or save to a new"):
        presets.save_to_preset(model, path)
    with pytest.raises(ValueError, match=r"metadata may not set model_class"):
        presets.save_to_preset(model, str(tmp_path / "q"), {"model_class": "x"})
    unbuilt = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=2)
    with pytest.raises(ValueError, match=r"needs a built model"):
        presets.save_to_preset(unbuilt, str(tmp_path / "r"))
