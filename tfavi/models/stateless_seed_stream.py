"""Reproducible noise from one integer seed, as stateless ops that a SavedModel can hold."""

import tensorflow as tf


class StatelessSeedStream:
    """Hands out a fresh `[2]` seed of `tf.random.stateless_*` ops per draw, all derived from
    one integer seed (a Python int or an integer tensor, e.g. a serving signature's input), so
    the same seed gives the same draws in Keras and in an exported graph.
    """

    def __init__(self, seed):
        self._base = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
        self._draws = 0

    def next(self):
        self._draws += 1
        return tf.random.experimental.stateless_fold_in(self._base, self._draws)

    def normal(self, like):
        """Standard-normal noise of the shape and dtype of `like`."""
        return tf.random.stateless_normal(tf.shape(like), seed=self.next(), dtype=like.dtype)
