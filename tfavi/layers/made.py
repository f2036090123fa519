"""MADE: a masked autoencoder whose outputs are autoregressive in its inputs."""

import numpy as np
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.layers.context_mlp import ContextMLP
from tfavi.layers.masked_dense import MaskedDense


@tfavi_export
class MADE(ContextMLP):
    """Masked MLP with outputs `[..., D, num_params]` where output i depends on `x[:i]` only.

    Inputs keep their natural order (input i has degree i + 1); stack MADEs with permutations
    between them to vary the order. An optional context (conditioning input) enters the first
    layer unmasked, as if it had degree 0. Hidden units get degrees cycling over 1..D-1, or
    over 0..D-1 with a context, so that the context reaches every output.

    Args:
        num_params: number of parameters produced per input dimension.
        hidden_units: widths of the hidden layers.
        activation: Keras activation of the hidden layers.
        output_kernel_initializer: name of the output kernel's initializer; "zeros" makes
            every output 0 at initialisation (a MAF step that starts as the identity).
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:
        >>> made = MADE(num_params=2, hidden_units=[32])
        >>> params = made(keras.ops.ones((8, 5)), context=keras.ops.ones((8, 3)))  # (8, 5, 2)

    Reference:
        Germain et al., "MADE: Masked Autoencoder for Distribution Estimation", ICML 2015;
        Papamakarios et al., "Masked Autoregressive Flow for Density Estimation", NeurIPS 2017.
    """

    def __init__(
        self,
        num_params: int = 2,
        hidden_units: list[int] = (64,),
        activation: str = "relu",
        output_kernel_initializer: str = "glorot_uniform",
        **kwargs,
    ):
        super().__init__(hidden_units=hidden_units, activation=activation, **kwargs)
        self.num_params = num_params
        self.output_kernel_initializer = output_kernel_initializer

    def _make_layers(self, fan_in, conditional):
        input_degrees = np.arange(1, fan_in + 1)
        # Degree-0 hidden units see only the context, so that it reaches the first output too.
        min_hidden_degree = 0 if conditional or fan_in == 1 else 1
        degrees = [input_degrees]
        for units in self.hidden_units:
            degrees.append(min_hidden_degree + np.arange(units) % (fan_in - min_hidden_degree))
        # Parameter-major output order: unit p * D + i holds parameter p of dimension i.
        degrees.append(np.tile(input_degrees, self.num_params))
        layers = []
        for index, (inputs, outputs) in enumerate(zip(degrees[:-1], degrees[1:], strict=True)):
            is_output = index == len(degrees) - 2
            initializer = self.output_kernel_initializer if is_output else "glorot_uniform"
            layer = MaskedDense(
                inputs,
                outputs,
                strict=is_output,
                kernel_initializer=initializer,
                dtype=self.dtype_policy,
                name=f"masked_dense_{index}",
            )
            layer.build((None, len(inputs)))
            layers.append(layer)
        return layers

    def call(self, inputs, context=None):
        outputs = super().call(inputs, context)
        return ops.stack(ops.split(outputs, self.num_params, axis=-1), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_params=self.num_params,
            output_kernel_initializer=self.output_kernel_initializer,
        )
        return config
