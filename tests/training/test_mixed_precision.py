"""Mixed precision recipes: bfloat16 trains like float32; float16 scales its loss dynamically."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import train_smoke_steps
from tfavi import zoo
from tfavi.training.distributed_step import make_train_step
from tfavi.training.precision import dtype_policy
from tfavi.training.run_directory import build_model

BATCH = 4


def _train(name, mixed_precision, images=None):
    return train_smoke_steps(name, [f"mixed_precision={mixed_precision}"], images=images)


@pytest.mark.parametrize(
    "name, rtol",
    [("vae_mlp", 3e-4), ("sere_vae_mlp", 3e-4), ("sere_maf_cifar10", 1e-4), ("nvae_16", 1e-3)],
)
def test_bfloat16_trains_to_the_float32_losses(name, rtol):
    # Measured relative gaps after three steps, on a CPU with AVX-512 BF16 / on one with AVX2
    # only (bfloat16 emulated): MLPs 2e-5 / 6e-5 (vae_mlp) and 1.3e-4 (sere_vae_mlp),
    # SeRe-MAF 1.4e-6 / 7.5e-6, attentive 2.2e-4 / 3.1e-5. Before the fix every family but
    # the MLP and GGM VAEs raised a TypeError.
    model, _, losses, skipped = _train(name, "bfloat16")
    _, _, expected, _ = _train(name, "none")
    assert model.compute_dtype == "bfloat16" and not any(skipped)
    assert all(w.dtype == "float32" for w in model.trainable_weights)
    np.testing.assert_allclose(losses, expected, rtol=rtol)
    assert keras.mixed_precision.global_policy().name == "float32"


def test_float16_skips_overflowing_steps_and_halves_the_loss_scale():
    images = np.random.default_rng(1).uniform(size=(4 * BATCH, 28, 28, 1)).round()
    images[2 * BATCH] = np.nan
    model, optimizer, losses, skipped = _train("vae_mlp", "float16", images=images)
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.compute_dtype == "float16"
    # The initial scale 2^15 overflows float16 gradients; the NaN batch is skipped too.
    assert skipped == [True, False, True, False]
    assert float(optimizer.dynamic_scale.numpy()) == 2.0**15 / 4
    assert int(optimizer.step_counter.numpy()) == 1  # Reset by the skip, then one good step.
    assert int(optimizer.iterations.numpy()) == 4
    _, _, expected, _ = _train("vae_mlp", "none", images=images)
    np.testing.assert_allclose(losses[0], expected[0], rtol=1e-3)


def _float16_sgd_steps(initial_scale, steps=2):
    keras.utils.set_random_seed(0)
    config = zoo.resolve_config("vae_mlp", smoke=True, overrides=["mixed_precision='float16'"])
    model = build_model(config)
    optimizer = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(0.1), initial_scale=initial_scale, dynamic_growth_steps=2
    )
    optimizer.build(model.trainable_variables)
    step = make_train_step(model, optimizer, tf.distribute.get_strategy(), BATCH)
    images = np.random.default_rng(2).uniform(size=(BATCH, 28, 28, 1)).round()
    skipped = [bool(step(images.astype(np.float32))[1]) for _ in range(steps)]
    return model.trainable_weights, optimizer, skipped


def test_float16_gradients_are_unscaled_and_the_scale_grows_after_its_growth_steps():
    # Scaling by a power of two is exact in float16: SGD's update cannot depend on the scale.
    # (The loss, ~550 nats, times the scale stays below float16's maximum 65504.)
    low, low_optimizer, low_skipped = _float16_sgd_steps(2.0)
    high, _, high_skipped = _float16_sgd_steps(64.0)
    assert low_skipped == high_skipped == [False, False]
    for a, b in zip(low, high, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-3, atol=1e-5)
    assert float(low_optimizer.dynamic_scale.numpy()) == 4.0


def test_an_unknown_precision_is_an_error_naming_the_valid_ones():
    with pytest.raises(ValueError, match="none, bfloat16, float16"):
        dtype_policy("float8")
