"""Structured linear operators for Gaussian graphical models (Peşte & Malagò, 2017)."""

from tfavi.linalg.bands import merge_last_two, pad_axis
from tfavi.linalg.block_bidiagonal_inverse_gram import block_bidiagonal_inverse_gram_diag
from tfavi.linalg.grid_precision_cholesky import grid_precision_cholesky
from tfavi.linalg.hutchinson import hutchinson_inverse_gram_trace
from tfavi.linalg.linear_operator_banded_lower_triangular import (
    LinearOperatorBandedLowerTriangular,
)
from tfavi.linalg.linear_operator_block_lower_bidiagonal import LinearOperatorBlockLowerBidiagonal
from tfavi.linalg.linear_operator_lower_bidiagonal import LinearOperatorLowerBidiagonal

__all__ = [
    "LinearOperatorBandedLowerTriangular",
    "LinearOperatorBlockLowerBidiagonal",
    "LinearOperatorLowerBidiagonal",
    "block_bidiagonal_inverse_gram_diag",
    "grid_precision_cholesky",
    "hutchinson_inverse_gram_trace",
    "merge_last_two",
    "pad_axis",
]
