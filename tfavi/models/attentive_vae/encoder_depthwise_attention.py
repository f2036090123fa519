"""Depth-wise attention of the encoder: the posterior of layer l attends to e_l..e_L."""

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.depthwise_attention import DepthwiseAttention
from tfavi.models.attentive_vae.gated_residual import GatedResidual
from tfavi.models.attentive_vae.layer_norm_gelu_residual import LayerNormGeluResidual
from tfavi.models.attentive_vae.weight_defaults import GATE_L2


@tfavi_export
class EncoderDepthwiseAttention(keras.layers.Layer):
    """Builds the posterior input of a latent layer from its encoder feature.

    Called with the layer's feature h `[B, H, W, E]` and key `[B, H, W, k]` (for l >= 1 the
    encoder merge of e_l with the prior condition), the encoder query (the first k channels
    of the decoder context) and the memory `[B, n, H, W, E + k]` of the deeper features
    e_{l+1}..e_L. The attention A runs over [h, e_{l+1}, ..., e_L]; with `use_layer_norm`,
    A <- A + GELU(LN(A)) and h <- h + GELU(LN'(h)). Returns `(h + gamma A) || key` with a
    zero-initialised gate gamma, and the attention weights `[B, n + 1, H, W]` (spec 3.3).

    Args:
        use_layer_norm: the layer norms above.
        gate_l2: L2 strength of the layer norms and of the gate.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(self, use_layer_norm: bool = False, gate_l2: float = GATE_L2, **kwargs):
        super().__init__(**kwargs)
        self.use_layer_norm = use_layer_norm
        self.gate_l2 = gate_l2
        self.attention = DepthwiseAttention(name="attention")
        self.gate = GatedResidual(l2=gate_l2, name="gate")
        if use_layer_norm:
            self.output_norm = LayerNormGeluResidual(l2=gate_l2, name="output_norm")
            self.feature_norm = LayerNormGeluResidual(l2=gate_l2, name="feature_norm")

    def build(self, feature_shape, key_shape=None, query_shape=None, memory_shape=None):
        if self.use_layer_norm:
            self.output_norm.build(feature_shape)
            self.feature_norm.build(feature_shape)
        self.gate.build(feature_shape, feature_shape)

    def call(self, feature, key, query, memory):
        # Splits and expand_dims: their gradients are cheaper than a strided slice's.
        memory_values, memory_keys = tf.split(memory, [feature.shape[-1], -1], axis=-1)
        values = ops.concatenate([ops.expand_dims(feature, 1), memory_values], axis=1)
        keys = ops.concatenate([ops.expand_dims(key, 1), memory_keys], axis=1)
        attended, scores = self.attention(query, keys, values, return_attention_scores=True)
        if self.use_layer_norm:
            attended = self.output_norm(attended)
            feature = self.feature_norm(feature)
        return ops.concatenate([self.gate(feature, attended), key], axis=-1), scores

    def compute_output_shape(self, feature_shape, key_shape, query_shape, memory_shape):
        depth = None if memory_shape[1] is None else memory_shape[1] + 1
        outputs = tuple(feature_shape[:-1]) + (feature_shape[-1] + key_shape[-1],)
        return outputs, (feature_shape[0], depth, *feature_shape[1:3])

    def get_config(self):
        config = super().get_config()
        config.update(use_layer_norm=self.use_layer_norm, gate_l2=self.gate_l2)
        return config
