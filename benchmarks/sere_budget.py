"""Equal wall-clock training of zoo models, shared by the SeRe-VAE benchmarks.

Each model trains with its zoo recipe (plus overrides) for the same number of minutes of
training time, counted on its own clock (evaluation and the first step's tracing are off the
clock). The models train in one process, one step each in turn, so the load of a shared
machine falls on all of them alike. Each logs a learning curve of the training objective and
of the test ELBO on a fixed subset, then is evaluated on the first test examples with the
importance-weighted bound (Burda et al. 2016).
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


class BudgetedRun:
    """Zoo model `name` trained one step at a time until `minutes` of its own training time."""

    def __init__(
        self,
        name: str,
        minutes: float,
        overrides: list[str],
        curve_points: int,
        curve_images: tf.data.Dataset,
        data_dir: str | None,
    ):
        self.name = name
        self.config = zoo.resolve_config(name, overrides=overrides)
        self.model = build_model(self.config)
        self.steps_per_epoch = (
            data.num_examples(self.config.dataset, "train", data_dir) // self.config.batch_size
        )
        optimizer = make_optimizer(self.config, self.steps_per_epoch)
        self._train_step = make_train_step(
            self.model,
            optimizer,
            tf.distribute.get_strategy(),
            self.config.batch_size,
            self.config.grad_clip_norm,
        )
        self._nelbo = tf.function(lambda x: self.model.objective(x, training=False)[0])
        self._curve_images = curve_images
        self._batches = self._all_batches(data_dir)
        self.budget, self.elapsed, self.steps = 60.0 * minutes, 0.0, 0
        self._point_every = self.budget / curve_points
        self._next_point, self._window = self._point_every, []
        self.curve, self.compile_seconds = [], 0.0
        print(f"{name}: {self.model.count_params():,} weights, {minutes:g} min", flush=True)

    def _all_batches(self, data_dir):
        epoch = 0
        while True:
            beta = kl_beta(epoch, self.config.kl_beta_start, self.config.kl_warmup_epochs)
            self.model.kl_beta.assign(beta)
            yield from epoch_batches(self.config, epoch, data_dir)
            epoch += 1

    @property
    def done(self) -> bool:
        return self.elapsed >= self.budget

    def step(self) -> None:
        """One training step on the clock (the first, which traces, off it)."""
        batch = next(self._batches)
        start = time.time()
        loss = float(self._train_step(batch)[0])
        if self.steps == 0:
            self.compile_seconds = time.time() - start
        else:
            self.elapsed += time.time() - start
        self.steps += 1
        self._window.append(loss)
        if self.elapsed >= self._next_point or self.done:
            self._log_curve_point()

    def _log_curve_point(self) -> None:
        nelbo = np.concatenate([self._nelbo(x) for x in self._curve_images])
        point = {
            "minutes": round(self.elapsed / 60, 2),
            "step": self.steps,
            "epoch": round(self.steps / self.steps_per_epoch, 2),
            "train_loss": float(np.mean(self._window)),
            "test_nelbo": float(np.mean(nelbo)),
        }
        self.curve.append(point)
        print(f"  {self.name} {point}", flush=True)
        self._next_point += self._point_every
        self._window = []

    def evaluate(self, test: tf.data.Dataset, num_importance_samples: int, chunk_size: int):
        """The test ELBO and importance-weighted bound, with the run's figures."""
        start = time.time()
        results = evaluate(self.model, test, num_importance_samples, chunk_size, verbose=0)
        results.update(
            model=self.name,
            weights=self.model.count_params(),
            steps=self.steps,
            train_minutes=round(self.elapsed / 60, 2),
            compile_seconds=round(self.compile_seconds, 1),
            eval_minutes=round((time.time() - start) / 60, 2),
            curve=self.curve,
        )
        return results


def train_in_turn(runs: list[BudgetedRun]) -> None:
    """Steps every unfinished run in turn until each has spent its budget."""
    while not all(run.done for run in runs):
        for run in runs:
            if not run.done:
                run.step()


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
    """Trains every `--models` entry in turn, evaluates them, then prints the table."""
    logging.set_verbosity(logging.WARNING)
    FLAGS = flags.FLAGS
    dataset = zoo.resolve_config(FLAGS.models[0]).dataset

    def test_images(max_examples):
        return data.test_dataset(
            dataset, FLAGS.eval_batch_size, data_dir=FLAGS.data_dir, max_examples=max_examples
        )

    curve_images = test_images(FLAGS.curve_examples).cache()
    runs = [
        BudgetedRun(
            name, FLAGS.minutes, FLAGS.override, FLAGS.curve_points, curve_images, FLAGS.data_dir
        )
        for name in FLAGS.models
    ]
    train_in_turn(runs)
    test = test_images(FLAGS.eval_examples)
    results = [run.evaluate(test, FLAGS.num_importance_samples, FLAGS.chunk_size) for run in runs]
    print_table(results, f"{metric_name}, K={FLAGS.num_importance_samples}")
    return results
