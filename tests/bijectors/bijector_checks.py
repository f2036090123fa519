"""Shared mathematical checks of bijectors on vectors, in the style of TFP's bijector tests."""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions


def _fresh(array) -> tf.Tensor:
    """A new float64 tensor, so that the bijector's forward/inverse cache is not used."""
    return tf.constant(np.asarray(array), dtype=tf.float64)


def assert_bijector_consistent(bijector, x: np.ndarray, atol: float = 1e-9):
    """inverse(forward(x)) == x, fldj == -ildj, and fldj == log|det J| of the autodiff Jacobian."""
    y = bijector.forward(_fresh(x)).numpy()
    np.testing.assert_allclose(bijector.inverse(_fresh(y)).numpy(), x, atol=atol)

    forward_ldj = bijector.forward_log_det_jacobian(_fresh(x), event_ndims=1).numpy()
    inverse_ldj = bijector.inverse_log_det_jacobian(_fresh(y), event_ndims=1).numpy()
    np.testing.assert_allclose(forward_ldj, -inverse_ldj, atol=atol)

    x_watched = _fresh(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x_watched)
        y_taped = bijector.forward(x_watched)
    jacobian = tape.batch_jacobian(y_taped, x_watched, experimental_use_pfor=False).numpy()
    sign, log_abs_det = np.linalg.slogdet(jacobian)
    assert np.all(sign != 0), "the Jacobian is singular"
    np.testing.assert_allclose(
        np.broadcast_to(forward_ldj, log_abs_det.shape), log_abs_det, atol=atol
    )


def _moment_features(points: np.ndarray) -> np.ndarray:
    """x1, x2, x1^2, x2^2 and x1 x2 of 2-d points."""
    return np.concatenate([points, points**2, points[:, :1] * points[:, 1:]], axis=1)


def assert_samples_match_log_prob(bijector, half_width: float = 12.0, num_grid: int = 241):
    """Compares samples of a flow-transformed 2-d standard normal with its `log_prob`.

    The density is integrated on a grid: its mass must be 1, and its first and second moments
    must agree with those of 20,000 samples up to five standard errors.
    """
    flow = tfd.TransformedDistribution(
        tfd.MultivariateNormalDiag(loc=tf.zeros(2, tf.float64)), bijector
    )
    axis = np.linspace(-half_width, half_width, num_grid)
    grid = np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    log_density = flow.log_prob(_fresh(grid)).numpy().reshape(-1)
    cell_mass = np.exp(log_density) * (axis[1] - axis[0]) ** 2
    np.testing.assert_allclose(cell_mass.sum(), 1.0, atol=1e-3)

    samples = flow.sample(20_000, seed=(1, 2)).numpy().reshape(-1, 2)
    assert np.all(np.abs(samples) < half_width), "grid too small for this flow"
    grid_moments = cell_mass @ _moment_features(grid)
    sample_features = _moment_features(samples)
    standard_error = sample_features.std(0) / np.sqrt(len(samples))
    np.testing.assert_array_less(np.abs(sample_features.mean(0) - grid_moments), 5 * standard_error)


def assert_gradients_reach(loss_fn, variables):
    """Every variable gets a finite, not identically zero gradient of `loss_fn()`."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients, strict=True):
        assert gradient is not None, f"no gradient reaches {variable.name}"
        assert np.all(np.isfinite(gradient)), f"non-finite gradient for {variable.name}"
        assert np.any(gradient.numpy() != 0), f"zero gradient for {variable.name}"


def assert_same_in_tf_function(make_bijector, x: np.ndarray, atol: float = 1e-10):
    """A bijector built and applied inside `tf.function` gives the eager results."""

    def evaluate(points):
        bijector = make_bijector()
        y = bijector.forward(points)
        return y, bijector.inverse(tf.identity(y)), bijector.forward_log_det_jacobian(points, 1)

    eager = evaluate(_fresh(x))
    graph = tf.function(evaluate)(_fresh(x))
    for eager_value, graph_value in zip(eager, graph, strict=True):
        np.testing.assert_allclose(graph_value.numpy(), eager_value.numpy(), atol=atol)
