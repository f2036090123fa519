"""One node of a residual block: batch norm, optional non-local block, activation, conv."""

import keras

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.non_local_block import NonLocalBlock
from tfavi.models.attentive_vae.squeeze_excite import SqueezeExcite
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, LAMBDA_REG, l2_regularizer
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class ResidualNode(keras.layers.Layer):
    """BatchNorm -> [non-local block] -> activation -> WN conv k x k -> [squeeze-excite].

    The non-local block acts on the node's input width, after the batch norm and before the
    activation, as in the official `Conv2D` node with `use_nonlocal`.

    Args:
        filters: output channels of the convolution.
        kernel_size: square kernel of the convolution (padding 'same', with bias).
        strides: stride of the convolution (2 in the first node of a downscaling block).
        activation: Keras activation name (swish in every official cell).
        nonlocal_key_dim: key width of the non-local block, or None for no block.
        use_se: whether to end with squeeze-and-excite.
        bn_momentum: batch-norm momentum (epsilon is 1e-5).
        l2: L2 strength of the convolution, the batch-norm gamma/beta, the non-local
            convolutions and scale, and the squeeze-excite projections.
        gate_l2: L2 strength of the non-local gate.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Vahdat & Kautz, "NVAE: A Deep Hierarchical Variational Autoencoder", NeurIPS 2020;
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int = 3,
        strides: int = 1,
        activation: str = "swish",
        nonlocal_key_dim: int | None = None,
        use_se: bool = False,
        bn_momentum: float = 0.9,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.activation = activation
        self.nonlocal_key_dim = nonlocal_key_dim
        self.use_se = use_se
        self.bn_momentum = bn_momentum
        self.l2 = l2
        self.gate_l2 = gate_l2
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=bn_momentum,
            epsilon=1e-5,
            gamma_regularizer=l2_regularizer(l2),
            beta_regularizer=l2_regularizer(l2),
            name="batch_norm",
        )
        self.non_local = None
        if nonlocal_key_dim:
            self.non_local = NonLocalBlock(
                nonlocal_key_dim, l2=l2, gate_l2=gate_l2, name="non_local"
            )
        self.conv = WeightNormConv2D(filters, kernel_size, strides=strides, l2=l2, name="conv")
        self.squeeze_excite = SqueezeExcite(l2=l2, name="squeeze_excite") if use_se else None

    def build(self, input_shape):
        self.batch_norm.build(input_shape)
        if self.non_local is not None:
            self.non_local.build(input_shape)
        self.conv.build(input_shape)
        if self.squeeze_excite is not None:
            self.squeeze_excite.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        outputs = self.batch_norm(inputs, training=training)
        if self.non_local is not None:
            outputs = self.non_local(outputs)
        outputs = self.conv(keras.activations.get(self.activation)(outputs))
        if self.squeeze_excite is not None:
            outputs = self.squeeze_excite(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            activation=self.activation,
            nonlocal_key_dim=self.nonlocal_key_dim,
            use_se=self.use_se,
            bn_momentum=self.bn_momentum,
            l2=self.l2,
            gate_l2=self.gate_l2,
        )
        return config
