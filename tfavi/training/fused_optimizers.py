"""Adam and Adamax whose per-variable update is one fused TensorFlow kernel.

Keras 3 builds each variable's Adam/Adamax update from about 29 element-wise ops; on a model
with 650 variables that is ~19k small ops per step, which dominate the step of a deep VAE on
few CPU cores (issue 13). These subclasses keep Keras' slots, hyperparameters, schedules and
`tf.distribute` handling, and replace `update_step` by `ResourceApplyAdam` /
`ResourceApplyAdaMax`, the kernels legacy `tf.keras` used (as the official attentive VAE code
does). The slots keep Keras' names, so checkpoints move between these and Keras' classes.
TensorFlow backend only.

Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §2 and §7.1.
"""

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export


def _step_constants(optimizer, variable, learning_rate):
    """(learning rate, beta_1, beta_2, epsilon, t) as tensors of the variable's dtype."""
    dtype = variable.dtype
    return (
        tf.cast(learning_rate, dtype),
        tf.cast(optimizer.beta_1, dtype),
        tf.cast(optimizer.beta_2, dtype),
        tf.cast(optimizer.epsilon, dtype),
        tf.cast(optimizer.iterations + 1, dtype),
    )


def _handle(variable):
    return variable.value.handle if isinstance(variable, keras.Variable) else variable.handle


@tfavi_export
class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` (without `amsgrad`) updating each variable with one kernel.

    Takes `keras.optimizers.Adam`'s arguments.

    Example:
        >>> optimizer = FusedAdam(learning_rate=1e-3)
        >>> optimizer.apply(gradients, model.trainable_variables)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("FusedAdam has no amsgrad; use keras.optimizers.Adam.")

    def update_step(self, gradient, variable, learning_rate):
        lr, beta_1, beta_2, epsilon, t = _step_constants(self, variable, learning_rate)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable),
            m=_handle(self._momentums[index]),
            v=_handle(self._velocities[index]),
            beta1_power=tf.pow(beta_1, t),
            beta2_power=tf.pow(beta_2, t),
            lr=lr,
            beta1=beta_1,
            beta2=beta_2,
            epsilon=epsilon,
            grad=tf.cast(gradient, variable.dtype),
        )


@tfavi_export
class FusedAdamax(keras.optimizers.Adamax):
    """`keras.optimizers.Adamax` updating each variable with one kernel.

    Takes `keras.optimizers.Adamax`'s arguments.

    Example:
        >>> optimizer = FusedAdamax(learning_rate=1e-2, epsilon=1e-3)
        >>> optimizer.apply(gradients, model.trainable_variables)
    """

    def update_step(self, gradient, variable, learning_rate):
        lr, beta_1, beta_2, epsilon, t = _step_constants(self, variable, learning_rate)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdaMax(
            var=_handle(variable),
            m=_handle(self._m[index]),
            v=_handle(self._u[index]),
            beta1_power=tf.pow(beta_1, t),
            lr=lr,
            beta1=beta_1,
            beta2=beta_2,
            epsilon=epsilon,
            grad=tf.cast(gradient, variable.dtype),
        )
