"""Zoo names, recipes and command-line overrides."""

import dataclasses

import pytest

from tfavi import zoo
from tfavi.training import TrainConfig


def test_unknown_model_lists_the_available_names():
    with pytest.raises(ValueError, match=r"Unknown model 'vae_mpl'\. Available models: .*vae_mlp"):
        zoo.resolve_config("vae_mpl")


def test_zoo_name_resolves_to_class_arguments_dataset_and_recipe():
    config = zoo.resolve_config("vae_mlp")
    assert config.model_class == "tfavi>GaussianMLPVAE"
    assert config.model["latent_dim"] == 16 and config.model["hidden_units"] == 200
    assert config.dataset == "binarized_mnist" and config.epochs == 100
    smoke = zoo.resolve_config("vae_mlp", smoke=True)
    assert smoke.steps_per_epoch and smoke.epochs <= 2 and smoke.model["hidden_units"] < 200


def test_overrides_apply_with_their_types():
    config = zoo.resolve_config(
        "vae_mlp",
        overrides=[
            "epochs=3",
            "learning_rate=1",
            "random_flip=True",
            "sample_temperatures=(1.0, 0.7)",
            "optimizer=adamax",
            "model.latent_dim=8",
        ],
    )
    assert config.epochs == 3 and isinstance(config.learning_rate, float)
    assert config.random_flip is True and config.sample_temperatures == (1.0, 0.7)
    assert config.optimizer == "adamax" and config.model["latent_dim"] == 8


@pytest.mark.parametrize(
    "override, message",
    [
        ("epoch=3", r"Unknown config field 'epoch'.*Valid fields: .*epochs"),
        ("model.latent_dims=8", r"Unknown model argument 'latent_dims'.*latent_dim"),
        ("epochs=three", r"epochs takes a int"),
        ("epochs", r"field=value"),
    ],
)
def test_misspelt_or_mistyped_overrides_are_errors(override, message):
    with pytest.raises(ValueError, match=message):
        zoo.resolve_config("vae_mlp", overrides=[override])


def test_config_json_round_trip():
    config = zoo.resolve_config("vae_mlp", overrides=["sample_temperatures=(0.9, 0.8)"])
    assert TrainConfig.from_json(config.to_json()) == config
    assert {f.name for f in dataclasses.fields(TrainConfig)} >= {"kl_warmup_epochs", "lr_schedule"}


def test_every_zoo_entry_has_a_recipe_and_smoke_variant():
    for name in zoo.names():
        full, smoke = zoo.resolve_config(name), zoo.resolve_config(name, smoke=True)
        assert full.model_class == smoke.model_class and full.dataset == smoke.dataset
