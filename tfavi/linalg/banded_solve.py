"""The banded triangular solve of the structured operators, also inside XLA-compiled graphs.

XLA has no kernel for `tf.linalg.banded_triangular_solve`, so a `jit_compile=True` training
step of a Gaussian-graphical-model posterior failed to compile. Inside an XLA context the same
system is solved densely (`tf.linalg.triangular_solve`, O(n^2) per right-hand side instead of
O(n c)); everywhere else the banded kernel runs.
"""

import tensorflow as tf
from tensorflow.python.ops import control_flow_util  # the XLA-context test Keras uses too


def banded_triangular_solve(
    bands: tf.Tensor, rhs: tf.Tensor, lower: bool = True, adjoint: bool = False
) -> tf.Tensor:
    """`tf.linalg.banded_triangular_solve(bands, rhs, lower, adjoint)`, XLA-compilable.

    `bands` [..., c+1, n] in the "LEFT_RIGHT" layout: for `lower`, row 0 is the diagonal and
    row k the k-th subdiagonal; otherwise row 0 is the c-th superdiagonal and row c the
    diagonal.
    """
    if not control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()):
        return tf.linalg.banded_triangular_solve(bands, rhs, lower=lower, adjoint=adjoint)
    n = bands.shape[-1] if bands.shape[-1] is not None else tf.shape(bands)[-1]
    c = bands.shape[-2] - 1
    dense = tf.linalg.diag(
        bands, k=(-c, 0) if lower else (0, c), num_rows=n, num_cols=n, align="LEFT_RIGHT"
    )
    return tf.linalg.triangular_solve(dense, rhs, lower=lower, adjoint=adjoint)
