"""Bijectors and normalizing flows, with Keras 3 layers that own their networks."""

from tfavi.bijectors.chain_with_reversals import chain_with_reversals
from tfavi.bijectors.conditional_bijector_layer import ConditionalBijectorLayer
from tfavi.bijectors.conditional_maf import ConditionalMAF
from tfavi.bijectors.conditional_rank_one_affine import ConditionalRankOneAffine
from tfavi.bijectors.conditional_spline_coupling import ConditionalSplineCoupling
from tfavi.bijectors.rank_one_affine import RankOneAffine

__all__ = [
    "ConditionalBijectorLayer",
    "ConditionalMAF",
    "ConditionalRankOneAffine",
    "ConditionalSplineCoupling",
    "RankOneAffine",
    "chain_with_reversals",
]
