"""KL divergence from a `SparsePrecisionNormal` to a diagonal normal, registered with TFP."""

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.distributions.sparse_precision_normal import SparsePrecisionNormal
from tfavi.linalg.hutchinson import hutchinson_inverse_gram_trace

tfd = tfp.distributions


def kl_to_diagonal_normal(
    q: SparsePrecisionNormal,
    loc: tf.Tensor,
    scale: tf.Tensor,
    num_trace_probes: int | None = None,
    seed=None,
) -> tf.Tensor:
    """KL(q || N(loc, diag(scale^2))) in closed form, linear in n for chain and extended grid.

    KL = 1/2 [tr(S^{-1} Sigma) + ||(mu - loc) / scale||^2 - n + 2 sum log scale - log det Sigma]
    with log det Sigma = -2 log|det L| and tr(S^{-1} Sigma) = sum_i Sigma_ii / scale_i^2 from the
    factor's variance recursion, or its Hutchinson estimate (Peşte & Malagò, ICML 2017
    workshop; docs/ggm_vae.md §2, §3.4).

    Args:
      q: the structured normal, batch shape [...], event [n].
      loc: [..., n] mean of the diagonal normal.
      scale: [..., n] standard deviations of the diagonal normal.
      num_trace_probes: None for the exact trace, else the number of Hutchinson probes.
      seed: stateless seed for the probes.

    Returns:
      The KL divergence, shape [...].
    """
    factor = q.precision_factor
    inv_var = tf.math.reciprocal(tf.square(scale))
    if num_trace_probes is None:
        trace = tf.reduce_sum(factor.inverse_gram_diag_part() * inv_var, axis=-1)
    else:
        weights = tf.broadcast_to(
            inv_var, tf.concat([factor.batch_shape_tensor(), tf.shape(inv_var)[-1:]], 0)
        )
        trace = hutchinson_inverse_gram_trace(factor, num_trace_probes, weights, seed)
    mahalanobis = tf.reduce_sum(tf.square(q.mean() - loc) * inv_var, axis=-1)
    n = tf.cast(tf.shape(inv_var)[-1], q.dtype)
    log_det_ratio = 2.0 * tf.reduce_sum(tf.math.log(scale), axis=-1)
    log_det_ratio += 2.0 * factor.log_abs_determinant()
    return 0.5 * (trace + mahalanobis - n + log_det_ratio)


@tfd.RegisterKL(SparsePrecisionNormal, tfd.MultivariateNormalDiag)
def _kl_to_mvn_diag(q: SparsePrecisionNormal, p: tfd.MultivariateNormalDiag, name=None):
    with tf.name_scope(name or "kl_sparse_precision_normal_mvn_diag"):
        return kl_to_diagonal_normal(q, p.mean(), p.stddev(), q.num_trace_probes)


@tfd.RegisterKL(SparsePrecisionNormal, tfd.Independent)
def _kl_to_independent_normal(q: SparsePrecisionNormal, p: tfd.Independent, name=None):
    if not isinstance(p.distribution, tfd.Normal) or p.event_shape.rank != 1:
        raise NotImplementedError(f"No KL from SparsePrecisionNormal to {p}.")
    with tf.name_scope(name or "kl_sparse_precision_normal_independent_normal"):
        return kl_to_diagonal_normal(q, p.mean(), p.stddev(), q.num_trace_probes)
