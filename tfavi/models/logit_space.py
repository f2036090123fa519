"""The MAF papers' image convention: dequantized pixels in logit space (Papamakarios et al.)."""

import tensorflow as tf


def to_logit_space(images, noise, alpha: float):
    """y = logit(alpha + (1 - 2 alpha)(255 x + noise) / 256), flattened to [B, D].

    Images x = k / 255 are dequantized to (k + noise) / 256 with noise in [0, 1).
    """
    images = tf.cast(images, tf.float32)
    counts = tf.round(tf.reshape(images, [tf.shape(images)[0], -1]) * 255)
    squeezed = alpha + (1 - 2 * alpha) * (counts + noise) / 256.0
    return tf.math.log(squeezed) - tf.math.log1p(-squeezed)


def to_images(logits, alpha: float, image_shape):
    """Images floor(256 x) / 255 in [0, 1] of logit-space values [B, D], x the inverse map."""
    x = (tf.sigmoid(logits) - alpha) / (1 - 2 * alpha)
    pixels = tf.clip_by_value(tf.floor(x * 256.0) / 255.0, 0.0, 1.0)
    return tf.reshape(pixels, [-1, *image_shape])
