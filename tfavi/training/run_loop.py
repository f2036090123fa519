"""The loop of a run in its workdir: checkpoints, epoch records, summaries and rollbacks."""

import contextlib
import os
import time

import keras
import tensorflow as tf

from tfavi import data
from tfavi.errors import UserError
from tfavi.evaluation.image_grid import image_grid
from tfavi.training import checkpoint_files, fault_points, metrics_file, run_directory
from tfavi.training.early_stopping import BestWeights, EarlyStopping
from tfavi.training.epoch_loop import EpochLoop, TooManyNonFiniteSteps, non_finite


class NonFiniteWeights(UserError, RuntimeError):
    """The weights kept becoming NaN/Inf after rolling back."""


class NonFiniteValidation(UserError, RuntimeError):
    """Validation of finite weights gave a NaN/Inf metric."""


class RunLoop:
    """Trains an `EpochLoop` to its last step in `workdir`, resumable at every checkpoint.

    The steps run in segments that end at the next checkpoint (every `checkpoint_every_steps`
    and at each epoch's end). After a segment the weights are checked: non-finite ones are
    rolled back to the last checkpoint (at most `max_rollbacks` times, then the run stops),
    so no checkpoint holds a NaN. At an epoch's end the loop validates, appends the epoch's
    record to `metrics.jsonl`, then checkpoints; on resume the records past the checkpoint are
    dropped and rerun, so records and checkpoints always agree. With
    `early_stopping_patience`, the run ends once that many epochs pass without a better
    validation negative ELBO; the best epoch's weights are kept in `best/` (`BestWeights`)
    and `final_weights()` puts them in the model.

    Args:
        loop: the steps to run.
        workdir: the run's folder; only the chief writes it.
        chief: whether this process writes the workdir (others save throwaway checkpoints).
        task_id: this worker's index (names a non-chief's throwaway folder).
        extra_state: further trackables to checkpoint, by name (e.g. an average of weights).
        verbose: 0 silent, 1 progress bars and epoch lines.
    """

    def __init__(
        self,
        loop: EpochLoop,
        workdir: str,
        chief: bool = True,
        task_id: int = 0,
        extra_state: dict | None = None,
        verbose: int = 1,
    ):
        self.loop = loop
        self.config = loop.config
        self.workdir = workdir
        self.chief = chief
        self.verbose = verbose
        self.checkpoint = tf.train.Checkpoint(**loop.state(), **(extra_state or {}))
        self.checkpoint_dir = os.path.join(workdir, run_directory.CHECKPOINT_DIR)
        self.save_dir = (
            self.checkpoint_dir if chief else os.path.join(workdir, f"tmp_worker_{task_id}")
        )
        self.summary = tf.summary.create_file_writer(
            os.path.join(workdir if chief else self.save_dir, "tensorboard")
        )
        self.last_checkpoint = None
        self.rollbacks = 0
        patience = self.config.early_stopping_patience
        self.stopping = EarlyStopping(patience, self.config.early_stopping_min_delta)
        self.best = BestWeights(workdir) if patience else None
        self._progress, self._epoch_start = None, 0.0

    def restore_or_start(self) -> None:
        """Resumes from the latest usable checkpoint, or checkpoints step 0 of a new run."""
        found = checkpoint_files.restore_latest(
            self.checkpoint,
            self.checkpoint_dir,
            usable=self.loop.weights_finite,
            reader=not self.chief,  # Only the chief moves unusable files aside.
        )
        if found is None:
            if self.chief:
                run_directory.check_nothing_to_resume(self.workdir)
            self._save()
            return
        step, self.last_checkpoint = found
        self._log(f"Resuming from {self.last_checkpoint} at step {step}.")
        if self.chief:
            metrics_file.reconcile(self.workdir, step)
        records = [r for r in metrics_file.read(self.workdir) if r["step"] <= step]
        self.stopping = EarlyStopping.from_records(
            records, self.stopping.patience, self.stopping.min_delta
        )

    def run(self) -> None:
        """Trains to the recipe's last step, or until early stopping says to stop."""
        while self.loop.step < self.loop.total_steps and not self.stopping.should_stop:
            self._segment()
        if self.stopping.should_stop:
            self._log(
                f"Early stopping after epoch {self.stopping.last_epoch}: no better validation "
                f"negative ELBO than epoch {self.stopping.best_epoch}'s "
                f"{self.stopping.best_nelbo:.3f} for {self.stopping.patience} epochs."
            )

    @contextlib.contextmanager
    def final_weights(self):
        """A context in which the model holds the weights a finished run saves and evaluates:
        the best validated epoch's with early stopping (loaded on entering, for good: the run
        is over), else the weight average if any."""
        if self.best is None:
            with self.loop.averaged():
                yield
            return
        self.best.restore(self.loop.model, self.stopping.best_epoch)
        yield

    def _segment(self) -> None:
        loop = self.loop
        start = loop.step
        epoch, done = divmod(start, loop.steps_per_epoch)
        if done == 0 or self._progress is None:
            self._begin_epoch(epoch, done)
        try:
            loop.train(self._next_checkpoint(start) - start, self._show_loss)
        except TooManyNonFiniteSteps as error:
            raise TooManyNonFiniteSteps(
                f"{error} The last checkpoint, {self.last_checkpoint}, holds finite weights."
            ) from None
        if not loop.weights_finite():
            self._roll_back(start)
        elif loop.step % loop.steps_per_epoch == 0:
            self._end_epoch(epoch)
        else:
            self._save()

    def _begin_epoch(self, epoch: int, done: int) -> None:
        self._log(f"Epoch {epoch + 1}/{self.config.epochs}")
        self._progress = keras.utils.Progbar(self.loop.steps_per_epoch, verbose=self.verbose)
        self._progress.update(done)
        self._epoch_start = time.time()

    def _show_loss(self, steps: int, loss: float) -> None:
        self._progress.add(steps, [("loss", loss)])

    def _next_checkpoint(self, step: int) -> int:
        epoch_end = (step // self.loop.steps_per_epoch + 1) * self.loop.steps_per_epoch
        every = self.config.checkpoint_every_steps
        return min((step // every + 1) * every, epoch_end) if every else epoch_end

    def _end_epoch(self, epoch: int) -> None:
        train, skipped = self.loop.end_epoch()
        val = self.loop.validate(self._validation_data())
        bad = non_finite(val)
        if bad:
            raise NonFiniteValidation(
                f"Validation after epoch {epoch + 1} gave non-finite {', '.join(bad)} although "
                "the weights are finite: check the validation data or lower learning_rate. The "
                f"last checkpoint, {self.last_checkpoint}, holds finite weights."
            )
        record = {
            "epoch": epoch + 1,
            "step": self.loop.step,
            "learning_rate": float(keras.ops.convert_to_numpy(self.loop.optimizer.learning_rate)),
            "kl_beta": self.loop.kl_beta(epoch),
            "skipped_updates": skipped,
            "seconds": round(time.time() - self._epoch_start, 2),
            "train": train,
            "val": val,
        }
        if skipped == self.loop.steps_per_epoch:
            record["reason"] = "every update of the epoch was skipped (NaN/Inf loss or gradients)"
        if self.stopping.update(epoch + 1, val["nelbo"]) and self.best and self.chief:
            with self.loop.averaged():  # The validated weights.
                self.best.save(self.loop.model, epoch + 1)
        if self.best:
            record["best_epoch"] = self.stopping.best_epoch
        fault_points.reach("before_record")
        if self.chief:
            metrics_file.append(self.workdir, record)
        fault_points.reach("before_checkpoint")
        self._save()
        fault_points.reach("after_checkpoint")
        if self.best and self.chief:
            self.best.prune(self.stopping.best_epoch)
        if self.chief:
            self._write_summaries(record)
        self._log(_epoch_line(record))
        self._progress = None

    def _save(self) -> None:
        step = self.loop.step
        checkpoint_files.save(self.checkpoint, self.save_dir, step)
        if not self.chief:
            tf.io.gfile.rmtree(self.save_dir)
        self.last_checkpoint = checkpoint_files.checkpoint_path(self.checkpoint_dir, step)

    def _roll_back(self, start: int) -> None:
        self.rollbacks += 1
        where = f"between steps {start} and {self.loop.step}"
        if self.rollbacks > self.config.max_rollbacks:
            raise NonFiniteWeights(
                f"The weights became NaN/Inf {where} again after {self.config.max_rollbacks} "
                f"rollbacks: training diverges. The last checkpoint, {self.last_checkpoint}, "
                "holds finite weights. Lower learning_rate or set grad_clip_norm, and train in "
                "a new --workdir (or pass --restart)."
            )
        print(
            f"WARNING: the weights became NaN/Inf {where}; rolling back to "
            f"{self.last_checkpoint} (rollback {self.rollbacks} of at most "
            f"{self.config.max_rollbacks}).",
            flush=True,
        )
        self.checkpoint.read(self.last_checkpoint).assert_existing_objects_matched()
        self.loop.restored()
        self._progress = None

    def _validation_data(self) -> tf.data.Dataset:
        return data.eval_dataset(
            self.config.dataset,
            data.get_spec(self.config.dataset).validation_split,
            self.config.eval_batch_size,
            data_dir=self.loop.data_dir,
            max_examples=self.config.eval_examples,
        )

    def _write_summaries(self, record: dict) -> None:
        with self.summary.as_default(step=record["step"]):
            for split in ("train", "val"):
                for name, value in record[split].items():
                    if value is not None:
                        tf.summary.scalar(f"{split}/{name}", value)
            for name in ("learning_rate", "kl_beta", "skipped_updates"):
                tf.summary.scalar(name, record[name])
            samples = self.loop.model.sample(
                self.config.num_sample_images, temperature=1.0, seed=self.config.seed
            )
            tf.summary.image("samples", image_grid(samples)[tf.newaxis])
        self.summary.flush()

    def _log(self, message: str) -> None:
        if self.verbose:
            print(message, flush=True)


def _epoch_line(record: dict) -> str:
    train, val = record["train"], record["val"]

    def number(value, spec):
        return "n/a" if value is None else format(value, spec)

    kl = f"kl {number(train['kl'], '.3f')} | " if "kl" in train else ""  # None: no latents
    return (
        f"epoch {record['epoch']}: train nelbo {number(train['nelbo'], '.3f')} | val nelbo "
        f"{val['nelbo']:.3f} ({val['bits_per_dim']:.4f} bits/dim) | {kl}lr "
        f"{record['learning_rate']:.2e} | beta {record['kl_beta']:.3f} | skipped "
        f"{record['skipped_updates']} | {record['seconds']:.1f}s"
    )
