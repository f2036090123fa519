"""The Keras 3 layers of tfavi.bijectors save and reload inside functional and subclassed models."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tests.harness import run_model_saving_test, run_serialization_test
from tfavi.bijectors import ConditionalMAF, ConditionalRankOneAffine, ConditionalSplineCoupling
from tfavi.layers.conditioner_network import ConditionerNetwork
from tfavi.layers.made import MADE
from tfavi.layers.masked_dense import MaskedDense

tfd = tfp.distributions


def _layers():
    return [
        ConditionalRankOneAffine(3, hidden_units=[4], activation="tanh", min_scale=0.01),
        ConditionalMAF(3, num_flows=3, hidden_units=[4, 4], activation="elu"),
        ConditionalSplineCoupling(3, num_couplings=3, num_bins=5, bound=2.0),
        MADE(num_params=3, hidden_units=[5]),
        ConditionerNetwork(7, hidden_units=[]),
    ]


def _inputs():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")]


def _outputs(model):
    return [keras.ops.convert_to_numpy(output) for output in keras.tree.flatten(model(_inputs()))]


@pytest.mark.parametrize(
    "layer", [*_layers(), MaskedDense([1, 2], [0, 1, 2], strict=True, activation="elu")]
)
def test_layer_config_round_trips(layer):
    run_serialization_test(layer)


def test_functional_model_config_round_trips_and_saves(tmp_path):
    x, context = keras.Input((3,)), keras.Input((2,))
    outputs = [layer(x, context) for layer in _layers()]
    outputs.append(ConditionalRankOneAffine(3)(x))
    model = keras.Model([x, context], outputs)
    # Not `run_serialization_test`: `Functional.from_config` empties the dict it is given.
    clone = keras.Model.from_config(model.get_config())
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(
        model.get_config(), sort_keys=True
    )
    clone.set_weights(model.get_weights())
    for expected, actual in zip(_outputs(model), _outputs(clone), strict=True):
        np.testing.assert_array_equal(actual, expected)
    run_model_saving_test(model, _outputs, str(tmp_path))


@keras.saving.register_keras_serializable(package="tfavi_tests")
class _ConditionalDensity(keras.Model):
    """log p(x | context) of a MAF whose base is pushed through a SeRe-VAE affine bijector."""

    def __init__(self, event_size, **kwargs):
        super().__init__(**kwargs)
        self.event_size = event_size
        self.affine = ConditionalRankOneAffine(event_size, hidden_units=[4])
        self.flow = ConditionalMAF(event_size, hidden_units=[4])

    def call(self, inputs):
        x, context = inputs
        bijector = tfp.bijectors.Chain([self.flow.bijector(context), self.affine.bijector(context)])
        base = tfd.MultivariateNormalDiag(loc=tf.zeros(self.event_size))
        return tfd.TransformedDistribution(base, bijector).log_prob(x)

    def get_config(self):
        config = super().get_config()
        config.update(event_size=self.event_size)
        return config


def test_subclassed_model_using_bijectors_saves_and_loads(tmp_path):
    model = _ConditionalDensity(3)
    model(_inputs())
    run_model_saving_test(model, _outputs, str(tmp_path))
