"""`tfavi.zoo.build`: a zoo name (and argument overrides) gives the built model."""

import json

import numpy as np
import pytest

from tfavi import zoo


def _trainable_parameters(model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def _mlp_vae_parameters(pixels: int, hidden: int, latents: int) -> int:
    """Two hidden layers each way; the encoder outputs a mean and a scale per latent."""
    hidden_layers = (hidden + 1) * hidden
    encoder = (pixels + 1) * hidden + hidden_layers + (hidden + 1) * 2 * latents
    decoder = (latents + 1) * hidden + hidden_layers + (hidden + 1) * pixels
    return encoder + decoder


def test_build_gives_the_entrys_model_and_overrides_change_its_size():
    model = zoo.build("vae_mlp")
    assert type(model) is zoo.get("vae_mlp").model_class and model.built
    assert _trainable_parameters(model) == _mlp_vae_parameters(784, 200, 16) == 404_816
    smaller = zoo.build("vae_mlp", latent_dim=3)
    assert smaller.latent_dim == 3
    # Each latent costs a mean and a scale output and a decoder input row: 3 * 200 + 2.
    assert _trainable_parameters(model) - _trainable_parameters(smaller) == 13 * (3 * 200 + 2)


@pytest.mark.parametrize("name", ["vae_mlp", "sere_vae_mlp", "sere_maf_cifar10", "nvae_16"])
def test_smoke_build_applies_the_smoke_variant(name):
    entry = zoo.get(name)
    model = zoo.build(name, smoke=True)
    expected = json.loads(json.dumps({**entry.model_kwargs, **entry.smoke_model_kwargs}))
    config = json.loads(json.dumps(model.get_config()))
    assert type(model) is entry.model_class and model.built
    assert {key: config[key] for key in expected} == expected


def test_the_same_seed_builds_the_same_weights():
    first, second = (zoo.build("vae_mlp", smoke=True, seed=7) for _ in range(2))
    other = zoo.build("vae_mlp", smoke=True, seed=8)
    assert first.seed == 7
    for a, b in zip(first.weights, second.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(first.trainable_weights[0].numpy(), other.trainable_weights[0])


def test_unknown_name_lists_the_zoo():
    with pytest.raises(ValueError, match=r"Unknown model 'vae_mpl'\. Available models: .*vae_mlp"):
        zoo.build("vae_mpl")


def test_unknown_argument_lists_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"Unknown argument\(s\) 'latent_dims' for 'vae_mlp'\. GaussianMLPVAE takes: "
        r".*hidden_units, .*latent_dim, ",
    ):
        zoo.build("vae_mlp", latent_dims=3)
