"""Structured operators against their dense matrices (docs/ggm_vae.md §2-§3)."""

import numpy as np
import pytest
import tensorflow as tf

from tfavi.linalg import (
    LinearOperatorBandedLowerTriangular,
    LinearOperatorBlockLowerBidiagonal,
    LinearOperatorLowerBidiagonal,
    grid_precision_cholesky,
    hutchinson_inverse_gram_trace,
)

BATCH = 2


def _positive(rng, shape):
    return rng.uniform(0.5, 1.5, shape)


def _make(kind: str, dtype, rng, r: int = 3, c: int = 4):
    """Returns (params, builder): builder(*params) -> operator, params as tf.Variables."""
    n = r * c
    if kind == "bidiagonal":
        values = [_positive(rng, [BATCH, n]), rng.normal(size=[BATCH, n - 1])]
        build = LinearOperatorLowerBidiagonal
    elif kind == "banded":  # n not a multiple of the bandwidth: exercises the padding path
        values = [
            np.concatenate([_positive(rng, [BATCH, 1, 7]), rng.normal(size=[BATCH, 2, 7])], 1)
        ]
        build = LinearOperatorBandedLowerTriangular
    elif kind == "block":
        values = [
            _positive(rng, [BATCH, r, c]),
            rng.normal(size=[BATCH, r, c - 1]),
            rng.normal(size=[BATCH, r - 1, c]),
        ]
        build = LinearOperatorBlockLowerBidiagonal
    else:  # grid Cholesky of a diagonally dominant 4-neighbour precision
        values = [
            rng.uniform(5.0, 6.0, [BATCH, r, c]),
            rng.normal(size=[BATCH, r, c - 1]),
            rng.normal(size=[BATCH, r - 1, c]),
        ]
        build = grid_precision_cholesky
    return [tf.Variable(v.astype(dtype)) for v in values], build


KINDS = ["bidiagonal", "banded", "block", "grid_cholesky"]
# "xla": compiled, where the banded solves fall back to dense ones (XLA has no banded kernel).
MODES = ["eager", "function", "xla"]


def _run(mode, fn, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=mode == "xla")(*args)


def _dense_pattern(kind, n, c=4):
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lag = i - j
    if kind == "bidiagonal":
        return (lag == 0) | (lag == 1)
    if kind == "banded":
        return (lag >= 0) & (lag <= 2)
    if kind == "block":
        return (lag == 0) | ((lag == 1) & (i % c != 0)) | (lag == c)
    return (lag >= 0) & (lag <= c)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_methods_match_dense(kind, dtype, mode):
    rng = np.random.default_rng(0)
    params, build = _make(kind, dtype, rng)
    tol = 1e-4 if dtype == np.float32 else 1e-10

    def compute(x):
        op = build(*params)
        dense = op.to_dense()
        return dict(
            dense=dense,
            matmul=op.matmul(x),
            matmul_adjoint=op.matmul(x, adjoint=True),
            matmul_adjoint_arg=op.matmul(tf.linalg.adjoint(x), adjoint_arg=True),
            solve=op.solve(x),
            solve_adjoint=op.solve(x, adjoint=True),
            solvevec_adjoint=op.solvevec(x[..., 0], adjoint=True),
            logdet=op.log_abs_determinant(),
            diag=op.diag_part(),
            variances=op.inverse_gram_diag_part(),
        )

    n = build(*params).shape[-1]
    x = tf.constant(rng.normal(size=[BATCH, n, 3]).astype(dtype))
    out = {k: v.numpy() for k, v in _run(mode, compute, x).items()}
    dense = out["dense"]
    dense_t = np.swapaxes(dense, -1, -2)
    x = x.numpy()
    pattern = _dense_pattern(kind, n)
    if kind == "grid_cholesky":  # fill-in stays inside the band, some band entries stay zero
        assert not np.any((dense != 0) & ~pattern)
    else:
        np.testing.assert_array_equal(dense[0] != 0, pattern)
    np.testing.assert_allclose(out["matmul"], dense @ x, atol=tol, rtol=tol)
    np.testing.assert_allclose(out["matmul_adjoint"], dense_t @ x, atol=tol, rtol=tol)
    np.testing.assert_allclose(out["matmul_adjoint_arg"], dense @ x, atol=tol, rtol=tol)
    np.testing.assert_allclose(out["solve"], np.linalg.solve(dense, x), atol=tol, rtol=tol)
    np.testing.assert_allclose(
        out["solve_adjoint"], np.linalg.solve(dense_t, x), atol=tol, rtol=tol
    )
    np.testing.assert_allclose(
        out["solvevec_adjoint"], np.linalg.solve(dense_t, x)[..., 0], atol=tol, rtol=tol
    )
    np.testing.assert_allclose(out["logdet"], np.linalg.slogdet(dense)[1], atol=tol, rtol=tol)
    np.testing.assert_allclose(out["diag"], np.diagonal(dense, axis1=-2, axis2=-1))
    sigma = np.linalg.inv(dense @ dense_t)
    np.testing.assert_allclose(
        out["variances"], np.diagonal(sigma, axis1=-2, axis2=-1), atol=tol, rtol=tol
    )


