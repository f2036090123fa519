"""Decoder merge cell: concatenation, WN 1x1 convolution, optional non-local block."""

import keras
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.layers.non_local_block import NonLocalBlock
from tfavi.layers.weight_defaults import GATE_L2, LAMBDA_REG
from tfavi.layers.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class ConcatConv2D(keras.layers.Layer):
    """Concatenates a list of feature maps on channels and maps them to `filters` channels.

    A weight-normalised 1x1 convolution with bias and no activation, followed by a non-local
    block when `nonlocal_key_dim` is set (`merge_decoder_type='concat_conv2d'`). It merges the
    previous decoder context with the latent sample, and makes the final model-level merge.

    Args:
        filters: output channels.
        nonlocal_key_dim: key width of the trailing non-local block, or None for none.
        l2: L2 strength of the convolutions and the non-local scale.
        gate_l2: L2 strength of the non-local gate.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        filters: int,
        nonlocal_key_dim: int | None = None,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = filters
        self.nonlocal_key_dim = nonlocal_key_dim
        self.l2 = l2
        self.gate_l2 = gate_l2
        self.conv = WeightNormConv2D(filters, l2=l2, name="conv")
        self.non_local = None
        if nonlocal_key_dim:
            self.non_local = NonLocalBlock(
                nonlocal_key_dim, l2=l2, gate_l2=gate_l2, name="non_local"
            )

    def build(self, input_shape):
        concat_shape = tuple(input_shape[0][:-1]) + (sum(shape[-1] for shape in input_shape),)
        self.conv.build(concat_shape)
        if self.non_local is not None:
            self.non_local.build(self.conv.compute_output_shape(concat_shape))

    def call(self, inputs):
        outputs = self.conv(ops.concatenate(inputs, axis=-1))
        if self.non_local is not None:
            outputs = self.non_local(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            nonlocal_key_dim=self.nonlocal_key_dim,
            l2=self.l2,
            gate_l2=self.gate_l2,
        )
        return config
