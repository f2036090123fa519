"""MLP VAEs on grey-level MNIST (pixels k/255, not binarized) with a continuous likelihood.

Recipe: as `binarized_mnist_mlp` (Adam 1e-3, batch 100, 100 epochs) with global-norm
clipping at 3 (argo's Frey-faces workshop config) because the logit-normal's density is
unbounded; log-likelihoods are continuous densities in nats and may be positive.

Smoke variant (seconds):
    python tools/train.py --model=ggm_vae_logit_normal --smoke --workdir=/tmp/ggm_ln_smoke
"""

from tfavi.configs import binarized_mnist_mlp
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return binarized_mnist_mlp.get_config().replace(dataset="mnist_continuous", grad_clip_norm=3.0)


def get_smoke_config() -> TrainConfig:
    return binarized_mnist_mlp.get_smoke_config().replace(
        dataset="mnist_continuous", grad_clip_norm=3.0
    )
