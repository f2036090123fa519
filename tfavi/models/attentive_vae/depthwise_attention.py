"""Depth-wise attention: per-pixel softmax over the depth (layer) axis."""

import keras
from keras import ops

from tfavi.api_export import tfavi_export


@tfavi_export
class DepthwiseAttention(keras.layers.Layer):
    """Attends, at every pixel, over n feature maps stacked along a depth axis.

    With a query `[B, H, W, d]`, keys `[B, n, H, W, d]` and values `[B, n, H, W, C]`, the
    output at each pixel is `sum_i a_i values_i` with `a = softmax_i(query . keys_i)`.
    There are no projections, no 1/sqrt(d) factor and one head. The official alignment scale
    is untracked by Keras 2.3 and so stays at 1: it is the constant 1 here, which makes the
    layer weightless and matches the official parameter counts.

    Args:
        **kwargs: passed to `keras.layers.Layer`.

    Example:
        >>> attention = DepthwiseAttention()
        >>> out = attention(query, keys, values)  # [B, H, W, C]

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def call(self, query, keys, values, return_attention_scores=False):
        logits = ops.sum(ops.expand_dims(query, 1) * keys, axis=-1)
        if keys.shape[1] == 1:  # One entry has weight 1 (and Keras warns on a size-1 softmax).
            scores = ops.ones_like(logits)
        else:
            scores = ops.softmax(logits, axis=1)
        outputs = ops.sum(ops.expand_dims(scores, -1) * values, axis=1)
        if return_attention_scores:
            return outputs, scores
        return outputs

    def compute_output_shape(self, query_shape, keys_shape, values_shape):
        return tuple(query_shape[:-1]) + (values_shape[-1],)
