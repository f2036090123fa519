"""Encoder merge cell: sum of WN 1x1 projections of two feature maps."""

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.merge_cell import MergeCell
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class Conv2DSum(MergeCell):
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

    def __init__(self, filters: int, nonlocal_key_dim: int | None = None, **kwargs):
        super().__init__(filters=filters, nonlocal_key_dim=nonlocal_key_dim, **kwargs)
        self.conv_b = WeightNormConv2D(filters, l2=self.l2, name="conv_b")

    def build(self, input_shape):
        a_shape, b_shape = input_shape
        self.conv_a = None
        if a_shape[-1] != self.filters:
            self.conv_a = WeightNormConv2D(self.filters, l2=self.l2, name="conv_a")
            self.conv_a.build(a_shape)
        self.conv_b.build(b_shape)
        self.build_non_local(self.compute_output_shape(input_shape))

    def call(self, inputs):
        a, b = inputs
        outputs = self.conv_b(b) + (a if self.conv_a is None else self.conv_a(a))
        return self.apply_non_local(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1][:-1]) + (self.filters,)
