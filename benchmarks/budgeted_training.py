"""Zoo models trained for equal wall-clock budgets, in turn, in one process.

Each model trains with its zoo recipe (plus overrides) for the same number of minutes of
training time, counted on its own clock (evaluation and the first step's tracing are off the
clock). The models take one step each in turn, so the load of a shared machine falls on all
of them alike. Each logs a learning curve of the training objective and of the test negative
ELBO on a fixed subset of test images.
"""

import time

import numpy as np
import tensorflow as tf

from tfavi import data, zoo
from tfavi.evaluation.evaluator import evaluate
from tfavi.models import HierarchicalVAE
from tfavi.training.distributed_step import make_train_step
from tfavi.training.optimization import kl_beta, make_optimizer
from tfavi.training.run_directory import build_model
from tfavi.training.trainer import epoch_batches


class BudgetedRun:
    """Zoo model `name` trained one step at a time until `minutes` of its own training time.

    `label` names the run in logs and results (default: `name`), so that variants of one zoo
    model made by `overrides` can be told apart.
    """

    def __init__(
        self,
        name: str,
        minutes: float,
        overrides: list[str],
        curve_points: int,
        curve_images: tf.data.Dataset,
        data_dir: str | None,
        label: str | None = None,
    ):
        self.name = label or name
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
        print(f"{self.name}: {self.model.count_params():,} weights, {minutes:g} min", flush=True)

    def _all_batches(self, data_dir):
        epoch = 0
        while True:
            if isinstance(self.model, HierarchicalVAE):  # A density model has no KL term.
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
            # Non-finite steps update nothing (make_train_step skips them): count, not average.
            "train_loss": float(np.mean([x for x in self._window if np.isfinite(x)] or np.nan)),
            "skipped_steps": int(np.sum(~np.isfinite(self._window))),
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