@pytest.mark.parametrize("kind", KINDS)
def test_shapes(kind):
    params, build = _make(kind, np.float32, np.random.default_rng(1))
    op = build(*params)
    n = op.to_dense().shape[-1]
    assert op.shape == (BATCH, n, n)
    assert op.batch_shape == (BATCH,)
    assert op.shape_tensor().numpy().tolist() == [BATCH, n, n]
    # Operator batch [2] broadcasts against right-hand sides of batch [3, 1].
    rhs = tf.ones([3, 1, n, 2])
    assert op.solve(rhs).shape == (3, BATCH, n, 2)
    assert op.matmul(rhs, adjoint=True).shape == (3, BATCH, n, 2)


@pytest.mark.parametrize("mode", ["eager", "xla"])
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_dense(kind, mode):
    rng = np.random.default_rng(2)
    params, build = _make(kind, np.float64, rng)
    n = build(*params).shape[-1]
    x = tf.constant(rng.normal(size=[BATCH, n, 2]))
    weights = tf.constant(rng.normal(size=[BATCH, n, 2]))

    def loss(structured: bool):
        with tf.GradientTape() as tape:
            op = build(*params)
            if structured:
                solved = op.solve(x, adjoint=True)
                product, variances, logdet = (
                    op.matmul(x),
                    op.inverse_gram_diag_part(),
                    op.log_abs_determinant(),
                )
            else:
                dense = op.to_dense()
                solved = tf.linalg.triangular_solve(dense, x, adjoint=True)
                product, logdet = dense @ x, tf.linalg.logdet(dense @ tf.linalg.adjoint(dense)) / 2
                variances = tf.linalg.diag_part(tf.linalg.inv(dense @ tf.linalg.adjoint(dense)))
            value = (
                tf.reduce_sum(weights * (solved + product))
                + tf.reduce_sum(variances)
                + tf.reduce_sum(logdet)
            )
        return tape.gradient(value, params)

    structured = _run(mode, lambda: loss(True))
    for structured_grad, dense_grad in zip(structured, loss(False), strict=True):
        np.testing.assert_allclose(
            structured_grad.numpy(), dense_grad.numpy(), atol=1e-8, rtol=1e-8
        )


def test_single_block_row():
    """r = 1: the block operator is one lower-bidiagonal block, like the chain."""
    rng = np.random.default_rng(3)
    diag, sub = _positive(rng, [1, 5]), rng.normal(size=[1, 4])
    block = LinearOperatorBlockLowerBidiagonal(diag, sub, np.zeros([0, 5]))
    chain = LinearOperatorLowerBidiagonal(diag[0], sub[0])
    x = rng.normal(size=[5, 2])
    np.testing.assert_allclose(block.to_dense(), chain.to_dense())
    np.testing.assert_allclose(block.solve(x, adjoint=True), chain.solve(x, adjoint=True))
    np.testing.assert_allclose(block.inverse_gram_diag_part(), chain.inverse_gram_diag_part())


def test_grid_cholesky_reconstructs_precision():
    rng = np.random.default_rng(4)
    (diag, horizontal, vertical), _ = _make("grid_cholesky", np.float64, rng)
    factor = grid_precision_cholesky(diag, horizontal, vertical).to_dense().numpy()
    precision = factor @ np.swapaxes(factor, -1, -2)
    expected = np.zeros_like(precision)
    r, c = diag.shape[-2:]
    for b in range(BATCH):
        for i in range(r):
            for j in range(c):
                k = i * c + j
                expected[b, k, k] = diag[b, i, j]
                if j + 1 < c:
                    expected[b, k, k + 1] = expected[b, k + 1, k] = horizontal[b, i, j]
                if i + 1 < r:
                    expected[b, k, k + c] = expected[b, k + c, k] = vertical[b, i, j]
    np.testing.assert_allclose(precision, expected, atol=1e-12)


def test_extended_grid_edges():
    """L L^T couples 4-neighbours and (i, j)-(i+1, j-1), nothing else (§3.2)."""
    rng = np.random.default_rng(5)
    params, build = _make("block", np.float64, rng)
    dense = build(*params).to_dense().numpy()[0]
    precision = dense @ dense.T
    c = 4
    i, j = np.meshgrid(np.arange(12), np.arange(12), indexing="ij")
    lag = np.abs(i - j)
    same_row = (i // c) == (j // c)
    edges = (lag == 0) | ((lag == 1) & same_row) | (lag == c) | ((lag == c - 1) & ~same_row)
    np.testing.assert_array_equal(precision != 0, edges)


@pytest.mark.parametrize("kind", ["bidiagonal", "block"])
def test_hutchinson_is_unbiased(kind):
    params, build = _make(kind, np.float64, np.random.default_rng(6))
    op = build(*params)
    weights = tf.constant(np.random.default_rng(7).uniform(0.5, 2.0, [op.shape[-1]]))
    exact = tf.reduce_sum(op.inverse_gram_diag_part() * weights, axis=-1)
    estimate = hutchinson_inverse_gram_trace(op, 4000, weights, seed=(1, 2))
    np.testing.assert_allclose(estimate, exact, rtol=0.05)
    single = hutchinson_inverse_gram_trace(op, 1, weights, seed=(3, 4))
    assert not np.allclose(single, exact, rtol=0.05)  # one probe is noisy: the test can fail
