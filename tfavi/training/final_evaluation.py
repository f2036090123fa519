"""The test evaluation of a run (`eval.json`), recorded with what it was computed from.

The evaluation is a pure function of the weights and the config's evaluation fields (its
noise is seeded by `config.seed`), so `tools/evaluate.py` reproduces the run's own numbers,
and a rerun of a finished run reuses an `eval.json` computed from the same weights and fields.
"""

import hashlib
import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfavi import data
from tfavi.evaluation.evaluator import evaluate
from tfavi.training import run_directory
from tfavi.training.train_config import TrainConfig

EVAL_FIELDS = (
    "dataset",
    "eval_batch_size",
    "eval_examples",
    "num_importance_samples",
    "importance_chunk_size",
    "seed",
)
"""The config fields an evaluation depends on."""


def evaluate_run(
    model,
    config: TrainConfig,
    workdir: str,
    *,
    data_dir: str | None = None,
    reuse: bool = True,
    verbose: int = 1,
) -> dict:
    """Evaluates `model` on the test split as `config` says and writes `eval.json`, with a
    `computed_from` record (step, evaluation fields, weights fingerprint). With `reuse`, an
    `eval.json` already computed from the same record is returned without evaluating."""
    path = os.path.join(workdir, run_directory.EVAL_FILE)
    source = {
        "step": _last_step(workdir),
        "config": {name: getattr(config, name) for name in EVAL_FIELDS},
        "weights_sha256": weights_fingerprint(model),
    }
    previous = _read_json(path) if reuse else None
    if previous and previous.get("computed_from") == source:
        if verbose:
            print(f"{path} holds the evaluation of these weights; not evaluating again.")
        return previous
    if verbose:
        print(f"Evaluating on the test split with K = {config.num_importance_samples}.")
    test = data.test_dataset(
        config.dataset, config.eval_batch_size, data_dir=data_dir, max_examples=config.eval_examples
    )
    results = evaluate(
        model,
        test,
        config.num_importance_samples,
        config.importance_chunk_size,
        verbose=verbose,
        seed=config.seed,
    )
    results["computed_from"] = source
    run_directory.write_atomically(path, json.dumps(results, indent=2))
    return results


def weights_fingerprint(model) -> str:
    """SHA-256 of every weight's bytes, in the model's weight order."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight)).tobytes())
    return digest.hexdigest()


def _last_step(workdir: str) -> int | None:
    """The step of the last epoch record in `metrics.jsonl` (None if there is none)."""
    path = os.path.join(workdir, run_directory.METRICS_FILE)
    if not tf.io.gfile.exists(path):
        return None
    step = None
    with tf.io.gfile.GFile(path) as f:
        for line in f:
            try:
                step = json.loads(line).get("step", step)
            except (json.JSONDecodeError, AttributeError):
                continue
    return step


def _read_json(path: str) -> dict | None:
    if not tf.io.gfile.exists(path):
        return None
    with tf.io.gfile.GFile(path) as f:
        try:
            return json.loads(f.read())
        except json.JSONDecodeError:
            return None
