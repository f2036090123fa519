"""Optimizer, learning-rate schedule and KL warm-up built from a `TrainConfig`."""

import keras

from tfavi.training.fused_optimizers import FusedAdam, FusedAdamax
from tfavi.training.learning_rate_schedules import CosineRestartWarmup, CosineWarmup
from tfavi.training.precision import dtype_policy
from tfavi.training.train_config import TrainConfig


def learning_rate(config: TrainConfig, steps_per_epoch: int):
    """The config's schedule (a float for `constant`)."""
    if config.lr_schedule == "constant":
        return config.learning_rate
    if config.lr_schedule == "cosine_warmup":
        return CosineWarmup(
            config.learning_rate,
            config.lr_min,
            config.lr_warmup_epochs,
            config.epochs - config.lr_warmup_epochs,
            steps_per_epoch,
        )
    if config.lr_schedule == "cosine_restart_warmup":
        return CosineRestartWarmup(
            config.learning_rate,
            config.lr_min,
            config.lr_warmup_epochs,
            config.lr_first_decay_epochs,
            steps_per_epoch,
            config.lr_t_mul,
            config.lr_m_mul,
        )
    raise ValueError(
        f"Unknown lr_schedule {config.lr_schedule!r}; use constant, cosine_warmup or "
        "cosine_restart_warmup."
    )


def make_optimizer(config: TrainConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """Adam or Adamax (the official attentive VAE uses Adamax with epsilon 1e-3), with one
    fused kernel per variable (`fused_optimizers`), and dynamic loss scaling under float16."""
    classes = {"adam": FusedAdam, "adamax": FusedAdamax}
    if config.optimizer not in classes:
        raise ValueError(f"Unknown optimizer {config.optimizer!r}; use adam or adamax.")
    optimizer = classes[config.optimizer](
        learning_rate=learning_rate(config, steps_per_epoch), epsilon=config.optimizer_epsilon
    )
    if dtype_policy(config.mixed_precision) == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def kl_beta(epoch: int, start: float, warmup_epochs: int) -> float:
    """KL weight of `epoch`: rises linearly from `start` to 1 over `warmup_epochs`."""
    if epoch >= warmup_epochs:
        return 1.0
    return start + epoch * (1.0 - start) / warmup_epochs
