"""Shared part of the attentive VAE's merge cells: output width and trailing non-local block."""

import keras

from tfavi.models.attentive_vae.non_local_block import NonLocalBlock
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, LAMBDA_REG


class MergeCell(keras.layers.Layer):
    """Base of `ConcatConv2D` and `Conv2DSum`: subclasses merge their inputs into `filters`
    channels and pass the result through `apply_non_local`.

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
        self.non_local = None
        if nonlocal_key_dim:
            self.non_local = NonLocalBlock(
                nonlocal_key_dim, l2=l2, gate_l2=gate_l2, name="non_local"
            )

    def build_non_local(self, merged_shape):
        if self.non_local is not None:
            self.non_local.build(merged_shape)

    def apply_non_local(self, merged):
        return merged if self.non_local is None else self.non_local(merged)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            nonlocal_key_dim=self.nonlocal_key_dim,
            l2=self.l2,
            gate_l2=self.gate_l2,
        )
        return config
