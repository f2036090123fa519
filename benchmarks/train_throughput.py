"""Training throughput of a zoo model: tfavi's distributed step loop against Keras' `fit`.

    python benchmarks/train_throughput.py --model=vae_mlp --batch_size=100

Prints the time to build the model and run its first step, the median images/second of
`--repeats` timed runs of `--steps` steps each (after `--warmup` steps) for tfavi's loop and,
as the in-process baseline, Keras' `model.fit` on the same batches, their ratio, and the
process's peak memory. Batches are real training data from the model's dataset.
`--graph_optimization` overrides the recipe's Grappler setting of tfavi's step; at the size of
`attentive_vae_16` use `--keras_baseline=false` (Keras' `fit` keeps Grappler, whose first step
takes many minutes there).
"""

import pathlib
import resource
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from tfavi import (
    data,  # noqa: E402
    zoo,  # noqa: E402
)
from tfavi.training import make_strategy  # noqa: E402
from tfavi.training.distributed_step import make_train_step  # noqa: E402
from tfavi.training.optimization import make_optimizer  # noqa: E402
from tfavi.training.run_directory import build_model  # noqa: E402

flags.DEFINE_string("model", "vae_mlp", "Zoo name.")
flags.DEFINE_integer("batch_size", 32, "Global batch size.")
flags.DEFINE_integer("steps", 20, "Timed steps per repeat.")
flags.DEFINE_integer("warmup", 3, "Untimed steps after the first.")
flags.DEFINE_integer("repeats", 5, "Timed repeats; the median is reported.")
flags.DEFINE_bool("smoke", False, "Benchmark the smoke variant of the model.")
flags.DEFINE_bool("keras_baseline", True, "Also time Keras' model.fit as the baseline.")
flags.DEFINE_string("strategy", "default", "tf.distribute strategy of tfavi's loop.")
flags.DEFINE_bool("graph_optimization", None, "Grappler on tfavi's step (default: the recipe's).")
flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")
FLAGS = flags.FLAGS


def _median_images_per_second(run_steps) -> float:
    rates = []
    for _ in range(FLAGS.repeats):
        start = time.perf_counter()
        run_steps(FLAGS.steps)
        rates.append(FLAGS.steps * FLAGS.batch_size / (time.perf_counter() - start))
    return statistics.median(rates)


def _peak_memory_mb() -> float:
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_memory_info(gpus[0].name)["peak"] / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    config = zoo.resolve_config(FLAGS.model, smoke=FLAGS.smoke).replace(batch_size=FLAGS.batch_size)
    if FLAGS.graph_optimization is not None:
        config = config.replace(graph_optimization=FLAGS.graph_optimization)
    batches = data.train_dataset(config.dataset, FLAGS.batch_size, 0, data_dir=FLAGS.data_dir)
    batches = batches.take(8).cache().repeat()
    strategy = make_strategy(FLAGS.strategy)

    start = time.perf_counter()
    with strategy.scope():
        model = build_model(config)
        optimizer = make_optimizer(config, steps_per_epoch=1000)
        optimizer.build(model.trainable_variables)
    built = time.perf_counter()
    step = make_train_step(
        model,
        optimizer,
        strategy,
        FLAGS.batch_size,
        config.grad_clip_norm,
        config.graph_optimization,
    )
    iterator = iter(strategy.experimental_distribute_dataset(batches))
    float(step(next(iterator))[0])
    first_step = time.perf_counter()

    def run_tfavi(n):
        for _ in range(n):
            loss, _ = step(next(iterator))
        float(loss)

    run_tfavi(FLAGS.warmup)
    tfavi_rate = _median_images_per_second(run_tfavi)
    params = sum(int(tf.size(w)) for w in model.trainable_weights)
    print(
        f"model {FLAGS.model}: {params:,} trainable parameters, batch {FLAGS.batch_size}, "
        f"graph optimization {'on' if config.graph_optimization else 'off'}"
    )
    print(f"build {built - start:.1f}s, first step {first_step - built:.1f}s")
    print(
        f"tfavi loop ({strategy.__class__.__name__}): {tfavi_rate:.2f} images/s "
        f"({FLAGS.batch_size / tfavi_rate:.2f} s/step)"
    )
    if FLAGS.keras_baseline:
        keras_model = build_model(config)
        keras_model.compile(optimizer=make_optimizer(config, steps_per_epoch=1000))

        def run_keras(n):
            keras_model.fit(batches.take(n), epochs=1, verbose=0)

        run_keras(FLAGS.warmup + 1)
        keras_rate = _median_images_per_second(run_keras)
        print(f"keras model.fit baseline: {keras_rate:.1f} images/s")
        print(f"ratio tfavi / keras: {tfavi_rate / keras_rate:.2f}")
    print(f"peak memory: {_peak_memory_mb():.0f} MB")


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    app.run(main)
