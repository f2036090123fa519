"""Depth-wise attention of the decoder: the prior of layer l attends to contexts c_0..c_{l-1}."""

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.depthwise_attention import DepthwiseAttention
from tfavi.models.attentive_vae.gated_residual import GatedResidual
from tfavi.models.attentive_vae.layer_norm_gelu_residual import LayerNormGeluResidual
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, l2_regularizer


@tfavi_export
class DecoderDepthwiseAttention(keras.layers.Layer):
    """Builds the prior condition of latent layer l >= 1 from its decoder context.

    Called with the context c_l `[B, H, W, V]`, the query s_l `[B, H, W, k]` and the memory
    `[B, l, H, W, V + k]` of the earlier contexts (values, then keys). With `use_layer_norm`,
    c_l <- c_l + GELU(LN(c_l)), the values of the newest memory entry get a plain LN (older
    ones were normalised by the model) and the attention output A <- A + GELU(LN(A)). Returns
    the (normalised) context, the prior condition c_l + gamma A with a zero-initialised gate
    gamma, and the attention weights `[B, l, H, W]` (spec section 3.2).

    Args:
        use_layer_norm: the layer norms above.
        gate_l2: L2 strength of the layer norms and of the gate.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(self, use_layer_norm: bool = True, gate_l2: float = GATE_L2, **kwargs):
        super().__init__(**kwargs)
        self.use_layer_norm = use_layer_norm
        self.gate_l2 = gate_l2
        self.attention = DepthwiseAttention(name="attention")
        self.gate = GatedResidual(l2=gate_l2, name="gate")
        if use_layer_norm:
            self.context_norm = LayerNormGeluResidual(l2=gate_l2, name="context_norm")
            self.value_norm = keras.layers.LayerNormalization(
                epsilon=1e-5,
                gamma_regularizer=l2_regularizer(gate_l2),
                beta_regularizer=l2_regularizer(gate_l2),
                name="value_norm",
            )
            self.output_norm = LayerNormGeluResidual(l2=gate_l2, name="output_norm")

    def build(self, context_shape, query_shape=None, memory_shape=None):
        if self.use_layer_norm:
            for norm in (self.context_norm, self.value_norm, self.output_norm):
                norm.build(context_shape)
        self.gate.build(context_shape, context_shape)

    def call(self, context, query, memory):
        # Splits: their gradients are cheaper than a strided slice's.
        values, keys = tf.split(memory, [context.shape[-1], -1], axis=-1)
        if self.use_layer_norm:
            context = self.context_norm(context)
            older, newest = tf.split(values, [-1, 1], axis=1)
            values = ops.concatenate([older, self.value_norm(newest)], axis=1)
        attended, scores = self.attention(query, keys, values, return_attention_scores=True)
        if self.use_layer_norm:
            attended = self.output_norm(attended)
        return context, self.gate(context, attended), scores

    def compute_output_shape(self, context_shape, query_shape, memory_shape):
        return context_shape, context_shape, tuple(memory_shape[:-1])

    def get_config(self):
        config = super().get_config()
        config.update(use_layer_norm=self.use_layer_norm, gate_l2=self.gate_l2)
        return config
