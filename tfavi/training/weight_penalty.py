"""A model's weight penalties for the training step, the L2 ones differentiated in closed form.

Keras adds every regularizer's term to the loss (`model.losses`) and the tape differentiates
it: about 12 graph nodes per variable, ~30k of the step of `attentive_vae_16` (2,536
variables, issue 13). The gradient of `s * sum(v ** 2)` is `2 s v`: `WeightPenalty` sums the
L2 terms outside the tape and adds `2 s v` to the gradients, about 3 nodes per variable. Other
regularizers and `add_loss` terms stay on the tape.
"""

import keras
import tensorflow as tf


class WeightPenalty:
    """The weight penalties of `model` for the gradients of `variables`.

    Args:
        model: a Keras model whose `losses` are its weight penalties and `add_loss` terms.
        variables: the variables the step differentiates, in the gradients' order.

    Example:
        >>> penalty = WeightPenalty(model, model.trainable_variables)
        >>> with tf.GradientTape() as tape:
        ...     loss = objective(x) + tf.add_n([0.0, *penalty.taped_terms()])
        >>> gradients = tape.gradient(loss, model.trainable_variables)
        >>> l2, gradients = penalty.add_l2(gradients)
        >>> loss += l2
    """

    def __init__(self, model, variables):
        self._model = model
        self._l2 = [
            (index, float(variable.regularizer.l2))
            for index, variable in enumerate(variables)
            if type(variable.regularizer) is keras.regularizers.L2
        ]
        in_closed_form = {id(variables[index]) for index, _ in self._l2}
        self._variables = list(variables)
        self._taped = [
            v
            for v in model.trainable_weights
            if v.regularizer is not None and id(v) not in in_closed_form
        ]

    def taped_terms(self) -> list:
        """The penalties the tape differentiates: other regularizers and `add_loss` terms
        (of the model's last call)."""
        # `model.losses` without rebuilding the weight penalties (Keras' own bookkeeping).
        added = [
            loss for layer in self._model._flatten_layers() for loss in layer._get_own_losses()
        ]
        return [v.regularizer(v) for v in self._taped] + added

    def add_l2(self, gradients: list, scale=1.0) -> tuple:
        """(sum of the L2 terms, `gradients` plus `scale * 2 s v` for every L2 variable);
        `scale` is the factor the step applies to the loss (replicas, loss scaling)."""
        if not self._l2:
            return tf.constant(0.0), gradients
        gradients = list(gradients)
        sums, factors = {}, {}
        for index, strength in self._l2:
            value = tf.convert_to_tensor(self._variables[index])
            sums.setdefault(strength, []).append(tf.nn.l2_loss(value))  # sum(v ** 2) / 2
            key = (strength, value.dtype)
            if key not in factors:
                factors[key] = tf.cast(2.0 * strength * scale, value.dtype)
            gradients[index] = gradients[index] + factors[key] * value
        total = tf.add_n([2.0 * s * tf.add_n(terms) for s, terms in sums.items()])
        return total, gradients
