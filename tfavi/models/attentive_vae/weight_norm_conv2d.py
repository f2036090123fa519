"""Weight-normalised 2-D convolution with the Deep Attentive VAE initialisation."""

import math

import keras
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.forward_conv_gradient import (
    conv2d_with_forward_gradients,
    has_forward_gradients,
)
from tfavi.models.attentive_vae.weight_defaults import (
    LAMBDA_REG,
    deep_vae_initializer,
    l2_regularizer,
)


def conv_output_size(size: int | None, kernel_size: int, strides: int, padding: str) -> int | None:
    """Spatial output size of a convolution with `padding` 'same' or 'valid'."""
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / strides)
    return (size - kernel_size) // strides + 1


@tfavi_export
class WeightNormConv2D(keras.layers.Layer):
    """2-D convolution whose kernel is `v / ||v|| * exp(log_g)`, normalised per output channel.

    The trainable weights are the direction `v`, the log-gain `log_g` and an optional bias.
    `v` and the bias use `DeepVaeInit`, U(±sqrt(0.99 / fan_in)), so biases start non-zero;
    `log_g` starts at `log ||v|| + 0.01`, as on the first call of the official code. One L2
    penalty of strength `l2` applies to `v`, `log_g` and the bias. The official data-dependent
    initialisation is not provided: no configuration enables it.

    `forward_gradients` (an attribute, not part of the config; the recipe's
    `forward_conv_gradients`) computes the input and kernel gradients of stride-1 'same'
    convolutions with odd kernels as forward convolutions (`conv2d_with_forward_gradients`),
    often faster on CPU.

    Args:
        filters: number of output channels.
        kernel_size: square kernel size.
        strides: square stride.
        padding: `"same"` or `"valid"`.
        use_bias: whether to add a bias.
        l2: L2 strength (`lambda_reg`, 1.5e-4 in every official configuration).
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Salimans & Kingma, "Weight Normalization", NeurIPS 2016; Apostolopoulou et al.,
        "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int = 1,
        strides: int = 1,
        padding: str = "same",
        use_bias: bool = True,
        l2: float = LAMBDA_REG,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.use_bias = use_bias
        self.l2 = l2
        self.forward_gradients = False

    def build(self, input_shape):
        kernel_shape = (self.kernel_size, self.kernel_size, input_shape[-1], self.filters)
        self.v = self.add_weight(
            name="v",
            shape=kernel_shape,
            initializer=deep_vae_initializer(),
            regularizer=l2_regularizer(self.l2),
        )
        self.log_g = self.add_weight(
            name="log_g",
            shape=(self.filters,),
            initializer=lambda shape, dtype: ops.log(self._v_norm()) + 0.01,
            regularizer=l2_regularizer(self.l2),
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=deep_vae_initializer(),
                regularizer=l2_regularizer(self.l2),
            )

    def _v_norm(self):
        return ops.sqrt(ops.maximum(ops.sum(ops.square(self.v), axis=(0, 1, 2)), 1e-12))

    @property
    def kernel(self):
        """The effective kernel `v / ||v|| * exp(log_g)`."""
        return self.v * (ops.exp(self.log_g) / self._v_norm())

    def call(self, inputs):
        if self.forward_gradients and has_forward_gradients(
            self.kernel_size, self.strides, self.padding
        ):
            outputs = conv2d_with_forward_gradients(inputs, self.kernel)
        else:
            outputs = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding)
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs

    def compute_output_shape(self, input_shape):
        height, width = (
            conv_output_size(size, self.kernel_size, self.strides, self.padding)
            for size in input_shape[1:3]
        )
        return (input_shape[0], height, width, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            use_bias=self.use_bias,
            l2=self.l2,
        )
        return config
