"""Deep Attentive VAE on CIFAR-10: the official 900-epoch recipe with a warm restart.

As `attentive_cifar10`, but 900 epochs of `cosine_restart_warmup` (SGDR): 5 warm-up epochs, a
cosine from 0.01 to 1e-4 over 300 epochs, then a restart with a 600-epoch period.

Smoke variant (under a minute on CPU):
    python tools/train.py --model=attentive_vae_16_900 --smoke --workdir=/tmp/attentive_900
"""

from tfavi.configs.attentive_cifar10 import official_recipe
from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return official_recipe(
        epochs=900,
        lr_schedule="cosine_restart_warmup",
        lr_first_decay_epochs=300,
        lr_t_mul=2.0,
        lr_m_mul=1.0,
    )


def get_smoke_config() -> TrainConfig:
    return smoke_recipe(get_config())
