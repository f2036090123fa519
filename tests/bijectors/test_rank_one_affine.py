import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tests.bijectors.bijector_checks import (
    assert_bijector_consistent,
    assert_gradients_reach,
    assert_same_in_tf_function,
)
from tfavi.bijectors import RankOneAffine

tfd = tfp.distributions


def _parameters(batch_shape=(3,), event_size=4, seed=0):
    rng = np.random.default_rng(seed)
    shift, log_scale, factor = rng.normal(size=(3, *batch_shape, event_size))
    return shift, np.exp(log_scale), factor


def _dense_matrix(scale_diag, scale_factor):
    diagonal = scale_diag[..., :, None] * np.eye(scale_diag.shape[-1])
    return diagonal + scale_factor[..., :, None] * scale_factor[..., None, :]


def test_forward_inverse_and_log_det_match_the_dense_matrix():
    shift, scale_diag, scale_factor = _parameters()
    matrix = _dense_matrix(scale_diag, scale_factor)
    x = np.random.default_rng(1).normal(size=(3, 4))
    y = shift + np.einsum("bij,bj->bi", matrix, x)
    bijector = RankOneAffine(shift, scale_diag, scale_factor)
    np.testing.assert_allclose(bijector.forward(x).numpy(), y, rtol=1e-12)
    np.testing.assert_allclose(bijector.inverse(y).numpy(), x, atol=1e-12)
    np.testing.assert_allclose(
        bijector.forward_log_det_jacobian(x, event_ndims=1).numpy(),
        np.linalg.slogdet(matrix)[1],
        rtol=1e-12,
    )


def test_inverse_log_det_and_autodiff_jacobian_agree():
    x = np.random.default_rng(2).normal(size=(3, 4))
    assert_bijector_consistent(RankOneAffine(*_parameters()), x)


def test_parameters_broadcast_against_a_sample_dimension():
    shift, scale_diag, scale_factor = _parameters()
    x = np.random.default_rng(3).normal(size=(5, 3, 4))
    bijector = RankOneAffine(shift, scale_diag, scale_factor)
    assert bijector.experimental_batch_shape() == [3]
    y = bijector.forward(x).numpy()
    for sample in range(5):
        expected = RankOneAffine(shift, scale_diag, scale_factor).forward(x[sample]).numpy()
        np.testing.assert_allclose(y[sample], expected, rtol=1e-12)


def test_tf_function_matches_eager():
    x = np.random.default_rng(4).normal(size=(3, 4))
    assert_same_in_tf_function(lambda: RankOneAffine(*_parameters()), x)


def test_transformed_normal_is_gaussian_with_covariance_a_a_transpose():
    shift, scale_diag, scale_factor = _parameters(batch_shape=())
    matrix = _dense_matrix(scale_diag, scale_factor)
    covariance = matrix @ matrix.T
    flow = tfd.TransformedDistribution(
        tfd.MultivariateNormalDiag(loc=tf.zeros(4, tf.float64)),
        RankOneAffine(shift, scale_diag, scale_factor),
    )
    gaussian = tfd.MultivariateNormalTriL(shift, np.linalg.cholesky(covariance))
    points = np.random.default_rng(5).normal(size=(10, 4)) * 3.0
    np.testing.assert_allclose(
        flow.log_prob(points).numpy(), gaussian.log_prob(points).numpy(), rtol=1e-10
    )
    samples = flow.sample(20_000, seed=(3, 4)).numpy()
    standard_error = np.sqrt(np.diag(covariance) / len(samples))
    np.testing.assert_array_less(np.abs(samples.mean(0) - shift), 5 * standard_error)
    np.testing.assert_allclose(np.cov(samples.T), covariance, rtol=0.05, atol=0.05)


def test_validate_args_rejects_a_nonpositive_diagonal():
    shift, scale_diag, scale_factor = _parameters()
    scale_diag[0, 1] = 0.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="scale_diag"):
        RankOneAffine(shift, scale_diag, scale_factor, validate_args=True).forward(shift)


def test_gradients_reach_every_parameter():
    variables = [tf.Variable(parameter) for parameter in _parameters()]
    x = np.random.default_rng(6).normal(size=(3, 4))

    def loss():
        bijector = RankOneAffine(*variables)
        base = tfd.MultivariateNormalDiag(loc=tf.zeros(4, tf.float64))
        return tf.reduce_sum(tfd.TransformedDistribution(base, bijector).log_prob(x))

    assert_gradients_reach(loss, variables)
