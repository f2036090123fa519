"""A zoo model's training loop on random images, built as `EpochLoop` builds it: the speed
benchmarks (`train_throughput`, `step_profile`) time and profile this, not a result.

TensorFlow and tfavi are imported when `build` is called, so a parent process that only
spawns workers stays light.
"""

import dataclasses
import time


@dataclasses.dataclass
class RandomDataTraining:
    """The model, its `TrainLoop` and an endless iterator of random batches of its shape."""

    config: object
    model: object
    loop: object
    iterator: object
    build_seconds: float

    def run(self, steps: int) -> dict:
        """Runs `steps` training steps in calls of up to `steps_per_loop` steps; returns the
        last call's results."""
        results = {}
        while steps > 0:
            results = self.loop(self.iterator, min(steps, self.config.steps_per_loop))
            steps -= self.config.steps_per_loop
        return results


def build(
    model_name: str,
    smoke: bool,
    batch_size: int,
    overrides=(),
    strategy: str = "default",
) -> RandomDataTraining:
    """Seeds, resolves the zoo recipe (`overrides` are recipe fields or `model.<argument>`),
    builds model, optimizer, weight average and training loop under the strategy, and an
    iterator over 8 cached batches of uniform random images."""
    import tfavi  # noqa: F401, I001  (before TensorFlow, as the tools: tfavi.cpu_kernels)
    import keras
    import numpy as np
    import tensorflow as tf

    from tfavi import zoo
    from tfavi.training import make_strategy
    from tfavi.training.distributed_step import make_recipe_train_loop
    from tfavi.training.instantiation_optimizer import set_instantiation_optimizer
    from tfavi.training.optimization import make_optimizer
    from tfavi.training.run_directory import build_model

    config = zoo.resolve_config(model_name, smoke=smoke, overrides=overrides)
    config = config.replace(batch_size=batch_size)
    set_instantiation_optimizer(config.instantiation_optimizer)  # Before TensorFlow starts.
    keras.utils.set_random_seed(0)
    distribution = make_strategy(strategy)
    start = time.perf_counter()
    with distribution.scope():
        model = build_model(config)
        optimizer = make_optimizer(config, steps_per_epoch=1000)
        optimizer.build(model.trainable_variables)
    loop, _ = make_recipe_train_loop(model, optimizer, distribution, config)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(8 * config.batch_size, *model.image_shape)) / 255.0
    batches = tf.data.Dataset.from_tensor_slices(images.astype(np.float32))
    batches = batches.batch(config.batch_size).cache().repeat()
    iterator = iter(distribution.experimental_distribute_dataset(batches))
    return RandomDataTraining(config, model, loop, iterator, time.perf_counter() - start)
