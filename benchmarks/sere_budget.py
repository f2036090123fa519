"""Equal wall-clock training of zoo models, shared by the SeRe-VAE benchmarks.

Each model trains with its zoo recipe (plus overrides) for the same number of minutes of
training time (evaluation and the first step's tracing pause the clock), logging a learning
curve of the training objective and of the test ELBO on a fixed subset, then is evaluated on
the first test examples with the importance-weighted bound (Burda et al. 2016).
"""

import time

import numpy as np
import tensorflow as tf
from absl import flags, logging

import zoo
from tfavi import data
from tfavi.evaluation.evaluator import evaluate
from tfavi.training.distributed_step import make_train_step
from tfavi.training.optimization import kl_beta, make_optimizer
from tfavi.training.run_directory import build_model
from tfavi.training.trainer import epoch_batches


def _test_nelbo(nelbo, images) -> float:
    return float(np.mean(np.concatenate([nelbo(batch) for batch in images])))


def train_for(
    name: str,
    minutes: float,
    overrides: list[str],
    *,
    curve_points: int,
    curve_examples: int,
    eval_examples: int,
    num_importance_samples: int,
    chunk_size: int,
    eval_batch_size: int,
    data_dir: str | None = None,
) -> dict:
    """Trains zoo model `name` for `minutes` of training time; returns its curve and results."""
    config = zoo.resolve_config(name, overrides=overrides)
    model = build_model(config)
    steps_per_epoch = data.num_examples(config.dataset, "train", data_dir) // config.batch_size
    optimizer = make_optimizer(config, steps_per_epoch)
    strategy = tf.distribute.get_strategy()
    train_step = make_train_step(
        model, optimizer, strategy, config.batch_size, config.grad_clip_norm
    )
    curve_images = data.test_dataset(
        config.dataset, eval_batch_size, data_dir=data_dir, max_examples=curve_examples
    ).cache()
    nelbo = tf.function(lambda images: model.objective(images, training=False)[0])
    budget, elapsed, step, epoch, curve = 60.0 * minutes, 0.0, 0, 0, []
    next_point, window = budget / curve_points, []
    print(f"{name}: {model.count_params():,} weights, {minutes:g} min of training", flush=True)
    while elapsed < budget:
        model.kl_beta.assign(kl_beta(epoch, config.kl_beta_start, config.kl_warmup_epochs))
        batches = epoch_batches(config, epoch, data_dir)
        for batch in batches:
            start = time.time()
            loss, _ = train_step(batch)
            window.append(float(loss))
            if step == 0:  # Tracing and compiling the step is not training time.
                compile_seconds = time.time() - start
            else:
                elapsed += time.time() - start
            step += 1
            if elapsed >= next_point or elapsed >= budget:
                point = {
                    "minutes": round(elapsed / 60, 2),
                    "step": step,
                    "epoch": round(step / steps_per_epoch, 2),
                    "train_loss": float(np.mean(window)),
                    "test_nelbo": _test_nelbo(nelbo, curve_images),
                }
                curve.append(point)
                print(f"  {point}", flush=True)
                next_point += budget / curve_points
                window = []
            if elapsed >= budget:
                break
        epoch += 1
    test = data.test_dataset(
        config.dataset, eval_batch_size, data_dir=data_dir, max_examples=eval_examples
    )
    start = time.time()
    results = evaluate(model, test, num_importance_samples, chunk_size, verbose=0)
    results.update(
        model=name,
        weights=model.count_params(),
        steps=step,
        train_minutes=round(elapsed / 60, 2),
        compile_seconds=round(compile_seconds, 1),
        eval_minutes=round((time.time() - start) / 60, 2),
        curve=curve,
    )
    return results


def print_table(results: list[dict], metric_name: str) -> None:
    """Prints one Markdown row per model: budget, steps, test ELBO and the IW bound."""
    print(
        f"\n| model | weights | train min | steps | epochs | test ELBO | {metric_name} | eval min |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        epochs = r["curve"][-1]["epoch"] if r["curve"] else 0
        print(
            f"| {r['model']} | {r['weights']:,} | {r['train_minutes']} | {r['steps']} | "
            f"{epochs} | {-r['nelbo']:.2f} | {-r['nll']:.2f} | {r['eval_minutes']} |"
        )


def define_flags(models: list[str], overrides: list[str], eval_examples: int) -> None:
    """Defines the benchmark's flags with the given defaults."""
    flags.DEFINE_list("models", models, "Zoo names to compare.")
    flags.DEFINE_float("minutes", 8.0, "Training minutes per model.")
    flags.DEFINE_multi_string("override", overrides, "Recipe overrides applied to every model.")
    flags.DEFINE_integer("curve_points", 8, "Points of each learning curve.")
    flags.DEFINE_integer("curve_examples", 1000, "Test images of the learning curves' ELBO.")
    flags.DEFINE_integer(
        "eval_examples", eval_examples, "Test images of the final evaluation (0: all)."
    )
    flags.DEFINE_integer("num_importance_samples", 1000, "K of the importance-weighted bound.")
    flags.DEFINE_integer("chunk_size", 100, "Importance samples evaluated at once.")
    flags.DEFINE_integer("eval_batch_size", 20, "Test images per evaluation batch.")
    flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")


def run(metric_name: str) -> list[dict]:
    """Trains and evaluates every `--models` entry, then prints the comparison table."""
    logging.set_verbosity(logging.WARNING)
    FLAGS = flags.FLAGS
    results = [
        train_for(
            name,
            FLAGS.minutes,
            FLAGS.override,
            curve_points=FLAGS.curve_points,
            curve_examples=FLAGS.curve_examples,
            eval_examples=FLAGS.eval_examples,
            num_importance_samples=FLAGS.num_importance_samples,
            chunk_size=FLAGS.chunk_size,
            eval_batch_size=FLAGS.eval_batch_size,
            data_dir=FLAGS.data_dir,
        )
        for name in FLAGS.models
    ]
    print_table(results, f"{metric_name}, K={FLAGS.num_importance_samples}")
    return results
