"""Mixed precision of a recipe: the Keras dtype policy its model is built under.

`bfloat16` computes the networks in bfloat16 and keeps the variables, the likelihoods, the
KL terms and the loss in float32 (every tfavi model returns float32 outputs under any
policy); `float16` does the same in float16 and needs loss scaling, which
`optimization.make_optimizer` adds (`keras.optimizers.LossScaleOptimizer`). Reference:
Micikevicius et al., "Mixed Precision Training", ICLR 2018.
"""

import contextlib

import keras

POLICIES = {"none": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}


def dtype_policy(mixed_precision: str) -> str:
    """The Keras policy name of a recipe's `mixed_precision` (`none`, `bfloat16`, `float16`)."""
    if mixed_precision not in POLICIES:
        raise ValueError(f"Unknown mixed_precision {mixed_precision!r}; use {', '.join(POLICIES)}.")
    return POLICIES[mixed_precision]


@contextlib.contextmanager
def global_policy(mixed_precision: str):
    """Sets Keras' global dtype policy while a model is constructed, then restores it."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(dtype_policy(mixed_precision))
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
