"""Deep Attentive VAE on OMNIGLOT (IWAE 28x28 split, dynamic binarization).

The official recipe of `attentive_cifar10` without flips, on 2 replicas of 16: global batch
32. The data is `chardata.mat` of the IWAE paper, read from `$TFAVI_OMNIGLOT_MAT` or
`<TFDS data dir>/omniglot_iwae/chardata.mat` (the run stops with a clear error when absent).

Smoke variant (under a minute on CPU, needs chardata.mat):
    python tools/train.py --model=attentive_vae_omniglot_15 --smoke --workdir=/tmp/omniglot
"""

from tfavi.configs.attentive_cifar10 import official_recipe
from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return official_recipe(dataset="omniglot_iwae", batch_size=2 * 16, random_flip=False)


def get_smoke_config() -> TrainConfig:
    return smoke_recipe(get_config())
