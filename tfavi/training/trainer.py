"""`train_and_evaluate(config, workdir)`: the whole run, resumable from its workdir."""

import contextlib
import json
import os
import shutil
import time

import keras
import tensorflow as tf

from tfavi import data
from tfavi.evaluation.evaluator import evaluate
from tfavi.evaluation.image_grid import image_grid
from tfavi.evaluation.image_writer import write_reconstructions, write_sample_grids
from tfavi.training import run_directory
from tfavi.training.distributed_step import make_eval_step, make_train_loop_fn
from tfavi.training.optimization import kl_beta, make_optimizer
from tfavi.training.train_config import TrainConfig
from tfavi.training.weight_average import WeightAverage


class TooManyNonFiniteSteps(RuntimeError):
    """Training produced NaN/Inf losses or gradients too many steps in a row."""


def train_and_evaluate(
    config: TrainConfig,
    workdir: str,
    *,
    strategy: tf.distribute.Strategy | None = None,
    data_dir: str | None = None,
    verbose: int = 1,
) -> dict:
    """Trains `config`'s model in `workdir`, resuming from its last checkpoint, then writes
    `model.keras`, the test evaluation (`eval.json`) and sample grids. Returns the evaluation.
    """
    strategy = strategy or tf.distribute.get_strategy()
    chief = run_directory.is_chief(strategy)
    if chief:
        run_directory.save_or_check_config(config, workdir)
    keras.utils.set_random_seed(config.seed)
    train_examples = data.num_examples(config.dataset, "train", data_dir)
    full_epoch = train_examples // config.batch_size
    steps_per_epoch = min(config.steps_per_epoch or full_epoch, full_epoch)

    with strategy.scope():
        model = run_directory.build_model(config)
        optimizer = make_optimizer(config, steps_per_epoch)
        optimizer.build(model.trainable_variables)
        step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        average = (
            WeightAverage(model.trainable_variables, config.ema_decay) if config.ema_decay else None
        )
    # Seed-generator states are Keras state but not weights: checkpoint them so a resumed run
    # draws the same noise as an uninterrupted one.
    weight_ids = {id(w) for w in model.weights}
    random_state = [v.value for v in model.variables if id(v) not in weight_ids]
    checkpoint = tf.train.Checkpoint(
        model=model, optimizer=optimizer, step=step, random_state=random_state
    )
    if average is not None:
        checkpoint.weight_average = average
    # Validation, evaluation, samples and `model.keras` use the weight average if there is one.
    averaged = average.swapped_in if average is not None else contextlib.nullcontext
    checkpoint_dir = os.path.join(workdir, run_directory.CHECKPOINT_DIR)
    latest = tf.train.latest_checkpoint(checkpoint_dir)
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
        _log(verbose, f"Resuming from {latest} at step {int(step.numpy())}.")
    save_dir = (
        checkpoint_dir if chief else os.path.join(workdir, f"tmp_worker_{_task_id(strategy)}")
    )
    manager = tf.train.CheckpointManager(checkpoint, save_dir, max_to_keep=2)

    def save_checkpoint():
        manager.save(checkpoint_number=int(step.numpy()))
        if not chief:
            shutil.rmtree(save_dir, ignore_errors=True)

    train_loop = make_train_loop_fn(
        model,
        optimizer,
        strategy,
        config.batch_size,
        config.steps_per_loop,
        config.grad_clip_norm,
        config.graph_optimization,
        jit_compile=config.jit_compile,
        weight_average=average,
    )
    eval_step = make_eval_step(model, strategy, config.graph_optimization)
    summary = tf.summary.create_file_writer(
        os.path.join(workdir, "tensorboard") if chief else os.path.join(save_dir, "tensorboard")
    )
    spec = data.get_spec(config.dataset)
    for epoch in range(int(step.numpy()) // steps_per_epoch, config.epochs):
        start_time = time.time()
        done = int(step.numpy()) - epoch * steps_per_epoch
        model.kl_beta.assign(kl_beta(epoch, config.kl_beta_start, config.kl_warmup_epochs))
        batches = epoch_batches(config, epoch, data_dir, skip_batches=done).take(
            steps_per_epoch - done
        )
        _log(verbose, f"Epoch {epoch + 1}/{config.epochs}")
        progress = keras.utils.Progbar(steps_per_epoch, verbose=verbose)
        progress.update(done)
        skipped = 0
        _results(model)  # Clears the metrics of a partial epoch before a resume.
        iterator = iter(strategy.experimental_distribute_dataset(batches))
        every = config.checkpoint_every_steps or steps_per_epoch
        while done < steps_per_epoch:
            # A loop ends at the epoch's end and at every checkpoint step.
            to_checkpoint = every - int(step.numpy()) % every
            count = min(config.steps_per_loop, steps_per_epoch - done, to_checkpoint)
            results = train_loop(iterator, count)
            step.assign_add(count)
            done += count
            skipped += results["skipped"]
            if results["max_consecutive_skips"] >= config.max_consecutive_skips:
                raise TooManyNonFiniteSteps(
                    f"{results['max_consecutive_skips']} updates in a row had NaN/Inf loss or "
                    f"gradients (by step {int(step.numpy())}). Lower learning_rate, set "
                    "grad_clip_norm, or check the data; the last good checkpoint is in the workdir."
                )
            progress.add(count, [("loss", results["loss"])])
            if config.checkpoint_every_steps and count == to_checkpoint:
                save_checkpoint()
        train_metrics = _results(model)
        validation = data.eval_dataset(
            config.dataset,
            spec.validation_split,
            config.eval_batch_size,
            data_dir=data_dir,
            max_examples=config.eval_examples,
        )
        with averaged():
            for batch in strategy.experimental_distribute_dataset(validation):
                eval_step(batch)
        val_metrics = _results(model)
        save_checkpoint()
        record = {
            "epoch": epoch + 1,
            "step": int(step.numpy()),
            "learning_rate": _current_lr(optimizer),
            "kl_beta": float(model.kl_beta.numpy()),
            "skipped_updates": skipped,
            "seconds": round(time.time() - start_time, 2),
            "train": train_metrics,
            "val": val_metrics,
        }
        if chief:
            run_directory.append_metrics(workdir, record)
            _write_summaries(summary, record, model, config)
        _log(
            verbose,
            f"epoch {epoch + 1}: train nelbo {train_metrics['nelbo']:.3f} | val nelbo "
            f"{val_metrics['nelbo']:.3f} ({val_metrics['bits_per_dim']:.4f} bits/dim) | "
            f"kl {train_metrics['kl']:.3f} | lr {record['learning_rate']:.2e} | "
            f"beta {record['kl_beta']:.3f} | skipped {skipped} | {record['seconds']:.1f}s",
        )
    if not chief:
        return {}
    with averaged():
        return finish_run(model, config, workdir, data_dir=data_dir, verbose=verbose)


def epoch_batches(config: TrainConfig, epoch: int, data_dir=None, skip_batches: int = 0):
    """The recipe's training batches of `epoch` (see `tfavi.data.train_dataset`)."""
    return data.train_dataset(
        config.dataset,
        config.batch_size,
        epoch,
        config.seed,
        data_dir=data_dir,
        shuffle_buffer=config.shuffle_buffer,
        random_flip=config.random_flip,
        skip_batches=skip_batches,
    )


def finish_run(
    model, config: TrainConfig, workdir: str, *, data_dir=None, verbose: int = 1
) -> dict:
    """Saves `model.keras`, evaluates on the test split into `eval.json`, writes image grids."""
    model.save(os.path.join(workdir, run_directory.MODEL_FILE))
    test = data.test_dataset(
        config.dataset, config.eval_batch_size, data_dir=data_dir, max_examples=config.eval_examples
    )
    _log(verbose, f"Evaluating on the test split with K = {config.num_importance_samples}.")
    results = evaluate(
        model, test, config.num_importance_samples, config.importance_chunk_size, verbose=verbose
    )
    run_directory.write_atomically(os.path.join(workdir, run_directory.EVAL_FILE), _json(results))
    images_dir = os.path.join(workdir, "samples")
    write_sample_grids(
        model, images_dir, config.sample_temperatures, config.num_sample_images, config.seed
    )
    write_reconstructions(model, next(iter(test))[: config.num_sample_images], images_dir)
    _log(
        verbose,
        f"test: nelbo {results['nelbo']:.3f} nats ({results['elbo_bits_per_dim']:.4f} bits/dim), "
        f"nll (K={results['num_importance_samples']}) {results['nll']:.3f} nats "
        f"({results['nll_bits_per_dim']:.4f} bits/dim) over {results['examples']} examples",
    )
    return results


def _results(model) -> dict:
    """Reads and resets the model's metrics."""
    results = {m.name: float(m.result()) for m in model.metrics}
    for metric in model.metrics:
        metric.reset_state()
    return results


def _current_lr(optimizer) -> float:
    """The rate of the next update (Keras evaluates a schedule at the current iteration)."""
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def _write_summaries(writer, record: dict, model, config: TrainConfig) -> None:
    with writer.as_default(step=record["step"]):
        for split in ("train", "val"):
            for name, value in record[split].items():
                tf.summary.scalar(f"{split}/{name}", value)
        for name in ("learning_rate", "kl_beta", "skipped_updates"):
            tf.summary.scalar(name, record[name])
        samples = model.sample(config.num_sample_images, temperature=1.0, seed=config.seed)
        tf.summary.image("samples", image_grid(samples)[tf.newaxis])
    writer.flush()


def _task_id(strategy) -> int:
    return strategy.cluster_resolver.task_id


def _json(results: dict) -> str:
    return json.dumps(results, indent=2)


def _log(verbose: int, message: str) -> None:
    if verbose:
        print(message, flush=True)
