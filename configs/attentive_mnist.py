"""The OMNIGLOT Deep Attentive VAE on dynamically binarized MNIST (28x28 padded to 32x32).

No official MNIST configuration exists; this uses the OMNIGLOT architecture and recipe
(global batch 32, 400 epochs, no flips).

Smoke variant (under a minute on CPU):
    python tools/train.py --model=attentive_vae_mnist --smoke --workdir=/tmp/attentive_mnist
"""

from tfavi.configs.attentive_omniglot import get_config as omniglot_config
from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return omniglot_config().replace(dataset="mnist")


def get_smoke_config() -> TrainConfig:
    return smoke_recipe(get_config())
