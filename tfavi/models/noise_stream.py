"""The noise of one model pass: from the model's seed generator, or from one integer seed."""

import math

import keras
import tensorflow as tf

from tfavi.models.replica_invariant_noise import replica_invariant_normal


class NoiseStream:
    """Hands out the noise draws of one model pass (`HierarchicalVAE.noise`).

    With a `keras.random.SeedGenerator` each draw advances the generator, replica-invariantly
    under a `tf.distribute` strategy (training, importance sampling). With an integer seed (a
    Python int or an integer tensor, e.g. a serving signature's input) draw k uses the
    stateless seed fold_in([seed, 0], k), so the same seed gives the same draws in Keras and
    in an exported graph, with no state to update.

    Args:
        seed: a `keras.random.SeedGenerator` or an integer seed.
    """

    def __init__(self, seed):
        self._generator = seed if isinstance(seed, keras.random.SeedGenerator) else None
        if self._generator is None:
            self._base = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
        self._draws = 0

    def normal(self, shape, dtype="float32"):
        """Standard-normal noise of `shape`."""
        if self._generator is not None:
            return replica_invariant_normal(shape, self._generator, dtype)
        self._draws += 1
        seed = tf.random.experimental.stateless_fold_in(self._base, self._draws)
        return tf.random.stateless_normal(shape, seed=seed, dtype=dtype)

    def uniform(self, shape, dtype="float32"):
        """Uniform noise on [0, 1] of `shape`: the standard-normal CDF of a normal draw."""
        return 0.5 * tf.math.erfc(-self.normal(shape, dtype) / math.sqrt(2.0))
