"""Every latent-variable family declares the latents `encode` returns and `decode` takes."""

import numpy as np
import pytest
import tensorflow as tf

from tests.models.attentive_vae.test_attentive_vae import CONFIGS as ATTENTIVE
from tests.models.self_reflective.test_sere_maf import TINY as SERE_MAF
from tests.models.self_reflective.test_sere_vae import TINY as SERE_VAE
from tests.models.self_reflective.test_sere_vae import VARIANTS as SERE_VARIANTS
from tfavi.models import DeepAttentiveVAE, GaussianMLPVAE, SelfReflectiveMAF, SelfReflectiveVAE

MODELS = {
    "gaussian_grid": (
        GaussianMLPVAE,
        dict(image_shape=(4, 4, 1), latent_dim=6, hidden_units=8, posterior="grid"),
    ),
    **{name: (DeepAttentiveVAE, config) for name, config in ATTENTIVE.items()},
    **{
        f"sere_vae_{i}": (SelfReflectiveVAE, dict(SERE_VAE, **v))
        for i, v in enumerate(SERE_VARIANTS)
    },
    "sere_maf": (SelfReflectiveMAF, SERE_MAF),
}


@pytest.mark.parametrize("name", MODELS)
def test_declared_latent_specs_are_what_encode_returns_and_decode_takes(name):
    model_class, config = MODELS[name]
    model = model_class(**config)
    specs = model.latent_specs  # Declared before the model is built or run.
    assert [spec.name for spec in specs] == [f"latent_{i}" for i in range(len(specs))]
    assert len(specs) == model.num_latent_layers
    assert all(spec.shape[0] is None for spec in specs)
    model.build((None, *model.image_shape))
    images = np.random.default_rng(0).uniform(size=(2, *model.image_shape)).astype(np.float32)
    latents = model.encode(images)
    assert [(tuple(z.shape), z.dtype) for z in latents] == [
        ((2, *spec.shape[1:]), spec.dtype) for spec in specs
    ]
    drawn = [tf.random.normal([3, *spec.shape[1:]], dtype=spec.dtype) for spec in specs]
    assert model.decode(drawn).shape == (3, *model.image_shape)
