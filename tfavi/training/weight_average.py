"""An exponential moving average of a model's weights, for evaluation, sampling and export.

Reference: Polyak & Juditsky, "Acceleration of Stochastic Approximation by Averaging", 1992;
VDVAE (Child, ICLR 2021) and NVAE evaluate with such an average.
"""

import contextlib

import tensorflow as tf


class WeightAverage(tf.Module):
    """`average <- decay * average + (1 - decay) * weight` after every applied update.

    The averages start at the weights' values at construction; create the object under the
    strategy's scope (the averages are mirrored like the weights) and checkpoint it with the
    model (it is a `tf.Module` whose `averages` a `tf.train.Checkpoint` tracks).

    Args:
        variables: the weights to average (a model's `trainable_variables`).
        decay: the decay in [0, 1).

    Example:
        >>> average = WeightAverage(model.trainable_variables, decay=0.999)
        >>> average.update()  # after each optimizer update
        >>> with average.swapped_in():
        ...     model.save("model.keras")
    """

    def __init__(self, variables, decay: float):
        super().__init__(name="weight_average")
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}.")
        self.decay = decay
        self._weights = list(variables)
        self.averages = [
            tf.Variable(
                tf.convert_to_tensor(w),
                trainable=False,
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
                name=f"average_{i}",
            )
            for i, w in enumerate(self._weights)
        ]

    def update(self) -> None:
        """Moves every average towards its weight (in a replica or cross-replica context)."""
        for average, weight in zip(self.averages, self._weights, strict=True):
            average.assign_sub((1.0 - self.decay) * (average - tf.convert_to_tensor(weight)))

    @contextlib.contextmanager
    def swapped_in(self):
        """Holds the averages in the weights inside the block, and the weights in the
        averages; swaps them back on exit."""
        self._swap()
        try:
            yield
        finally:
            self._swap()

    def _swap(self) -> None:
        for average, weight in zip(self.averages, self._weights, strict=True):
            held = tf.identity(average)
            average.assign(tf.convert_to_tensor(weight))
            weight.assign(held)
