"""`train_and_evaluate(config, workdir)`: the whole run, resumable from its workdir."""

import contextlib
import os

import keras
import tensorflow as tf

from tfavi import data
from tfavi.evaluation.image_writer import write_reconstructions, write_sample_grids
from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.training import run_directory
from tfavi.training.epoch_loop import EpochLoop
from tfavi.training.final_evaluation import evaluate_run
from tfavi.training.run_loop import RunLoop
from tfavi.training.train_config import TrainConfig
from tfavi.training.workdir_lock import WorkdirLock


def train_and_evaluate(
    config: TrainConfig,
    workdir: str,
    *,
    strategy: tf.distribute.Strategy | None = None,
    data_dir: str | None = None,
    verbose: int = 1,
    restart: bool = False,
) -> dict:
    """Trains `config`'s model in `workdir`, resuming from its last checkpoint, then writes
    `model.keras`, the test evaluation (`eval.json`) and sample grids. Returns the evaluation.

    One trainer at a time holds the workdir. A workdir that holds an earlier run but no usable
    checkpoint is refused unless `restart`, which deletes that run first.
    """
    strategy = strategy or tf.distribute.get_strategy()
    chief = run_directory.is_chief(strategy)
    with WorkdirLock(workdir) if chief else contextlib.nullcontext():
        if chief:
            _prepare(config, workdir, restart, verbose)
        keras.utils.set_random_seed(config.seed)
        loop = EpochLoop.for_config(config, strategy, data_dir)
        task_id = 0 if chief else strategy.cluster_resolver.task_id
        run = RunLoop(loop, workdir, chief, task_id, verbose=verbose)
        run.restore_or_start()
        run.run()
        if not chief:
            return {}
        with run.final_weights():
            return finish_run(loop.model, config, workdir, data_dir=data_dir, verbose=verbose)


def _prepare(config: TrainConfig, workdir: str, restart: bool, verbose: int) -> None:
    """Clears the workdir on `restart`, removes dead processes' leftovers, checks the config."""
    if restart:
        run_directory.clear_run(workdir)
    for path in run_directory.clean_leftovers(workdir):
        _log(verbose, f"Removed {path}, left by an interrupted run.")
    run_directory.save_or_check_config(config, workdir)


def finish_run(
    model, config: TrainConfig, workdir: str, *, data_dir=None, verbose: int = 1
) -> dict:
    """Saves `model.keras`, evaluates on the test split into `eval.json` (unless it already
    holds the evaluation of these weights), writes image grids."""
    run_directory.save_model(model, workdir)
    test = data.test_dataset(
        config.dataset, config.eval_batch_size, data_dir=data_dir, max_examples=config.eval_examples
    )
    results = evaluate_run(model, config, workdir, data_dir=data_dir, verbose=verbose)
    images_dir = os.path.join(workdir, run_directory.SAMPLES_DIR)
    write_sample_grids(
        model, images_dir, config.sample_temperatures, config.num_sample_images, config.seed
    )
    if isinstance(model, HierarchicalVAE):
        write_reconstructions(model, next(iter(test))[: config.num_sample_images], images_dir)
    _log(
        verbose,
        f"test: nelbo {results['nelbo']:.3f} nats ({results['elbo_bits_per_dim']:.4f} bits/dim), "
        f"nll (K={results['num_importance_samples']}) {results['nll']:.3f} nats "
        f"({results['nll_bits_per_dim']:.4f} bits/dim) over {results['examples']} examples",
    )
    return results


def _log(verbose: int, message: str) -> None:
    if verbose:
        print(message, flush=True)
