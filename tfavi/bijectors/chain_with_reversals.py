"""Composition of flow steps with the dimension order reversed between consecutive steps."""

import numpy as np
import tensorflow_probability as tfp

tfb = tfp.bijectors


def chain_with_reversals(steps: list[tfb.Bijector], event_size: int) -> tfb.Bijector:
    """Returns `steps[-1] o reverse o ... o reverse o steps[0]` (steps[0] is applied first).

    Reversing the order between autoregressive or coupling steps lets every dimension be
    transformed conditioned on every other one (Papamakarios et al. 2017; Durkan et al. 2019).

    Args:
        steps: bijectors on vectors of `event_size` dimensions, in the order they are applied.
        event_size: number of dimensions of the vectors.
    """
    reverse = tfb.Permute(permutation=np.arange(event_size)[::-1])
    applied = [steps[0]]
    for step in steps[1:]:
        applied += [reverse, step]
    return tfb.Chain(applied[::-1])
