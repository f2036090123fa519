"""Initializer and regularizer defaults shared by the Deep Attentive VAE layers."""

import keras

LAMBDA_REG = 1.5e-4
"""L2 strength of convolutions, batch norms and non-local scales (`lambda_reg`)."""

GATE_L2 = 0.01
"""L2 strength of layer norms, zero-initialised gates and learned constants (`'l2'`)."""


def deep_vae_initializer() -> keras.initializers.Initializer:
    """`DeepVaeInit` of the official code: U(±sqrt(0.99 / fan_in)), for kernels and biases."""
    return keras.initializers.VarianceScaling(scale=0.33, mode="fan_in", distribution="uniform")


def l2_regularizer(strength: float) -> keras.regularizers.Regularizer | None:
    """L2(strength), or no regularizer when `strength` is 0."""
    return keras.regularizers.L2(strength) if strength else None
