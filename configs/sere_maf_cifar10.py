"""SeRe-MAF and the plain MAF on CIFAR-10 in the MAF convention (logit space, nats).

Data: the prepared CIFAR-10 copy is JPEG-derived, so its numbers are not comparable to the
papers' (Apostolopoulou et al., arXiv 2007.05166, Table 3: SeRe-MAF ELBO >= 3190, MAF 2670).
The models dequantize and apply the logit with alpha = 0.05 themselves. Training
hyperparameters are lost with the appendix; ours: Adam, learning rate 1e-4 with cosine decay
to 1e-5 over 200 epochs, batch 100, no KL warm-up, gradient clipping at global norm 100,
random horizontal flips off (the paper's SeRe-MAF row uses none); test evaluation with
K = 100 importance samples (the paper reports the ELBO).

Smoke variant (a few minutes on CPU):
    python tools/train.py --model=sere_maf_cifar10 --smoke --workdir=/tmp/sere_maf_smoke
"""

from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig


def get_config() -> TrainConfig:
    return TrainConfig(
        dataset="cifar10",
        batch_size=100,
        epochs=200,
        optimizer="adam",
        learning_rate=1e-4,
        lr_schedule="cosine_warmup",
        lr_min=1e-5,
        grad_clip_norm=100.0,
        eval_batch_size=100,
        num_importance_samples=100,
        importance_chunk_size=25,
        sample_temperatures=(1.0, 0.8),
        num_sample_images=64,
    )


def get_smoke_config() -> TrainConfig:
    return smoke_recipe(get_config(), batch_size=16, steps_per_epoch=3, sample_temperatures=(1.0,))
