"""Non-local (spatial self-attention) block with a zero-initialised gate."""

import keras
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.gated_residual import GatedResidual
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, LAMBDA_REG, l2_regularizer
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class NonLocalBlock(keras.layers.Layer):
    """Non-local block: `x + gamma * softmax(s * q k^T) v` over all pixel pairs.

    Queries and keys are weight-normalised 1x1 convolutions to `key_dim` channels, values a
    1x1 convolution to the input width C. The logit scale `s` starts at 1 and the gate
    `gamma` at 0, so the block is the identity at initialisation. It has
    `2(C d + 2d) + C^2 + 2C + 2` parameters, or `2 C d + 2d + C^2 + C + 2` without biases.
    The unused layer-norm and subsampling variants of the official code are not provided.

    Args:
        key_dim: query and key width d.
        use_bias: whether the three 1x1 convolutions have biases (False in the upsampling
            shortcut of a residual block).
        l2: L2 strength of the convolutions and of `s`.
        gate_l2: L2 strength of `gamma`.
        query_chunk_size: if set, attends this many query pixels at a time and recomputes
            each chunk's softmax in the backward pass (`keras.remat`), so training holds
            `[B, chunk, N]` attention logits instead of `[B, N, N]`; the result is the same.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Wang et al., "Non-local Neural Networks", CVPR 2018.
    """

    def __init__(
        self,
        key_dim: int = 32,
        use_bias: bool = True,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        query_chunk_size: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.query_chunk_size = query_chunk_size
        self.key_dim = key_dim
        self.use_bias = use_bias
        self.l2 = l2
        self.gate_l2 = gate_l2

    def build(self, input_shape):
        conv_args = dict(kernel_size=1, use_bias=self.use_bias, l2=self.l2)
        self.query_conv = WeightNormConv2D(self.key_dim, name="query", **conv_args)
        self.key_conv = WeightNormConv2D(self.key_dim, name="key", **conv_args)
        self.value_conv = WeightNormConv2D(input_shape[-1], name="value", **conv_args)
        for conv in (self.query_conv, self.key_conv, self.value_conv):
            conv.build(input_shape)
        self.scale = self.add_weight(
            name="scale", shape=(), initializer="ones", regularizer=l2_regularizer(self.l2)
        )
        self.gate = GatedResidual(l2=self.gate_l2, name="gate")
        self.gate.build(input_shape, input_shape)

    def _queries_and_keys(self, inputs):
        """Queries `[B, N, d]` times the logit scale and transposed keys `[B, d, N]`.

        Scaling the queries rather than the `[B, N, N]` logits gives the same logits for a
        fraction of the work, forward and backward."""
        batch = ops.shape(inputs)[0]
        queries = ops.reshape(self.query_conv(inputs), (batch, -1, self.key_dim))
        keys = ops.reshape(self.key_conv(inputs), (batch, -1, self.key_dim))
        return ops.convert_to_tensor(self.scale) * queries, ops.transpose(keys, (0, 2, 1))

    def attention_weights(self, inputs):
        """Softmax weights `[B, N, N]` of every pixel (rows) over all pixels (columns)."""
        return ops.softmax(ops.matmul(*self._queries_and_keys(inputs)), axis=-1)

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        values = ops.reshape(self.value_conv(inputs), (batch, -1, ops.shape(inputs)[-1]))
        # The scale multiplies the queries outside `keras.remat`: passed in as a tensor, its
        # gradient came out doubled (TF 2.21).
        queries, keys = self._queries_and_keys(inputs)
        if self.query_chunk_size is None:
            attended = _attend(queries, keys, values)
        else:
            attend, size = keras.remat(_attend), self.query_chunk_size
            chunks = range(0, queries.shape[1], size)
            attended = ops.concatenate(
                [attend(queries[:, i : i + size], keys, values) for i in chunks], axis=1
            )
        return self.gate(inputs, ops.reshape(attended, ops.shape(inputs)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            key_dim=self.key_dim,
            use_bias=self.use_bias,
            l2=self.l2,
            gate_l2=self.gate_l2,
            query_chunk_size=self.query_chunk_size,
        )
        return config


def _attend(queries, keys, values):
    """softmax(queries keys) values for queries `[B, n, d]`, keys `[B, d, N]` and values
    `[B, N, C]`."""
    return ops.matmul(ops.softmax(ops.matmul(queries, keys), axis=-1), values)
