"""A tiny attentive VAE, one traced training pass of it, and the checks shared by the tests
of training settings that must not change that pass (`remat`, `shared_cell_graphs`,
`forward_conv_gradients`)."""

import numpy as np
import tensorflow as tf

from tfavi import zoo
from tfavi.training.run_directory import build_model

# RGB, logistic mixture, attention, non-local blocks in every encoder and decoder cell; three
# encoder and two decoder cells of one configuration.
TINY = [
    "model.image_shape=(8, 8, 3)",
    "model.cell_nonlocal_key_dim=2",
    "model.num_layers=3",
    "shared_cell_graphs=False",  # On in the recipe: the tests turn it on.
]


def model_and_images():
    config = zoo.resolve_config("attentive_vae_16", smoke=True, overrides=TINY)
    model = build_model(config)
    images = np.random.default_rng(0).integers(0, 256, size=(4, *model.image_shape)) / 255.0
    return model, tf.constant(images, tf.float32)


def training_pass(model, images, start):
    """Loss, gradients and batch-norm statistics of one traced (freshly: the layers' settings
    are read at tracing) forward and backward pass from the weights, statistics and noise
    state `start`."""
    for variable, value in zip(model.variables, start, strict=True):
        variable.assign(value)

    @tf.function(autograph=False)
    def loss_and_gradients():
        with tf.GradientTape() as tape:
            per_example, _ = model.objective(images, training=True)
            loss = tf.reduce_mean(per_example) + tf.add_n(model.losses)
        return loss, tape.gradient(loss, model.trainable_variables)

    loss, gradients = loss_and_gradients()
    return float(loss), [g.numpy() for g in gradients], batch_norm_statistics(model)


def batch_norm_statistics(model) -> list:
    return [v.numpy() for v in model.non_trainable_variables if "moving" in v.path]


def assert_same_training_pass(expected, actual, initial_statistics):
    """`expected` and `actual` are (gradients, batch-norm statistics) of one training pass
    from the same state: equal gradients up to rounding, statistics moved once and equal."""
    (expected_gradients, expected_statistics), (gradients, statistics) = expected, actual
    scale = max(np.abs(g).max() for g in expected_gradients)
    for a, b in zip(expected_gradients, gradients, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5 * scale)
    assert not any(np.allclose(a, b) for a, b in zip(initial_statistics, statistics, strict=True))
    for a, b in zip(expected_statistics, statistics, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
