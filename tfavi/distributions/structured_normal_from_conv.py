"""Builds a `LatticeNormal` posterior from convolutional feature maps."""

import tensorflow as tf

from tfavi.distributions._constraints import positive
from tfavi.distributions.chain_normal import chain_normal
from tfavi.distributions.extended_grid_normal import extended_grid_normal
from tfavi.distributions.grid_normal import grid_normal
from tfavi.distributions.lattice_normal import LatticeNormal
from tfavi.linalg import merge_last_two

PARAMETER_MAPS = {"chain": 3, "grid": 4, "extended_grid": 4}
"""Maps per channel of each graphical structure: mean, diagonal, then the couplings."""

_GRID_FACTORIES = {"extended_grid": extended_grid_normal, "grid": grid_normal}


def _channels_first(x: tf.Tensor) -> tf.Tensor:
    """[..., H, W, C] -> [..., C, H, W]."""
    rank = len(x.shape)
    return tf.transpose(x, [*range(rank - 3), rank - 1, rank - 3, rank - 2])


def _check_structure(structure: str) -> None:
    if structure not in PARAMETER_MAPS:
        raise ValueError(
            f"structure must be one of {tuple(PARAMETER_MAPS)}, got {structure!r}; a diagonal "
            "normal is `tfd.Independent(tfd.Normal(...), 3)`."
        )


def lattice_normal_from_maps(
    loc: tf.Tensor,
    diag: tf.Tensor,
    couplings: list[tf.Tensor],
    structure: str,
    num_trace_probes: int | None = None,
) -> LatticeNormal:
    """Per-channel structured normal over the H x W lattice from constrained maps [..., H, W, C].

    `diag` is the positive diagonal of the precision factor L ("chain", "extended_grid") or
    the positive base of the precision's diagonal beyond its Gershgorin radius ("grid").
    Each coupling is stored at the pixel that receives it and cropped: "chain" (row-major
    chain): one sub-diagonal map without its first pixel; "extended_grid" / "grid": the
    horizontal map without its first column (coupling to the left neighbour) and the
    vertical map without its first row (coupling to the upper one), entries of L for the
    extended grid and of the precision for the grid (Peşte & Malagò, ICML 2017 workshop;
    docs/ggm_vae.md §2-§3).

    Args:
      loc: [..., H, W, C] mean.
      diag: [..., H, W, C] positive diagonal (see above).
      couplings: `PARAMETER_MAPS[structure] - 2` maps [..., H, W, C].
      structure: one of `PARAMETER_MAPS`.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `LatticeNormal` with event shape [H, W, C].
    """
    _check_structure(structure)
    height, width = loc.shape[-3], loc.shape[-2]
    loc, diag, *couplings = (_channels_first(m) for m in (loc, diag, *couplings))
    if structure == "chain":
        (subdiag,) = couplings
        lattice = chain_normal(
            merge_last_two(loc),
            merge_last_two(diag),
            merge_last_two(subdiag)[..., 1:],
            num_trace_probes,
        )
    else:
        horizontal, vertical = couplings
        lattice = _GRID_FACTORIES[structure](
            loc,
            diag,
            horizontal[..., 1:],
            vertical[..., 1:, :],
            num_trace_probes=num_trace_probes,
        )
    return LatticeNormal(lattice, height, width)


def structured_normal_from_conv(
    features: tf.Tensor,
    structure: str = "extended_grid",
    min_diag: float = 1e-3,
    num_trace_probes: int | None = None,
) -> LatticeNormal:
    """Per-channel structured normal over the H x W lattice from features [..., H, W, K*C].

    The last axis splits into K = `PARAMETER_MAPS[structure]` maps of C channels: mean, raw
    diagonal (softplus + `min_diag`), then the couplings as in `lattice_normal_from_maps`.

    Args:
      features: [..., H, W, K*C] unconstrained conv outputs.
      structure: one of `PARAMETER_MAPS`.
      min_diag: floor of the diagonal (see the flat factories).
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `LatticeNormal` with event shape [H, W, C].
    """
    _check_structure(structure)
    loc, raw_diag, *couplings = tf.split(features, PARAMETER_MAPS[structure], axis=-1)
    diag = positive(raw_diag, min_diag)
    return lattice_normal_from_maps(loc, diag, couplings, structure, num_trace_probes)
