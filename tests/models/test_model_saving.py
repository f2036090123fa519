"""Saving: config round trips and `.keras` reloads with identical outputs."""

import numpy as np

from tests.harness import run_model_saving_test, run_serialization_test
from tfavi.models import GaussianMLPVAE


def test_gaussian_mlp_vae_config_round_trip():
    model = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=3, hidden_units=8, seed=5)
    revived = run_serialization_test(model)
    assert revived.latent_dim == 3 and revived.image_shape == (4, 4, 1) and revived.seed == 5


def test_gaussian_mlp_vae_keras_reload_gives_identical_outputs(tmp_path):
    model = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=3, hidden_units=8)
    x = (np.random.default_rng(0).uniform(size=(3, 4, 4, 1)) > 0.5).astype(np.float32)
    model(x)
    model.kl_beta.assign(0.25)

    def outputs(m):
        return [
            m.reconstruct(x),
            m.sample(2, temperature=0.7, seed=3),
            m.encode(x)[0],
            m.kl_beta.numpy(),
        ]

    run_model_saving_test(model, outputs, str(tmp_path))
