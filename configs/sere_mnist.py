"""SeRe-VAE and its DLGM baseline on dynamically binarized MNIST (60k train, 10k test).

The paper's hyperparameters are lost with its appendix; this recipe is our choice, typical
of the literature: Adamax, learning rate 2e-3 with a 5-epoch warm-up and cosine decay to 1e-4
over 1000 epochs, batch 100, KL weight rising linearly from 0.2 to 1 over the first 20
epochs, gradient clipping at global norm 200; test evaluation with K = 1000 importance
samples (Apostolopoulou et al., arXiv 2007.05166, §6).

Smoke variant (about a minute on CPU):
    python tools/train.py --model=sere_vae_mlp --smoke --workdir=/tmp/sere_vae_mlp_smoke
"""

from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return TrainConfig(
        dataset="mnist",
        batch_size=100,
        epochs=1000,
        optimizer="adamax",
        learning_rate=2e-3,
        optimizer_epsilon=1e-7,
        lr_schedule="cosine_warmup",
        lr_min=1e-4,
        lr_warmup_epochs=5,
        kl_beta_start=0.2,
        kl_warmup_epochs=20,
        grad_clip_norm=200.0,
        eval_batch_size=500,
        num_importance_samples=1000,
        importance_chunk_size=100,
        sample_temperatures=(1.0, 0.8),
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
        lr_warmup_epochs=1,
        kl_warmup_epochs=1,
    )
