"""MLP VAEs on static binarized MNIST (Larochelle & Murray), the GGM paper's setting.

Recipe: Adam, learning rate 1e-3, batch 100, 100 epochs, no KL warm-up; test evaluation with
K = 1000 importance samples.

Smoke variant (seconds):
    python tools/train.py --model=vae_mlp --smoke --workdir=/tmp/vae_mlp_smoke
"""

from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return TrainConfig(
        dataset="binarized_mnist",
        batch_size=100,
        epochs=100,
        optimizer="adam",
        learning_rate=1e-3,
        optimizer_epsilon=1e-7,
        lr_schedule="constant",
        eval_batch_size=500,
        num_importance_samples=1000,
        importance_chunk_size=100,
        sample_temperatures=(1.0,),
        num_sample_images=64,
    )


def get_smoke_config() -> TrainConfig:
    return smoke_recipe(
        get_config(),
        batch_size=32,
        steps_per_epoch=5,
        eval_examples=64,
        num_importance_samples=10,
        num_sample_images=16,
    )
