import keras
import numpy as np
import pytest

from tests.layer_checks import assert_config_round_trip, assert_keras_reload
from tfavi.models.attentive_vae.gaussian_parameter_bound import GaussianParameterBound
from tfavi.models.attentive_vae.gaussian_parameter_net import GaussianParameterNet


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_noise_only_on_log_scale_half_and_only_in_training():
    keras.utils.set_random_seed(0)
    net = GaussianParameterNet(latent_channels=3, noise_stddev=0.1)
    x = _normal(64, 4, 4, 5)
    clean = net(x, training=False).numpy()
    np.testing.assert_array_equal(net(x).numpy(), clean)
    noisy = net(x, training=True).numpy()
    np.testing.assert_array_equal(noisy[..., :3], clean[..., :3])
    assert abs((noisy - clean)[..., 3:].std() - 0.1) < 0.005


def test_coupling_maps_follow_the_gaussian_and_take_no_noise():
    keras.utils.set_random_seed(0)
    net = GaussianParameterNet(latent_channels=3, noise_stddev=0.1, num_coupling_maps=2)
    x = _normal(64, 4, 4, 5)
    clean, noisy = net(x, training=False).numpy(), net(x, training=True).numpy()
    assert clean.shape == (64, 4, 4, 12) == net.compute_output_shape(x.shape)
    np.testing.assert_array_equal(noisy[..., :3], clean[..., :3])
    np.testing.assert_array_equal(noisy[..., 6:], clean[..., 6:])
    assert abs((noisy - clean)[..., 3:6].std() - 0.1) < 0.005


def test_initial_posterior_keeps_the_width_then_maps_to_twice_the_latent():
    net = GaussianParameterNet(latent_channels=2, kernel_size=3, num_convs=2)
    assert net(_normal(1, 4, 4, 6)).shape == (1, 4, 4, 4)
    assert [(c.filters, c.kernel_size) for c in net.convs] == [(6, 1), (4, 3)]


def test_mean_bound_and_symmetric_log_scale_bound():
    raw = np.array([[-30.0, 0.0, 30.0, -30.0, 0.0, 30.0]], "float32")
    loc, scale = GaussianParameterBound(-5.0, 5.0)(raw)
    np.testing.assert_allclose(loc.numpy(), 5 * np.tanh(raw[:, :3] / 10), rtol=1e-6)
    np.testing.assert_allclose(
        scale.numpy(), np.exp(5 * np.tanh(raw[:, 3:] / 10)) + 0.01, rtol=1e-5
    )


def test_asymmetric_log_scale_bound_is_a_clamped_smoothstep():
    bound = GaussianParameterBound(-1.0, 5.0)
    rho = keras.ops.convert_to_tensor([-3.0, -1.0, 0.0, 2.0, 5.0, 9.0])
    log_scale = bound.bound_log_scale(rho).numpy()
    np.testing.assert_allclose(log_scale[[0, 1, 4, 5]], [-1, -1, 5, 5], atol=1e-6)
    np.testing.assert_allclose(log_scale[2], -1 + 6 * (3 / 36 - 2 / 216), rtol=1e-5)
    assert log_scale[2] == pytest.approx(-0.556, abs=1e-3)
    np.testing.assert_allclose(log_scale[3], 2.0, atol=1e-6)


def test_serialization(tmp_path):
    net = GaussianParameterNet(2, kernel_size=3, num_convs=2, activation=None, noise_stddev=0.01)
    assert_config_round_trip(net)
    assert_keras_reload(net, _normal(1, 2, 2, 3), tmp_path)
    bound = GaussianParameterBound(-1.0, 5.0)
    assert_config_round_trip(bound)
    assert_keras_reload(bound, _normal(1, 2, 2, 4), tmp_path)
