"""In-graph checks of serving inputs.

TF Serving runs the exported graph without Python and without checking the declared input
shapes, so every check is a graph op: a bad request fails with INVALID_ARGUMENT and a message
that names the input and what was expected. Each check runs after the ones before it (a
value is checked only once its shape is right).
"""

import tensorflow as tf


def checked_images(
    images, image_shape, max_batch_size: int, binary: bool = False, name: str = "images"
):
    """Checks a batch of images and returns it as float32 in [0, 1] of shape [B, *image_shape].

    float32 pixels must lie in [0, 1]; uint8 pixels (0..255) are divided by 255. B must be
    at most `max_batch_size`; `binary` images must hold 0 and 1 only (0 and 255 as uint8).
    """
    images = _checked_batch(images, image_shape, max_batch_size, name)
    is_uint8 = images.dtype == tf.uint8
    one = 255 if is_uint8 else 1
    if not is_uint8:
        in_range = (images >= 0.0) & (images <= 1.0)
        message = f"{name} must hold float pixel values in [0, 1] (or uint8 pixels 0..255); got"
        images = _asserted(images, in_range, message, _first_bad(images, in_range))
    if binary:
        is_binary = tf.equal(images, 0) | tf.equal(images, one)
        message = (
            f"{name} must hold binary pixels, 0 or {one} (the model has a Bernoulli likelihood)"
        )
        images = _asserted(images, is_binary, f"{message}; got", _first_bad(images, is_binary))
    return tf.cast(images, tf.float32) / 255.0 if is_uint8 else images


def checked_latent(latent, latent_shape, max_batch_size: int, name: str):
    """Checks one latent layer's batch [B, *latent_shape] of finite floats, B <= maximum."""
    latent = _checked_batch(latent, latent_shape, max_batch_size, name)
    return _asserted(latent, tf.math.is_finite(latent), f"{name} must hold finite values")


def checked_scalar(value, name: str):
    """Checks that `value` is a scalar and returns it with a scalar static shape."""
    shape = tf.shape(value)
    is_scalar = tf.equal(tf.size(shape), 0)
    expected = "a scalar (a plain number such as 4, not a list such as [4])"
    value = _asserted(value, is_scalar, f"{name} must be {expected}; got shape", shape)
    # Not `tf.ensure_shape`: the runtime checks that against the fed shape before any assertion.
    return tf.reshape(value, [])


def checked_in_range(value, name: str, maximum, limit: str):
    """Checks that `value` is a scalar in (0, `maximum`], and finite if a float.

    `limit` names the export's maximum in the message, e.g. `max_num_samples`.
    """
    value = checked_scalar(value, name)
    positive, expected = value > 0, "positive"
    if value.dtype.is_floating:
        positive, expected = positive & tf.math.is_finite(value), "positive and finite"
    value = _asserted(value, positive, f"{name} must be {expected}, got", value)
    at_most = value <= maximum
    message = f"{name} must be at most {maximum} ({limit} of this export), got"
    return _asserted(value, at_most, message, value)


def _checked_batch(tensor, item_shape, max_batch_size: int, name: str):
    """Checks the rank and every non-batch dimension (one check, so no op sees a bad rank),
    then the batch size."""
    shape = tf.shape(tensor)
    matches = tf.cond(
        tf.equal(tf.size(shape), len(item_shape) + 1),
        lambda: tf.reduce_all(tf.equal(shape[1:], item_shape)),
        lambda: tf.constant(False),
    )
    expected = f"shape [batch, {', '.join(str(d) for d in item_shape)}]"
    tensor = _asserted(tensor, matches, f"{name} must have {expected}; got shape", shape)
    tensor = tf.ensure_shape(tensor, [None, *item_shape])
    batch = tf.shape(tensor)[0]
    message = f"{name} must hold at most {max_batch_size} examples (max_batch_size of this export)"
    return _asserted(tensor, batch <= max_batch_size, f"{message}, got", batch)


def _first_bad(values, ok):
    """The first element of `values` where `ok` is false (empty if none), for a message."""
    return tf.boolean_mask(tf.reshape(values, [-1]), tf.logical_not(tf.reshape(ok, [-1])))[:1]


def _asserted(tensor, condition, message: str, *data):
    """`tensor`, once every element of `condition` holds; else INVALID_ARGUMENT with `message`
    followed by `data`."""
    check = tf.debugging.Assert(tf.reduce_all(condition), [message, *data], summarize=8)
    with tf.control_dependencies([check]):
        return tf.identity(tensor)
