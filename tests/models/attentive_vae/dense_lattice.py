"""Dense references of the attentive VAE's graphical posteriors, built entry by entry."""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions

EDGE_WEIGHTS = {"chain": np.tanh, "extended_grid": lambda r: np.tanh(r) / 2, "grid": lambda r: r}


def dense_precision(structure, scale, couplings):
    """The precision [B, C, n, n] (n = H W, row-major pixels) that `graphical_posterior`
    documents, for scales [B, H, W, C] and raw couplings [B, H, W, k C]."""
    B, H, W, C = scale.shape  # noqa: N806
    n = H * W
    index = np.arange(n).reshape(H, W)
    offsets = [(0, 1)] if structure == "chain" else [(0, 1), (1, 0)]
    maps = np.split(EDGE_WEIGHTS[structure](couplings.astype("float64")), len(offsets), -1)
    precisions = np.zeros((B, C, n, n))
    for b in range(B):
        for c in range(C):
            sigma = scale[b, ..., c].astype("float64").reshape(n)
            edges = np.zeros((n, n))  # edges[receiver, sender]
            if structure == "chain":  # raster order: pixel i receives from pixel i - 1
                edges[np.arange(1, n), np.arange(n - 1)] = maps[0][b, ..., c].reshape(n)[1:]
            else:  # (i, j) receives from its left (0, 1) and upper (1, 0) neighbours
                for (di, dj), m in zip(offsets, maps, strict=True):
                    for i in range(di, H):
                        for j in range(dj, W):
                            edges[index[i, j], index[i - di, j - dj]] = m[b, i, j, c]
            if structure == "grid":
                g = edges / np.outer(sigma, sigma)
                g = g + g.T
                precisions[b, c] = np.diag(sigma**-2 + (1 + 1e-3) * np.abs(g).sum(1)) + g
            else:
                factor = np.diag(1 / sigma) @ (np.eye(n) + edges)
                precisions[b, c] = factor @ factor.T
    return precisions


def channels_flat(x):
    """[..., H, W, C] -> [..., C, H W] in float64."""
    x = np.asarray(x, "float64")
    return np.moveaxis(x.reshape(*x.shape[:-3], -1, x.shape[-1]), -1, -2)


def dense_posterior(loc, precision):
    covariance = np.linalg.inv(precision)
    return tfd.MultivariateNormalTriL(channels_flat(loc), np.linalg.cholesky(covariance))


def dense_kl_to_diagonal(loc, precision, p_loc, p_scale):
    """sum over channels of KL(dense q || N(p_loc, p_scale^2)), shape [B]."""
    p = tfd.MultivariateNormalDiag(channels_flat(p_loc), channels_flat(p_scale))
    return tf.reduce_sum(tfd.kl_divergence(dense_posterior(loc, precision), p), -1).numpy()
