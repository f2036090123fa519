"""Adam and Adamax whose per-variable update is one fused TensorFlow kernel.

Keras 3 builds each variable's Adam/Adamax update from about 29 element-wise ops; on a model
with 650 variables that is ~19k small ops per step, which dominate the step of a deep VAE on
few CPU cores (issue 13). These subclasses keep Keras' slots, hyperparameters, schedules and
`tf.distribute` handling, and replace `update_step` by `ResourceApplyAdam` /
`ResourceApplyAdaMax`, the kernels legacy `tf.keras` used (as the official attentive VAE code
does). The scalars every kernel takes (learning rate, betas, epsilon, the bias corrections)
are computed once per update and device, not once per variable: on `attentive_vae_16` (2,536
variables) that is ~23k graph nodes fewer. The slots keep Keras' names, so checkpoints move
between these and Keras' classes. TensorFlow backend only.

Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §2 and §7.1.
"""

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export


def _step_constants(optimizer, dtype, learning_rate):
    """The kernels' scalars of one update: learning rate, betas, epsilon and the powers of
    the betas the kernel's bias corrections take (`optimizer.bias_corrected`)."""
    scalars = dict(
        lr=tf.cast(learning_rate, dtype),
        beta1=tf.cast(optimizer.beta_1, dtype),
        beta2=tf.cast(optimizer.beta_2, dtype),
        epsilon=tf.cast(optimizer.epsilon, dtype),
    )
    t = tf.cast(optimizer.iterations + 1, dtype)
    return scalars | {f"{b}_power": tf.pow(scalars[b], t) for b in optimizer.bias_corrected}


def _handle(variable):
    return variable.value.handle if isinstance(variable, keras.Variable) else variable.handle


class _ScalarsOncePerUpdate:
    """Computes `_step_constants` once per dtype and device during one update of all
    variables (Keras' `_distributed_tf_update_step`, one thread), and per variable when
    `update_step` is called alone."""

    _scalars = None

    def _distributed_tf_update_step(self, distribution, grads_and_vars, learning_rate):
        self._scalars = {}
        try:
            super()._distributed_tf_update_step(distribution, grads_and_vars, learning_rate)
        finally:
            self._scalars = None

    def _scalars_for(self, variable, learning_rate) -> dict:
        if self._scalars is None:
            return _step_constants(self, variable.dtype, learning_rate)
        key = (variable.dtype, variable.device)
        if key not in self._scalars:
            self._scalars[key] = _step_constants(self, variable.dtype, learning_rate)
        return self._scalars[key]


@tfavi_export
class FusedAdam(_ScalarsOncePerUpdate, keras.optimizers.Adam):
    """`keras.optimizers.Adam` (without `amsgrad`) updating each variable with one kernel.

    Takes `keras.optimizers.Adam`'s arguments.

    Example:
        >>> optimizer = FusedAdam(learning_rate=1e-3)
        >>> optimizer.apply(gradients, model.trainable_variables)
    """

    bias_corrected = ("beta1", "beta2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("FusedAdam has no amsgrad; use keras.optimizers.Adam.")

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable),
            m=_handle(self._momentums[index]),
            v=_handle(self._velocities[index]),
            grad=tf.cast(gradient, variable.dtype),
            **self._scalars_for(variable, learning_rate),
        )


@tfavi_export
class FusedAdamax(_ScalarsOncePerUpdate, keras.optimizers.Adamax):
    """`keras.optimizers.Adamax` updating each variable with one kernel.

    Takes `keras.optimizers.Adamax`'s arguments.

    Example:
        >>> optimizer = FusedAdamax(learning_rate=1e-2, epsilon=1e-3)
        >>> optimizer.apply(gradients, model.trainable_variables)
    """

    bias_corrected = ("beta1",)

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdaMax(
            var=_handle(variable),
            m=_handle(self._m[index]),
            v=_handle(self._u[index]),
            grad=tf.cast(gradient, variable.dtype),
            **self._scalars_for(variable, learning_rate),
        )
