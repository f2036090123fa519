"""Training steps over a recipe's epochs: batches, KL warm-up, skipped-update accounting."""

import contextlib
import math

import tensorflow as tf

from tfavi import data
from tfavi.errors import UserError
from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.training import fault_points
from tfavi.training.distributed_step import make_eval_step, make_recipe_train_loop
from tfavi.training.optimization import kl_beta, make_optimizer
from tfavi.training.run_directory import build_model
from tfavi.training.train_config import TrainConfig


class TooManyNonFiniteSteps(UserError, RuntimeError):
    """Training produced NaN/Inf losses or gradients too many steps in a row."""


class EpochLoop:
    """Runs `config`'s training steps, epoch by epoch, on one model and optimizer.

    The optimizer's `iterations` is the one step counter: it fixes the epoch, the position in
    the epoch's batches and the learning rate, and a skipped (non-finite) update counts as a
    step. The loop holds no files: `RunLoop` adds checkpoints and records, and the budgeted
    benchmarks run it on a clock. `state()` is everything a checkpoint must hold for a resumed
    run to continue bit for bit.

    Args:
        config: the recipe.
        model: a built model.
        optimizer: its optimizer, built on the model's trainable variables.
        steps_per_epoch: training steps per epoch.
        strategy: the `tf.distribute` strategy the model was built under.
        data_dir: TFDS data dir.

    Example:
        loop = EpochLoop.for_config(config)
        while loop.step < loop.total_steps:
            losses = loop.train(10)
    """

    def __init__(
        self,
        config: TrainConfig,
        model,
        optimizer,
        steps_per_epoch: int,
        strategy: tf.distribute.Strategy | None = None,
        data_dir: str | None = None,
    ):
        self.config = config
        self.model = model
        self.optimizer = optimizer
        self.steps_per_epoch = steps_per_epoch
        self.strategy = strategy or tf.distribute.get_strategy()
        self.data_dir = data_dir
        with self.strategy.scope():
            self.epoch_skips = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch_skips")
        self.train_loop, self.weight_average = make_recipe_train_loop(
            model, optimizer, self.strategy, config
        )
        self.eval_step = make_eval_step(
            model, self.strategy, config.graph_optimization, config.grappler_passes
        )
        self._batches, self._batches_step = None, None
        state = [v.value for v in model.weights + optimizer.variables]
        if self.weight_average is not None:
            state += list(self.weight_average.averages)
        self._finite = tf.function(lambda: _all_finite(state), autograph=False)

    @classmethod
    def for_config(cls, config: TrainConfig, strategy=None, data_dir=None) -> "EpochLoop":
        """Builds `config`'s model and optimizer under `strategy` (call after seeding)."""
        strategy = strategy or tf.distribute.get_strategy()
        full_epoch = data.num_examples(config.dataset, "train", data_dir) // config.batch_size
        steps_per_epoch = min(config.steps_per_epoch or full_epoch, full_epoch)
        with strategy.scope():
            model = build_model(config)
            optimizer = make_optimizer(config, steps_per_epoch)
            optimizer.build(model.trainable_variables)
        return cls(config, model, optimizer, steps_per_epoch, strategy, data_dir)

    @property
    def step(self) -> int:
        return int(self.optimizer.iterations.numpy())

    @property
    def epoch(self) -> int:
        """The epoch the next step belongs to (0-based)."""
        return self.step // self.steps_per_epoch

    @property
    def total_steps(self) -> int:
        return self.config.epochs * self.steps_per_epoch

    def state(self) -> dict:
        """The trackables a checkpoint holds: weights, optimizer, seed-generator states (Keras
        state but not weights: a resumed run draws the same noise), the metrics' running sums
        (a resumed epoch averages over all its steps) and the epoch's skipped updates."""
        weight_ids = {id(w) for w in self.model.weights}
        state = dict(
            model=self.model,
            optimizer=self.optimizer,
            random_state=[v.value for v in self.model.variables if id(v) not in weight_ids],
            metrics=[v.value for v in self.model.metrics_variables],
            epoch_skips=self.epoch_skips,
        )
        if self.weight_average is not None:
            state["weight_average"] = self.weight_average
        return state

    def restored(self) -> None:
        """Call after a checkpoint was read into `state()`: the data continues from the
        restored step, and no run of skipped updates leads up to it."""
        self._forget_batches()
        self.train_loop.consecutive_skips = 0

    def averaged(self):
        """A context in which the model holds the weight average (`ema_decay`), if any: the
        weights that are validated, evaluated, sampled and saved."""
        if self.weight_average is None:
            return contextlib.nullcontext()
        return self.weight_average.swapped_in()

    def train(self, num_steps: int, on_loss=None) -> list[float]:
        """Runs up to `num_steps` steps, stopping early at the end of the epoch, in calls of up
        to `steps_per_loop` steps. Returns each call's mean loss over its applied updates (NaN
        if all were skipped), each also passed to `on_loss(steps, loss)` if given."""
        epoch, done = divmod(self.step, self.steps_per_epoch)
        num_steps = min(num_steps, self.steps_per_epoch - done)
        if isinstance(self.model, HierarchicalVAE):  # A density model has no KL term.
            self.model.kl_beta.assign(self.kl_beta(epoch))
        batches = self._epoch_batches(epoch, done)
        losses, remaining = [], num_steps
        while remaining:
            count = min(self.config.steps_per_loop, remaining)
            results = self.train_loop(batches, count)
            losses.append(results["loss"])
            self._count(results)
            self._batches_step += count
            remaining -= count
            fault_points.reach("step")
            if on_loss:
                on_loss(count, losses[-1])
        if done + num_steps == self.steps_per_epoch:
            self._forget_batches()
        return losses

    def kl_beta(self, epoch: int) -> float:
        """The KL weight of `epoch` (0-based) under the recipe's warm-up."""
        return kl_beta(epoch, self.config.kl_beta_start, self.config.kl_warmup_epochs)

    def weights_finite(self) -> bool:
        """True if every weight and optimizer variable is finite (one pass on the device)."""
        return bool(self._finite())

    def end_epoch(self) -> tuple[dict, int]:
        """The epoch's training metrics and skipped updates; resets both for the next epoch.
        The metrics are None if every update of the epoch was skipped."""
        skipped = int(self.epoch_skips.numpy())
        metrics = read_metrics(self.model)
        if skipped >= self.steps_per_epoch:
            metrics = dict.fromkeys(metrics)
        self.epoch_skips.assign(0)
        return metrics, skipped

    def validate(self, dataset: tf.data.Dataset) -> dict:
        """The metrics of the model (its weight average, if any) over `dataset`."""
        read_metrics(self.model)
        with self.averaged():
            for batch in self.strategy.experimental_distribute_dataset(dataset):
                self.eval_step(batch)
        return read_metrics(self.model)

    def _forget_batches(self) -> None:
        """Drops the open epoch's batches (at its end, or after the step counter was restored)."""
        self._batches = None

    def _epoch_batches(self, epoch: int, done: int):
        if self._batches is None or self._batches_step != self.step:
            dataset = data.train_dataset(
                self.config.dataset,
                self.config.batch_size,
                epoch,
                self.config.seed,
                data_dir=self.data_dir,
                shuffle_buffer=self.config.shuffle_buffer,
                random_flip=self.config.random_flip,
                skip_batches=done,
            ).take(self.steps_per_epoch - done)
            self._batches = iter(self.strategy.experimental_distribute_dataset(dataset))
            self._batches_step = self.step
        return self._batches

    def _count(self, results: dict) -> None:
        self.epoch_skips.assign_add(results["skipped"])
        if results["max_consecutive_skips"] >= self.config.max_consecutive_skips:
            raise TooManyNonFiniteSteps(
                f"{results['max_consecutive_skips']} updates in a row had NaN/Inf loss or "
                f"gradients (by step {self.step}). Lower learning_rate, set grad_clip_norm, or "
                "check the data."
            )


def read_metrics(model) -> dict:
    """Reads and resets the model's metrics."""
    results = {m.name: float(m.result()) for m in model.metrics}
    for metric in model.metrics:
        metric.reset_state()
    return results


def non_finite(metrics: dict) -> list[str]:
    """The names of the metrics whose value is NaN or infinite."""
    return [k for k, v in metrics.items() if v is not None and not math.isfinite(v)]


def _all_finite(variables):
    floats = [v for v in variables if v.dtype.is_floating]
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(v)) for v in floats])
