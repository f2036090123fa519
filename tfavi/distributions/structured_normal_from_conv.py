"""Builds a `LatticeNormal` posterior from a convolutional feature map."""

import tensorflow as tf

from tfavi.distributions.chain_normal import chain_normal_from_raw
from tfavi.distributions.extended_grid_normal import extended_grid_normal_from_raw
from tfavi.distributions.grid_normal import grid_normal_from_raw
from tfavi.distributions.lattice_normal import LatticeNormal
from tfavi.linalg._bands import merge_last_two

_LATTICE_FACTORIES = {
    "extended_grid": extended_grid_normal_from_raw,
    "grid": grid_normal_from_raw,
}
STRUCTURES = ("chain", *_LATTICE_FACTORIES)
PARAMETER_MAPS = {"chain": 3, "extended_grid": 4, "grid": 4}


def _channels_first(x: tf.Tensor) -> tf.Tensor:
    """[..., H, W, C] -> [..., C, H, W]."""
    rank = len(x.shape)
    return tf.transpose(x, [*range(rank - 3), rank - 1, rank - 3, rank - 2])


def structured_normal_from_conv(
    features: tf.Tensor,
    structure: str = "extended_grid",
    min_diag: float = 1e-3,
    num_trace_probes: int | None = None,
) -> LatticeNormal:
    """Per-channel structured normal over the H x W lattice from features [..., H, W, K*C].

    The last axis splits into K = `PARAMETER_MAPS[structure]` maps of C channels: mean, raw
    diagonal, then the couplings, each stored at the pixel that receives it and cropped:
    "chain" (row-major chain): the sub-diagonal map without its first pixel;
    "extended_grid" / "grid": the horizontal map without its first column (coupling to the
    left neighbour) and the vertical map without its first row (coupling to the upper one).
    (Peşte & Malagò, ICML 2017 workshop; docs/ggm_vae.md §2-§3.)

    Args:
      features: [..., H, W, K*C] unconstrained conv outputs.
      structure: one of `STRUCTURES`.
      min_diag: floor of the diagonal (see the flat factories).
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `LatticeNormal` with event shape [H, W, C].
    """
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {STRUCTURES}, got {structure!r}.")
    height, width = features.shape[-3], features.shape[-2]
    maps = [_channels_first(m) for m in tf.split(features, PARAMETER_MAPS[structure], axis=-1)]
    if structure == "chain":
        loc, raw_diag, raw_subdiag = (merge_last_two(m) for m in maps)
        lattice = chain_normal_from_raw(
            loc, raw_diag, raw_subdiag[..., 1:], min_diag, num_trace_probes
        )
    else:
        loc, raw_diag, horizontal, vertical = maps
        lattice = _LATTICE_FACTORIES[structure](
            loc, raw_diag, horizontal[..., 1:], vertical[..., 1:, :], min_diag, num_trace_probes
        )
    return LatticeNormal(lattice, height, width)
