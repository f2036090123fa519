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

from tfavi import zoo
from tfavi.evaluation.evaluator import evaluate
from tfavi.training.epoch_loop import EpochLoop


class BudgetedRun:
    """Zoo model `name` trained one step at a time until `minutes` of its own training time,
    by the training loop of `tools/train.py` (`EpochLoop`) without its files.

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
        self.loop = EpochLoop.for_config(self.config.replace(steps_per_epoch=0), data_dir=data_dir)
        self.model, self.steps_per_epoch = self.loop.model, self.loop.steps_per_epoch
        self._nelbo = tf.function(lambda x: self.model.objective(x, training=False)[0])
        self._curve_images = curve_images
        self.budget, self.elapsed, self.steps = 60.0 * minutes, 0.0, 0
        self._point_every = self.budget / curve_points
        self._next_point, self._window = self._point_every, []
        self.curve, self.compile_seconds = [], 0.0
        print(f"{self.name}: {self.model.count_params():,} weights, {minutes:g} min", flush=True)

    @property
    def done(self) -> bool:
        return self.elapsed >= self.budget

    def step(self) -> None:
        """One training step on the clock (the first, which traces, off it)."""
        start = time.time()
        (loss,) = self.loop.train(1)
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
