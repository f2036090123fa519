"""`remat=True`, `shared_cell_graphs=True` and `forward_conv_gradients=True` train like the
default recipe: the training step's graph, mirrored on two devices, on a one-layer attentive
VAE on 4 x 4 binary images (tracing dominates; `test_remat.py`, `test_shared_cell_graphs.py`
and `test_forward_conv_gradient.py` in `tests/models/attentive_vae/` compare the gradients of
deeper models, decoder cells included)."""

import functools

import numpy as np
import pytest

from tests.harness import mirrored_on_two_cpus, train_smoke_steps

TINY = ["model.image_shape=(4, 4, 1)", "model.num_layers=1", "shared_cell_graphs=False"]


@functools.cache
def _default_training():
    return train_smoke_steps("attentive_vae_mnist", TINY, strategy=mirrored_on_two_cpus())


@pytest.mark.parametrize("option", ["remat", "shared_cell_graphs", "forward_conv_gradients"])
def test_cell_options_train_like_the_default_on_two_devices(option):
    expected_model, _, expected, _ = _default_training()
    model, _, losses, skipped = train_smoke_steps(
        "attentive_vae_mnist", [*TINY, f"{option}=True"], strategy=mirrored_on_two_cpus()
    )
    assert getattr(model, option) and not getattr(expected_model, option) and not any(skipped)
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    # Weights, batch-norm statistics (updated once per step) and noise state.
    for a, b in zip(expected_model.variables, model.variables, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
