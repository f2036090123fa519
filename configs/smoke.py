"""The smoke variant every recipe shares: a few small steps that train and evaluate end to end."""

from tfavi.training.train_config import TrainConfig


def smoke_recipe(
    config: TrainConfig,
    batch_size: int = 8,
    steps_per_epoch: int = 2,
    eval_examples: int = 16,
    num_importance_samples: int = 4,
    num_sample_images: int = 4,
    **overrides,
) -> TrainConfig:
    """`config` for 2 epochs of `steps_per_epoch` steps, evaluated on `eval_examples` images.

    Batches (training and evaluation) hold `batch_size` images, the importance-weighted bound
    uses `num_importance_samples` in two chunks, and `overrides` replace any other field.
    """
    return config.replace(
        batch_size=batch_size,
        epochs=2,
        steps_per_epoch=steps_per_epoch,
        eval_batch_size=batch_size,
        eval_examples=eval_examples,
        num_importance_samples=num_importance_samples,
        importance_chunk_size=num_importance_samples // 2,
        num_sample_images=num_sample_images,
        shuffle_buffer=8 * batch_size,
        **overrides,
    )
