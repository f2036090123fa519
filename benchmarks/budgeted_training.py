"""Zoo models trained for equal wall-clock budgets, in turn, in one process.

Each model trains with its zoo recipe (plus overrides) for the same number of minutes of
training time, counted on its own clock (evaluation and the first step's tracing are off the
clock). The models take one step each in turn, so the load of a shared machine falls on all
of them alike. Each logs a learning curve of the training objective and of the test negative
ELBO on a fixed subset of test images.
"""

import tfavi  # noqa: F401, I001  (before TensorFlow, as the tools: tfavi.cpu_kernels)
import json
import os
import time

import numpy as np
import tensorflow as tf

from tfavi import zoo
from tfavi.evaluation.evaluator import evaluate
from tfavi.training.epoch_loop import EpochLoop
from tfavi.training.run_directory import write_atomically


class BudgetedRun:
    """Zoo model `name` trained one step at a time until `minutes` of its own training time,
    by the training loop of `tools/train.py` (`EpochLoop`) without its files.

    `label` names the run in logs and results (default: `name`), so that variants of one zoo
    model made by `overrides` can be told apart; `max_steps` also ends it after that many
    steps. `save` and `restore` checkpoint the run (model, optimizer, clock, curve); a
    restored run continues the data where it stopped.
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
        max_steps: int | None = None,
    ):
        self.name = label or name
        self.config = zoo.resolve_config(name, overrides=overrides)
        self.loop = EpochLoop.for_config(self.config.replace(steps_per_epoch=0), data_dir=data_dir)
        self.model, self.steps_per_epoch = self.loop.model, self.loop.steps_per_epoch
        self._nelbo = tf.function(lambda x: self.model.objective(x, training=False)[0])
        self._curve_images = curve_images
        self.budget, self.elapsed, self.steps = 60.0 * minutes, 0.0, 0
        self.max_steps = max_steps
        self._point_every = self.budget / curve_points
        self._next_point, self._window = self._point_every, []
        self.curve, self.compile_seconds = [], 0.0
        self.timed_steps, self._traced = 0, False
        print(f"{self.name}: {self.model.count_params():,} weights, {minutes:g} min", flush=True)

    @property
    def done(self) -> bool:
        return self.elapsed >= self.budget or self.steps >= (self.max_steps or np.inf)

    def step(self) -> None:
        """One training step on the clock (the first of the process, which traces, off it)."""
        start = time.time()
        (loss,) = self.loop.train(1)
        if self._traced:
            self.elapsed += time.time() - start
            self.timed_steps += 1
        else:  # the first step in this process traces the step function
            self.compile_seconds += time.time() - start
            self._traced = True
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

    def save(self, directory: str) -> None:
        """Writes the loop's state (model, optimizer, noise) and the run's clock and curve to
        `directory`."""
        tf.train.Checkpoint(**self.loop.state()).write(os.path.join(directory, "checkpoint"))
        write_atomically(os.path.join(directory, "run_state.json"), json.dumps(self._state()))

    def restore(self, directory: str) -> bool:
        """Restores a run saved in `directory`; False if there is none."""
        path = os.path.join(directory, "run_state.json")
        if not os.path.exists(path):
            return False
        tf.train.Checkpoint(**self.loop.state()).read(
            os.path.join(directory, "checkpoint")
        ).assert_existing_objects_matched()
        self.loop.restored()
        with open(path) as f:
            state = json.load(f)
        self.elapsed, self.steps = state["elapsed"], state["steps"]
        self.curve, self.compile_seconds = state["curve"], state["compile_seconds"]
        self.timed_steps = state["timed_steps"]
        self._next_point = (len(self.curve) + 1) * self._point_every
        self._window = []
        return True

    def _state(self) -> dict:
        return dict(
            elapsed=self.elapsed,
            steps=self.steps,
            curve=self.curve,
            compile_seconds=self.compile_seconds,
            timed_steps=self.timed_steps,
        )

    def evaluate(self, test: tf.data.Dataset, num_importance_samples: int, chunk_size: int):
        """The test ELBO and importance-weighted bound, with the run's figures."""
        start = time.time()
        results = evaluate(self.model, test, num_importance_samples, chunk_size, verbose=0)
        return dict(results, **self.figures(), eval_minutes=round((time.time() - start) / 60, 2))

    def figures(self) -> dict:
        """The run's name, size, steps, training and tracing time and learning curve."""
        return dict(
            model=self.name,
            weights=self.model.count_params(),
            steps=self.steps,
            train_minutes=round(self.elapsed / 60, 2),
            compile_seconds=round(self.compile_seconds, 1),
            curve=self.curve,
        )


def train_in_turn(runs: list[BudgetedRun], after_step=None) -> None:
    """Steps every unfinished run in turn until each has spent its budget; `after_step(run)`
    (e.g. a checkpoint) follows every step."""
    while not all(run.done for run in runs):
        for run in runs:
            if not run.done:
                run.step()
                if after_step is not None:
                    after_step(run)
