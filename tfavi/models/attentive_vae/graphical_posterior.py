"""Gaussian-graphical-model posteriors of the attentive VAE's latent maps."""

import tensorflow as tf

from tfavi.distributions.lattice_normal import LatticeNormal
from tfavi.distributions.lattice_posterior import STRUCTURES, num_parameter_maps
from tfavi.distributions.structured_normal_from_conv import lattice_normal_from_maps


def num_coupling_maps(structure: str) -> int:
    """Coupling maps per latent channel beyond the mean and scale (0 for `diagonal`)."""
    return num_parameter_maps(structure) - 2


def graphical_posterior(loc, scale, couplings, structure: str) -> LatticeNormal:
    """q(z_l) over `[B, H, W, C]`: per channel a GGM over the H x W lattice whose zero-coupling
    case is the diagonal N(loc, scale^2) of the attentive VAE.

    With D = diag(`scale`) and raw coupling maps r (`couplings`, `[B, H, W, k C]`):
    - `chain` (raster order) and `extended_grid` (docs/ggm_vae.md §3.2): precision factor
      L = D^{-1} (I + E), E strictly lower with the lattice's in-edges e = tanh(r) / k
      (k = 1 for the chain, 2 for the extended grid, so |e_h| + |e_v| < 1 keeps L^{-1}
      bounded); z = loc + scale * w with w ~ N(0, ((I + E)(I + E)^T)^{-1}).
    - `grid` (§3.3): precision P = D^{-2} + G, G the 4-neighbour matrix with off-diagonals
      r_ij / (scale_i scale_j) and the Gershgorin diagonal (1 + 1e-3) sum_j |G_ij|, so G is
      positive semi-definite and every marginal variance is at most scale^2.

    Reference: Peşte & Malagò, "Towards the use of Gaussian graphical models in variational
    autoencoders", ICML 2017 workshop.
    """
    if structure not in STRUCTURES[1:]:
        raise ValueError(f"structure must be one of {STRUCTURES[1:]}, got {structure!r}.")
    loc, scale, couplings = (tf.cast(t, tf.float32) for t in (loc, scale, couplings))
    inv_scale = tf.math.reciprocal(scale)
    maps = tf.split(couplings, num_coupling_maps(structure), axis=-1)
    if structure == "grid":
        horizontal = maps[0] * inv_scale * tf.roll(inv_scale, 1, axis=-2)  # left neighbour
        vertical = maps[1] * inv_scale * tf.roll(inv_scale, 1, axis=-3)  # upper neighbour
        return lattice_normal_from_maps(loc, tf.square(inv_scale), [horizontal, vertical], "grid")
    edges = [tf.tanh(m) / len(maps) * inv_scale for m in maps]
    return lattice_normal_from_maps(loc, inv_scale, edges, structure)
