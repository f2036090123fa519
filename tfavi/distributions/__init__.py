"""Gaussian-graphical-model distributions (Peşte & Malagò, 2017) as TFP distributions."""

from tfavi.distributions.chain_normal import chain_normal, chain_normal_from_raw
from tfavi.distributions.extended_grid_normal import (
    extended_grid_normal,
    extended_grid_normal_from_raw,
)
from tfavi.distributions.grid_normal import (
    gershgorin_grid_diagonal,
    grid_normal,
    grid_normal_from_raw,
)
from tfavi.distributions.lattice_normal import LatticeNormal
from tfavi.distributions.multivariate_logit_normal import MultivariateLogitNormal
from tfavi.distributions.sparse_precision_kl import kl_to_diagonal_normal
from tfavi.distributions.sparse_precision_normal import SparsePrecisionNormal
from tfavi.distributions.structured_normal_from_conv import (
    lattice_normal_from_maps,
    structured_normal_from_conv,
)

__all__ = [
    "LatticeNormal",
    "MultivariateLogitNormal",
    "SparsePrecisionNormal",
    "chain_normal",
    "chain_normal_from_raw",
    "extended_grid_normal",
    "extended_grid_normal_from_raw",
    "gershgorin_grid_diagonal",
    "grid_normal",
    "grid_normal_from_raw",
    "kl_to_diagonal_normal",
    "lattice_normal_from_maps",
    "structured_normal_from_conv",
]
