"""An MLP mapping inputs and an optional context to the parameters of a flow step."""

import keras

from tfavi.api_export import tfavi_export
from tfavi.layers.context_mlp import ContextMLP


@tfavi_export
class ConditionerNetwork(ContextMLP):
    """MLP `(inputs, context) -> [..., output_units]`, e.g. the network of a coupling layer.

    Args:
        output_units: width of the linear output layer.
        hidden_units: widths of the hidden layers.
        activation: Keras activation of the hidden layers.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:
        >>> network = ConditionerNetwork(output_units=6, hidden_units=[32])
        >>> params = network(keras.ops.ones((8, 2)), context=keras.ops.ones((8, 3)))  # (8, 6)

    Reference:
        Durkan et al., "Neural Spline Flows", NeurIPS 2019 (coupling networks with a context).
    """

    def __init__(
        self,
        output_units: int,
        hidden_units: list[int] = (64,),
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(hidden_units=hidden_units, activation=activation, **kwargs)
        self.output_units = output_units

    def _make_layers(self, fan_in, conditional):
        layers = []
        for index, units in enumerate([*self.hidden_units, self.output_units]):
            layer = keras.layers.Dense(units, dtype=self.dtype_policy, name=f"dense_{index}")
            layer.build((None, fan_in))
            layers.append(layer)
            fan_in = units
        return layers

    def get_config(self):
        config = super().get_config()
        config.update(output_units=self.output_units)
        return config
