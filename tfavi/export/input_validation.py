"""In-graph checks of serving inputs.

TF Serving runs the exported graph without Python, so every check is a graph op: a bad
request fails with INVALID_ARGUMENT and a message that names the input and what was expected.
"""

import tensorflow as tf


def checked_images(images, image_shape, name: str = "images"):
    """Checks a batch of images and returns it as float32 in [0, 1] of shape [B, *image_shape].

    float32 pixels must lie in [0, 1]; uint8 pixels (0..255) are divided by 255.
    """
    expected = f"shape [batch, {', '.join(str(d) for d in image_shape)}]"
    images = _checked_shape(images, image_shape, name, expected)
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 255.0
    in_range = tf.reduce_all((images >= 0.0) & (images <= 1.0))
    check = tf.debugging.Assert(
        in_range, [f"{name} must hold float pixel values in [0, 1] (or uint8 pixels 0..255)"]
    )
    with tf.control_dependencies([check]):
        return tf.identity(images)


def checked_latent(latent, latent_shape, name: str):
    """Checks one latent layer's batch [B, *latent_shape] of finite floats."""
    expected = f"shape [batch, {', '.join(str(d) for d in latent_shape)}]"
    latent = _checked_shape(latent, latent_shape, name, expected)
    check = tf.debugging.Assert(
        tf.reduce_all(tf.math.is_finite(latent)), [f"{name} must hold finite values"]
    )
    with tf.control_dependencies([check]):
        return tf.identity(latent)


def checked_positive(value, name: str):
    """Checks that a scalar is positive."""
    check = tf.debugging.Assert(value > 0, [f"{name} must be positive, got", value])
    with tf.control_dependencies([check]):
        return tf.identity(value)


def _checked_shape(tensor, item_shape, name: str, expected: str):
    """Checks the rank and every non-batch dimension (one check, so no op sees a bad rank)."""
    shape = tf.shape(tensor)
    matches = tf.cond(
        tf.equal(tf.size(shape), len(item_shape) + 1),
        lambda: tf.reduce_all(tf.equal(shape[1:], item_shape)),
        lambda: tf.constant(False),
    )
    check = tf.debugging.Assert(
        matches, [f"{name} must have {expected}; got shape", shape], summarize=8
    )
    with tf.control_dependencies([check]):
        return tf.ensure_shape(tf.identity(tensor), [None, *item_shape])
