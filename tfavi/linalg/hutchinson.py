"""Hutchinson estimator of weighted traces of (L L^T)^{-1}."""

import tensorflow as tf
import tensorflow_probability as tfp


def hutchinson_inverse_gram_trace(
    operator: tf.linalg.LinearOperator,
    num_probes: int,
    weights: tf.Tensor | None = None,
    seed=None,
) -> tf.Tensor:
    """Unbiased estimate of tr(W (L L^T)^{-1}) = E_v ||L^{-1} W^{1/2} v||^2, Rademacher v.

    Each probe costs one solve with L (O(n) for the chain and extended-grid factors);
    gradients flow through the solve (docs/ggm_vae.md §3.4, after Hutchinson 1990).

    Args:
      operator: lower-triangular precision factor L, batch shape [...], size n.
      num_probes: number of Rademacher probes.
      weights: optional [..., n] positive diagonal of W (identity if None).
      seed: stateless seed for the probes (TFP seed conventions; None draws a fresh one).

    Returns:
      The estimate, shape [...].
    """
    shape = tf.concat([operator.shape_tensor()[:-1], [num_probes]], axis=0)
    probes = tfp.random.rademacher(shape, dtype=operator.dtype, seed=seed)
    if weights is not None:
        probes *= tf.sqrt(weights)[..., tf.newaxis]
    solved = operator.solve(probes)
    return tf.reduce_sum(tf.square(solved), axis=[-2, -1]) / num_probes
