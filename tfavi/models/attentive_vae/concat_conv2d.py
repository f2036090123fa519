"""Decoder merge cell: concatenation, WN 1x1 convolution, optional non-local block."""

from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.merge_cell import MergeCell
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class ConcatConv2D(MergeCell):
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

    def __init__(self, filters: int, nonlocal_key_dim: int | None = None, **kwargs):
        super().__init__(filters=filters, nonlocal_key_dim=nonlocal_key_dim, **kwargs)
        self.conv = WeightNormConv2D(filters, l2=self.l2, name="conv")

    def build(self, input_shape):
        concat_shape = tuple(input_shape[0][:-1]) + (sum(shape[-1] for shape in input_shape),)
        self.conv.build(concat_shape)
        self.build_non_local(self.conv.compute_output_shape(concat_shape))

    def call(self, inputs):
        outputs = self.conv(ops.concatenate(inputs, axis=-1))
        return self.apply_non_local(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.filters,)
