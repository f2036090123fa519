import keras
import numpy as np
import pytest

from tests.layer_checks import (
    assert_config_round_trip,
    assert_keras_reload,
    built_num_trainable,
)
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


def _built(filters=5, kernel_size=3, in_channels=4, **kwargs):
    layer = WeightNormConv2D(filters, kernel_size, **kwargs)
    layer.build((None, 6, 6, in_channels))
    return layer


def test_kernel_norm_per_output_channel_is_exp_log_g():
    layer = _built()
    layer.log_g.assign(np.linspace(-1.0, 1.0, 5))
    kernel = keras.ops.convert_to_numpy(layer.kernel).reshape(-1, 5)
    np.testing.assert_allclose(np.linalg.norm(kernel, axis=0), np.exp(np.linspace(-1, 1, 5)), 1e-5)


def test_log_g_starts_at_log_norm_plus_one_hundredth():
    layer = _built()
    v = layer.v.numpy().reshape(-1, 5)
    np.testing.assert_allclose(layer.log_g.numpy(), np.log(np.linalg.norm(v, axis=0)) + 0.01, 1e-5)


def test_official_initialisation_bounds_kernel_and_bias():
    keras.utils.set_random_seed(0)
    layer = _built(filters=64, kernel_size=3, in_channels=8)
    v, bias = layer.v.numpy(), layer.bias.numpy()
    assert np.abs(v).max() <= np.sqrt(0.99 / (9 * 8))
    assert np.abs(v).max() > 0.9 * np.sqrt(0.99 / (9 * 8))
    assert np.abs(bias).max() <= np.sqrt(0.99 / 64)
    assert np.abs(bias).min() > 0.0


def test_output_is_invariant_to_the_scale_of_v():
    layer = _built(strides=2)
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 4)).astype("float32")
    before = keras.ops.convert_to_numpy(layer(x))
    layer.v.assign(3.0 * layer.v)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), before, rtol=1e-5, atol=1e-6)
    assert before.shape == (2, 3, 3, 5) == layer.compute_output_shape(x.shape)


@pytest.mark.parametrize("l2", [1.5e-4, 0.01])
def test_l2_applies_to_v_log_g_and_bias(l2):
    layer = _built(l2=l2)
    expected = sum(l2 * np.sum(w.numpy() ** 2) for w in (layer.v, layer.log_g, layer.bias))
    np.testing.assert_allclose(float(sum(layer.losses)), expected, rtol=1e-5)


@pytest.mark.parametrize("use_bias, expected", [(True, 9 * 4 * 5 + 10), (False, 9 * 4 * 5 + 5)])
def test_parameter_count(use_bias, expected):
    layer = WeightNormConv2D(5, 3, use_bias=use_bias)
    assert built_num_trainable(layer, (None, 6, 6, 4)) == expected


def test_valid_padding_output_shape():
    layer = WeightNormConv2D(3, 1, strides=2, padding="valid")
    assert layer.compute_output_shape((1, 7, 8, 2)) == (1, 4, 4, 3)


def test_serialization(tmp_path):
    layer = WeightNormConv2D(3, 3, strides=2, use_bias=False, l2=0.01)
    assert_config_round_trip(layer)
    assert_keras_reload(layer, np.ones((1, 4, 4, 2), "float32"), tmp_path)
