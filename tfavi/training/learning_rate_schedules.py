"""The official attentive-VAE learning-rate schedules (spec `attentive_vae.md`, section 7).

Linear warm-up from `lr_min` to `lr_max` over `warmup_epochs`, then a cosine that is constant
within an epoch, either decaying once (`CosineWarmup`) or restarting (`CosineRestartWarmup`,
SGDR, Loshchilov & Hutter 2017). The step s counts optimizer steps from 1.
"""

import math

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export


class _EpochCosine(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, lr_max, lr_min, warmup_epochs, steps_per_epoch):
        self.lr_max = lr_max
        self.lr_min = lr_min
        self.warmup_epochs = warmup_epochs
        self.steps_per_epoch = steps_per_epoch

    def __call__(self, step):
        s = tf.cast(step, tf.float32) + 1.0
        warmup_steps = float(self.warmup_epochs * self.steps_per_epoch)
        warm = self.lr_min + s / max(warmup_steps, 1.0) * (self.lr_max - self.lr_min)
        epoch = tf.floor(s / self.steps_per_epoch) - self.warmup_epochs
        return tf.where(s <= warmup_steps, warm, self._cosine(tf.maximum(epoch, 0.0)))

    def get_config(self):
        return {
            "lr_max": self.lr_max,
            "lr_min": self.lr_min,
            "warmup_epochs": self.warmup_epochs,
            "steps_per_epoch": self.steps_per_epoch,
        }


@tfavi_export
class CosineWarmup(_EpochCosine):
    """Warm-up, then one cosine decay from `lr_max` to `lr_min` over `decay_epochs`.

    Args:
        lr_max: peak learning rate.
        lr_min: initial and final learning rate.
        warmup_epochs: epochs of linear warm-up.
        decay_epochs: epochs of cosine decay; afterwards the rate stays at `lr_min`.
        steps_per_epoch: optimizer steps per epoch.
    """

    def __init__(self, lr_max, lr_min, warmup_epochs, decay_epochs, steps_per_epoch):
        super().__init__(lr_max, lr_min, warmup_epochs, steps_per_epoch)
        self.decay_epochs = decay_epochs

    def _cosine(self, epoch):
        alpha = self.lr_min / self.lr_max
        fraction = tf.minimum(epoch / max(self.decay_epochs, 1), 1.0)
        return self.lr_max * ((1 - alpha) * 0.5 * (1 + tf.cos(math.pi * fraction)) + alpha)

    def get_config(self):
        return {**super().get_config(), "decay_epochs": self.decay_epochs}


@tfavi_export
class CosineRestartWarmup(_EpochCosine):
    """Warm-up, then cosine decays with warm restarts (periods grow by `t_mul`).

    Args:
        lr_max: peak learning rate.
        lr_min: initial and final learning rate.
        warmup_epochs: epochs of linear warm-up.
        first_decay_epochs: length of the first cosine period in epochs.
        steps_per_epoch: optimizer steps per epoch.
        t_mul: factor by which each period is longer than the previous one.
        m_mul: factor by which each restart's peak is lower than the previous one.
    """

    def __init__(
        self,
        lr_max,
        lr_min,
        warmup_epochs,
        first_decay_epochs,
        steps_per_epoch,
        t_mul=2.0,
        m_mul=1.0,
    ):
        super().__init__(lr_max, lr_min, warmup_epochs, steps_per_epoch)
        self.first_decay_epochs = first_decay_epochs
        self.t_mul = t_mul
        self.m_mul = m_mul

    def _cosine(self, epoch):
        alpha = self.lr_min / self.lr_max
        f = epoch / self.first_decay_epochs
        if self.t_mul == 1.0:
            i = tf.floor(f)
            f_in_period = f - i
        else:
            i = tf.floor(tf.math.log(1.0 + f * (self.t_mul - 1.0)) / math.log(self.t_mul))
            start = (self.t_mul**i - 1.0) / (self.t_mul - 1.0)
            f_in_period = (f - start) / self.t_mul**i
        peak = self.m_mul**i
        return self.lr_max * (
            (1 - alpha) * 0.5 * peak * (1 + tf.cos(math.pi * f_in_period)) + alpha
        )

    def get_config(self):
        return {
            **super().get_config(),
            "first_decay_epochs": self.first_decay_epochs,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
        }
