"""Every latent-variable family declares the latents `encode` returns and `decode` takes."""

import numpy as np
import pytest
import tensorflow as tf

from tfavi.models import DeepAttentiveVAE, GaussianMLPVAE, SelfReflectiveMAF, SelfReflectiveVAE

MODELS = {
    "gaussian_grid": lambda: GaussianMLPVAE(
        image_shape=(4, 4, 1), latent_dim=6, hidden_units=8, posterior="grid"
    ),
    "attentive": lambda: DeepAttentiveVAE(
        image_shape=(8, 8, 3),
        num_layers=3,
        latent_channels=2,
        num_filters=4,
        decoder_attention_dim=2,
        encoder_attention_dim=2,
        cell_nonlocal_key_dim=None,
        preprocess_scales=(-2,),
        preprocess_nonlocal_key_dim=None,
        postprocess_scales=(2,),
    ),
    "attentive_bernoulli_padded": lambda: DeepAttentiveVAE(
        image_shape=(6, 6, 1),
        num_layers=2,
        latent_channels=3,
        num_filters=4,
        decoder_attention_dim=None,
        encoder_attention_dim=None,
        cell_nonlocal_key_dim=None,
        preprocess_scales=(-2,),
        preprocess_nonlocal_key_dim=None,
        postprocess_scales=(2,),
        output_distribution="bernoulli",
        pad_size=1,
    ),
    "sere_vae": lambda: SelfReflectiveVAE(
        image_shape=(4, 4, 1), num_layers=3, latent_dim=2, hidden_units=8, encoder_units=8
    ),
    "dlgm": lambda: SelfReflectiveVAE(
        image_shape=(4, 4, 1), num_layers=2, latent_dim=3, hidden_units=8, self_reflective=False
    ),
    "sere_maf": lambda: SelfReflectiveMAF(
        image_shape=(2, 2, 3), num_layers=2, latent_dim=3, made_units=8, hidden_units=8
    ),
}


@pytest.mark.parametrize("name", MODELS)
def test_declared_latent_specs_are_what_encode_returns_and_decode_takes(name):
    model = MODELS[name]()
    images = np.random.default_rng(0).uniform(size=(2, *model.image_shape)).astype(np.float32)
    specs = model.latent_specs  # Declared before the model ever runs.
    assert [spec.name for spec in specs] == [f"latent_{i}" for i in range(len(specs))]
    assert len(specs) == model.num_latent_layers
    model.build((None, *model.image_shape))
    latents = model.encode(images)
    assert [(tuple(z.shape), z.dtype) for z in latents] == [
        ((2, *spec.shape[1:]), spec.dtype) for spec in specs
    ]
    assert all(spec.shape[0] is None for spec in specs)
    drawn = [tf.random.normal([3, *spec.shape[1:]], dtype=spec.dtype) for spec in specs]
    assert model.decode(drawn).shape == (3, *model.image_shape)
