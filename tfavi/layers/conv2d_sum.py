"""Encoder merge cell: sum of WN 1x1 projections of two feature maps."""

import keras

from tfavi.api_export import tfavi_export
from tfavi.layers.non_local_block import NonLocalBlock
from tfavi.layers.weight_defaults import GATE_L2, LAMBDA_REG
from tfavi.layers.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class Conv2DSum(keras.layers.Layer):
    """Merges `[a, b]` into `conv_b(b) + conv_a(a)`, then an optional non-local block.

    Both convolutions are weight-normalised 1x1 with bias and map to `filters` channels;
    `conv_a` is left out, and `a` added as is, when `a` already has `filters` channels
    (`merge_encoder_type='conv2d_sum'`; `a` is the encoder feature, `b` the prior condition).

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
        self.conv_b = WeightNormConv2D(filters, l2=l2, name="conv_b")
        self.non_local = None
        if nonlocal_key_dim:
            self.non_local = NonLocalBlock(
                nonlocal_key_dim, l2=l2, gate_l2=gate_l2, name="non_local"
            )

    def build(self, input_shape):
        a_shape, b_shape = input_shape
        self.conv_a = None
        if a_shape[-1] != self.filters:
            self.conv_a = WeightNormConv2D(self.filters, l2=self.l2, name="conv_a")
            self.conv_a.build(a_shape)
        self.conv_b.build(b_shape)
        if self.non_local is not None:
            self.non_local.build(self.compute_output_shape(input_shape))

    def call(self, inputs):
        a, b = inputs
        outputs = self.conv_b(b) + (a if self.conv_a is None else self.conv_a(a))
        if self.non_local is not None:
            outputs = self.non_local(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1][:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            nonlocal_key_dim=self.nonlocal_key_dim,
            l2=self.l2,
            gate_l2=self.gate_l2,
        )
        return config
