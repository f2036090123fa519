"""Structured normals against dense `tfd.MultivariateNormalTriL` from the same precision."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.distributions import (
    SparsePrecisionNormal,
    chain_normal_from_raw,
    extended_grid_normal_from_raw,
    gershgorin_grid_diagonal,
    grid_normal_from_raw,
    kl_to_diagonal_normal,
)

tfd = tfp.distributions
BATCH, R, C = 2, 2, 3
N = R * C
STRUCTURES = ["chain", "extended_grid", "grid"]


def _raw(structure: str, dtype, rng, scale: float = 1.0) -> list[tf.Variable]:
    """Raw encoder outputs (mean first) for a batch of BATCH posteriors on an R x C lattice."""
    shapes = {
        "chain": [[BATCH, N], [BATCH, N], [BATCH, N - 1]],
        "extended_grid": [[BATCH, R, C], [BATCH, R, C], [BATCH, R, C - 1], [BATCH, R - 1, C]],
    }
    shapes["grid"] = shapes["extended_grid"]
    return [tf.Variable((scale * rng.normal(size=s)).astype(dtype)) for s in shapes[structure]]


FACTORIES = {
    "chain": chain_normal_from_raw,
    "extended_grid": extended_grid_normal_from_raw,
    "grid": grid_normal_from_raw,
}


def _dense(q: SparsePrecisionNormal) -> tfd.MultivariateNormalTriL:
    """Reference: dense covariance (L L^T)^{-1}, its Cholesky, `MultivariateNormalTriL`."""
    factor = q.precision_factor.to_dense()
    covariance = tf.linalg.inv(tf.matmul(factor, factor, transpose_b=True))
    return tfd.MultivariateNormalTriL(q.mean(), tf.linalg.cholesky(covariance))


def _diagonal_prior(dtype, rng):
    loc = rng.normal(size=[N]).astype(dtype)
    scale = rng.uniform(0.5, 2.0, [N]).astype(dtype)
    return loc, scale


# Graph mode is covered per operator in tests/linalg; here once per structure, in float32.
@pytest.mark.parametrize(
    "dtype, mode", [(np.float32, "eager"), (np.float64, "eager"), (np.float32, "function")]
)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_matches_dense(structure, dtype, mode):
    rng = np.random.default_rng(0)
    raw = _raw(structure, dtype, rng)
    prior_loc, prior_scale = _diagonal_prior(dtype, rng)
    x = tf.constant(rng.normal(size=[3, BATCH, N]).astype(dtype))

    standard = tfd.MultivariateNormalDiag(tf.zeros([N], dtype))
    independent = tfd.Independent(tfd.Normal(prior_loc, prior_scale), 1)
    diagonal = tfd.MultivariateNormalDiag(prior_loc, prior_scale)

    def quantities(dist, independent_prior):
        return [
            dist.log_prob(x),
            dist.entropy(),
            tfd.kl_divergence(dist, standard),
            tfd.kl_divergence(dist, diagonal),
            tfd.kl_divergence(dist, independent_prior),
            dist.mean(),
            dist.covariance(),
            dist.variance(),
        ]

    def compute():
        return quantities(FACTORIES[structure](*raw), independent)

    # The dense reference meets the same prior as a `MultivariateNormalDiag`.
    references = quantities(_dense(FACTORIES[structure](*raw)), diagonal)
    tol = 2e-4 if dtype == np.float32 else 1e-9
    ours = (tf.function(compute) if mode == "function" else compute)()
    for value, reference in zip(ours, references, strict=True):
        assert value.shape == reference.shape
        np.testing.assert_allclose(value, reference, rtol=tol, atol=tol)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_shapes_and_samples(structure):
    q = FACTORIES[structure](*_raw(structure, np.float32, np.random.default_rng(1)))
    assert q.batch_shape == (BATCH,)
    assert q.event_shape == (N,)
    assert q.sample(4, seed=(0, 1)).shape == (4, BATCH, N)
    assert q.log_prob(tf.zeros([5, 1, N])).shape == (5, BATCH)
    x = tf.constant(np.random.default_rng(8).normal(size=[N]).astype(np.float32))
    np.testing.assert_allclose(q[1].log_prob(x), q.log_prob(x)[1], rtol=1e-6)  # batch slicing


@pytest.mark.parametrize("structure", STRUCTURES)
def test_sample_moments(structure):
    """Empirical mean and covariance of 20k reparameterised samples (fixed seed)."""
    q = FACTORIES[structure](*_raw(structure, np.float64, np.random.default_rng(2), 0.5))
    samples = q.sample(20000, seed=(4, 2)).numpy()
    covariance = q.covariance().numpy()
    std = np.sqrt(np.diagonal(covariance, axis1=-2, axis2=-1))
    # Standard errors: mean ~ std / sqrt(m); covariance entries ~ std_i std_j / sqrt(m) * sqrt(2).
    np.testing.assert_array_less(np.abs(samples.mean(0) - q.mean().numpy()), 5 * std / 141)
    centred = samples - q.mean().numpy()
    empirical = np.einsum("sbi,sbj->bij", centred, centred) / len(samples)
    scale = std[..., :, None] * std[..., None, :]
    np.testing.assert_array_less(np.abs(empirical - covariance), 5 * scale * 1.5 / 141)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_gradients_match_dense(structure):
    """d(KL)/d(raw) and d(log_prob)/d(raw) agree with the dense reference."""
    rng = np.random.default_rng(3)
    raw = _raw(structure, np.float64, rng)
    x = tf.constant(rng.normal(size=[BATCH, N]))
    prior = tfd.MultivariateNormalDiag(*_diagonal_prior(np.float64, rng))

    def gradients(dense: bool):
        with tf.GradientTape() as tape:
            q = FACTORIES[structure](*raw)
            q = _dense(q) if dense else q
            value = tf.reduce_sum(tfd.kl_divergence(q, prior)) + tf.reduce_sum(q.log_prob(x))
        return tape.gradient(value, raw)

    for ours, reference in zip(gradients(False), gradients(True), strict=True):
        assert ours is not None
        np.testing.assert_allclose(ours, reference, rtol=1e-7, atol=1e-9)


def test_sample_gradient_is_reparameterised():
    raw = _raw("chain", np.float64, np.random.default_rng(4))
    with tf.GradientTape() as tape:
        z = chain_normal_from_raw(*raw).sample(seed=(1, 1))
        value = tf.reduce_sum(z**2)
    assert all(g is not None and np.any(g.numpy() != 0) for g in tape.gradient(value, raw))


@pytest.mark.parametrize("structure", STRUCTURES)
def test_hutchinson_kl(structure):
    rng = np.random.default_rng(5)
    q = FACTORIES[structure](*_raw(structure, np.float64, rng, 0.3))
    loc, scale = _diagonal_prior(np.float64, rng)
    exact = kl_to_diagonal_normal(q, loc, scale)
    estimate = kl_to_diagonal_normal(q, loc, scale, num_trace_probes=4000, seed=(7, 7))
    np.testing.assert_allclose(estimate, exact, rtol=0.03)
    q_probes = FACTORIES[structure](*_raw(structure, np.float64, rng, 0.3), num_trace_probes=2)
    assert tfd.kl_divergence(q_probes, tfd.MultivariateNormalDiag(loc, scale)).shape == (BATCH,)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
@pytest.mark.parametrize("structure", STRUCTURES)
def test_positive_definite_for_any_raw_output(structure, scale):
    """Random raw parameters, including huge ones: the precision is SPD, densities finite."""
    rng = np.random.default_rng(6)
    for _ in range(2):
        raw = _raw(structure, np.float32, rng, scale)
        q = FACTORIES[structure](*raw)
        factor_diag = q.precision_factor.diag_part().numpy()
        assert np.all(np.isfinite(factor_diag)) and np.all(factor_diag > 0)
        x = q.sample(seed=(0, 3))
        assert np.all(np.isfinite(q.log_prob(x))) and np.all(np.isfinite(q.entropy()))
        if structure == "grid":  # P itself is built by the Gershgorin rule: check its spectrum
            _, raw_diag, horizontal, vertical = (v.numpy().astype(np.float64) for v in raw)
            diag = gershgorin_grid_diagonal(raw_diag, horizontal, vertical).numpy()
            radius = np.zeros_like(diag)
            radius[..., :, 1:] += np.abs(horizontal)
            radius[..., :, :-1] += np.abs(horizontal)
            radius[..., 1:, :] += np.abs(vertical)
            radius[..., :-1, :] += np.abs(vertical)
            assert np.all(diag - radius > 0)  # strict dominance => all eigenvalues positive


def test_grid_precision_is_the_gershgorin_matrix():
    """The regular-grid factor reproduces P with the encoder's couplings and dominant diagonal."""
    _, raw_diag, horizontal, vertical = _raw("grid", np.float64, np.random.default_rng(7))
    q = grid_normal_from_raw(tf.zeros([BATCH, R, C], tf.float64), raw_diag, horizontal, vertical)
    factor = q.precision_factor.to_dense().numpy()
    precision = factor @ np.swapaxes(factor, -1, -2)
    diag = gershgorin_grid_diagonal(raw_diag, horizontal, vertical).numpy().reshape(BATCH, N)
    np.testing.assert_allclose(np.diagonal(precision, axis1=-2, axis2=-1), diag, rtol=1e-12)
    np.testing.assert_allclose(precision[:, 0, 1], horizontal.numpy()[:, 0, 0], atol=1e-12)
    np.testing.assert_allclose(precision[:, 0, C], vertical.numpy()[:, 0, 0], atol=1e-12)
    assert np.all(np.linalg.eigvalsh(precision) > 0)
