"""Maps unconstrained encoder outputs to positive parameters."""

import tensorflow as tf


def positive(raw: tf.Tensor, floor: float) -> tf.Tensor:
    """softplus(raw) + floor: positive, smooth, never below `floor`."""
    return tf.math.softplus(raw) + floor
