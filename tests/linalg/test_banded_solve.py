"""`banded_triangular_solve`: the banded kernel, or inside XLA a dense solve of the same system."""

import numpy as np
import pytest
import tensorflow as tf

from tfavi.linalg.banded_solve import banded_triangular_solve


@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("lower", [True, False])
def test_compiled_solve_of_a_lattice_of_unknown_size_matches_numpy(lower, adjoint):
    n, c = 6, 2
    rng = np.random.default_rng(0)
    bands = rng.normal(size=[3, c + 1, n])
    bands[:, 0 if lower else c] = rng.uniform(1.0, 2.0, size=[3, n])  # the diagonal
    rhs = rng.normal(size=[3, n, 2])
    dense = tf.linalg.diag(
        bands, k=(-c, 0) if lower else (0, c), num_rows=n, num_cols=n, align="LEFT_RIGHT"
    ).numpy()
    assert np.array_equal(dense, np.tril(dense) if lower else np.triu(dense))
    expected = np.linalg.solve(np.swapaxes(dense, -1, -2) if adjoint else dense, rhs)

    # The lattice size n is unknown when the graph is traced, as in a model's call.
    spec = [tf.TensorSpec([None, c + 1, None], tf.float64), tf.TensorSpec(None, tf.float64)]

    def solve(bands, rhs):
        return banded_triangular_solve(bands, rhs, lower=lower, adjoint=adjoint)

    for jit_compile in (False, True):
        compiled = tf.function(solve, input_signature=spec, jit_compile=jit_compile)
        np.testing.assert_allclose(compiled(bands, rhs).numpy(), expected, rtol=1e-10)
