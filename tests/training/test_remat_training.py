"""`remat=True` trains like the default recipe: the training step's graph, mirrored on two
devices, on a one-layer attentive VAE on 4 x 4 binary images (tracing dominates;
`tests/models/attentive_vae/test_remat.py` compares the eager gradients of deeper models,
decoder cells included)."""

import numpy as np

from tests.harness import mirrored_on_two_cpus, train_smoke_steps

TINY = ["model.image_shape=(4, 4, 1)", "model.num_layers=1"]


def test_remat_trains_like_the_stored_forward_pass_on_two_devices():
    expected_model, _, expected, _ = train_smoke_steps(
        "attentive_vae_mnist", TINY, strategy=mirrored_on_two_cpus()
    )
    model, _, losses, skipped = train_smoke_steps(
        "attentive_vae_mnist", [*TINY, "remat=True"], strategy=mirrored_on_two_cpus()
    )
    assert model.remat and not expected_model.remat and not any(skipped)
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    # Weights, batch-norm statistics (updated once per step) and noise state.
    for a, b in zip(expected_model.variables, model.variables, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
