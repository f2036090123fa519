"""Residual block of the NVAE / Deep Attentive VAE cells, at scale 0, -2 or +2."""

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.factorized_reduce import FactorizedReduce
from tfavi.models.attentive_vae.non_local_block import NonLocalBlock
from tfavi.models.attentive_vae.residual_node import ResidualNode
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, LAMBDA_REG
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D, conv_output_size

RESIDUAL_SCALE = 0.1
"""Factor on the node branch: output = shortcut(x) + 0.1 * nodes(x)."""


def upsample_bilinear_align_corners(inputs):
    """Doubles height and width by bilinear resizing with `align_corners=True` (TF1 semantics)."""
    size = tf.shape(inputs)[1:3] * 2
    return tf.raw_ops.ResizeBilinear(images=inputs, size=size, align_corners=True)


@tfavi_export
class ResidualBlock(keras.layers.Layer):
    """`shortcut(x) + 0.1 * nodes(x)` with `num_nodes` residual nodes, no final activation.

    With input width C, the three scales are:
    - `0`: C channels; nodes C -> C; identity shortcut.
    - `-2`: half resolution, 2C channels; the first node has stride 2 (C -> 2C); the shortcut
      is a `FactorizedReduce`.
    - `+2`: double resolution, C // 2 channels; the input of the first node is upsampled by
      nearest neighbour; the shortcut upsamples bilinearly with aligned corners, then applies
      a bias-free non-local block (when `nonlocal_key_dim` is set) and a bias-free WN 1x1 conv.
    With `nonlocal_key_dim`, every node carries a non-local block; with `use_se`, the last node
    ends with squeeze-and-excite.

    Args:
        scale: 0, -2 or +2.
        num_nodes: number of residual nodes.
        kernel_size: kernel of the node convolutions.
        activation: Keras activation name of the nodes and of the factorized reduce.
        nonlocal_key_dim: key width of the non-local blocks, or None for none.
        use_se: squeeze-and-excite on the last node.
        bn_momentum: batch-norm momentum of the nodes.
        l2: L2 strength of convolutions, batch norms and non-local scales.
        gate_l2: L2 strength of the non-local gates.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Vahdat & Kautz, "NVAE: A Deep Hierarchical Variational Autoencoder", NeurIPS 2020;
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        scale: int = 0,
        num_nodes: int = 2,
        kernel_size: int = 3,
        activation: str = "swish",
        nonlocal_key_dim: int | None = None,
        use_se: bool = False,
        bn_momentum: float = 0.9,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if scale not in (0, -2, 2):
            raise ValueError(f"scale must be 0, -2 or 2, got {scale}")
        self.scale = scale
        self.num_nodes = num_nodes
        self.kernel_size = kernel_size
        self.activation = activation
        self.nonlocal_key_dim = nonlocal_key_dim
        self.use_se = use_se
        self.bn_momentum = bn_momentum
        self.l2 = l2
        self.gate_l2 = gate_l2

    def _output_channels(self, channels):
        return {0: channels, -2: 2 * channels, 2: channels // 2}[self.scale]

    def build(self, input_shape):
        filters = self._output_channels(input_shape[-1])
        self.nodes = [
            ResidualNode(
                filters,
                self.kernel_size,
                strides=2 if self.scale < 0 and index == 0 else 1,
                activation=self.activation,
                nonlocal_key_dim=self.nonlocal_key_dim,
                use_se=self.use_se and index == self.num_nodes - 1,
                bn_momentum=self.bn_momentum,
                l2=self.l2,
                gate_l2=self.gate_l2,
                name=f"node_{index}",
            )
            for index in range(self.num_nodes)
        ]
        shape = input_shape
        if self.scale > 0:
            shape = self._upsampled_shape(input_shape)
        for node in self.nodes:
            node.build(shape)
            shape = node.compute_output_shape(shape)
        self.factorized_reduce = None
        self.shortcut_non_local = None
        self.shortcut_conv = None
        if self.scale < 0:
            self.factorized_reduce = FactorizedReduce(
                filters, self.activation, l2=self.l2, name="factorized_reduce"
            )
            self.factorized_reduce.build(input_shape)
        if self.scale > 0:
            upsampled_shape = self._upsampled_shape(input_shape)
            if self.nonlocal_key_dim:
                self.shortcut_non_local = NonLocalBlock(
                    self.nonlocal_key_dim,
                    use_bias=False,
                    l2=self.l2,
                    gate_l2=self.gate_l2,
                    name="shortcut_non_local",
                )
                self.shortcut_non_local.build(upsampled_shape)
            self.shortcut_conv = WeightNormConv2D(
                filters, use_bias=False, l2=self.l2, name="shortcut_conv"
            )
            self.shortcut_conv.build(upsampled_shape)

    @staticmethod
    def _upsampled_shape(input_shape):
        batch, height, width, channels = input_shape
        return (batch, height and 2 * height, width and 2 * width, channels)

    def _shortcut(self, inputs):
        if self.scale == 0:
            return inputs
        if self.scale < 0:
            return self.factorized_reduce(inputs)
        outputs = upsample_bilinear_align_corners(inputs)
        if self.shortcut_non_local is not None:
            outputs = self.shortcut_non_local(outputs)
        return self.shortcut_conv(outputs)

    def call(self, inputs, training=None):
        outputs = inputs
        if self.scale > 0:
            outputs = ops.repeat(ops.repeat(outputs, 2, axis=1), 2, axis=2)
        for node in self.nodes:
            outputs = node(outputs, training=training)
        return self._shortcut(inputs) + RESIDUAL_SCALE * outputs

    def compute_output_shape(self, input_shape):
        channels = self._output_channels(input_shape[-1])
        if self.scale > 0:
            input_shape = self._upsampled_shape(input_shape)
        batch, height, width = input_shape[:3]
        if self.scale < 0:
            height, width = (conv_output_size(size, 1, 2, "valid") for size in (height, width))
        return (batch, height, width, channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            scale=self.scale,
            num_nodes=self.num_nodes,
            kernel_size=self.kernel_size,
            activation=self.activation,
            nonlocal_key_dim=self.nonlocal_key_dim,
            use_se=self.use_se,
            bn_momentum=self.bn_momentum,
            l2=self.l2,
            gate_l2=self.gate_l2,
        )
        return config
