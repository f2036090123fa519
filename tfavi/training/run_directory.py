"""The workdir: the unit of a run (config, metrics, checkpoints, model, images).

Layout: `config.json`, `metrics.jsonl`, `checkpoints/`, `tensorboard/`, `model.keras`,
`eval.json`, `samples/*.png`, and `train.lock` while a trainer runs.
"""

import dataclasses
import io
import json
import os
import re
import zipfile

import keras
import tensorflow as tf
from absl import logging

from tfavi.errors import ConfigError, CorruptFileError, MissingFileError, UserError
from tfavi.training import checkpoint_files, fault_points, precision
from tfavi.training.early_stopping import BEST_DIR
from tfavi.training.train_config import TrainConfig
from tfavi.training.workdir_lock import LOCK_FILE

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
MODEL_FILE = "model.keras"
EVAL_FILE = "eval.json"
CHECKPOINT_DIR = "checkpoints"
SAMPLES_DIR = "samples"
# What a run writes besides `config.json`: `clear_run` deletes it.
RUN_OUTPUTS = (
    METRICS_FILE,
    "metrics.rejected.jsonl",
    MODEL_FILE,
    EVAL_FILE,
    CHECKPOINT_DIR,
    "tensorboard",
    SAMPLES_DIR,
    BEST_DIR,
)


class RunWithoutCheckpoint(UserError, RuntimeError):
    """The workdir holds a run's outputs but no checkpoint to resume from."""


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True on the process that writes the workdir (the only one without multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker"
        and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )


def write_atomically(path: str, text: str) -> None:
    """Writes `text` to `path` through a temporary file and a rename."""
    tmp = f"{path}.tmp"
    with tf.io.gfile.GFile(tmp, "w") as f:
        f.write(text)
    tf.io.gfile.rename(tmp, path, overwrite=True)


def save_or_check_config(config: TrainConfig, workdir: str) -> None:
    """Writes `config.json`, or checks that a resumed run trains the same model on the same
    data. Changes of resumable fields (`epochs`, evaluation settings) are allowed and written
    to `config.json`; any other change is a `ConfigError` naming the differing fields."""
    path = os.path.join(workdir, CONFIG_FILE)
    if not tf.io.gfile.exists(path):
        tf.io.gfile.makedirs(workdir)
        write_atomically(path, config.to_json())
        return
    saved = _read_config(path)
    changed = _changes(saved, config)
    refused = {name: change for name, change in changed.items() if not change[2]}
    if refused:
        allowed = [f.name for f in dataclasses.fields(TrainConfig) if f.metadata["resumable"]]
        raise ConfigError(
            f"The workdir {workdir!r} holds a run with a different config ({_describe(refused)}). "
            f"Resume it with the same command (only {', '.join(allowed)} may change), or "
            "start a new run in a new --workdir."
        )
    if changed:
        logging.warning(
            "Resuming %s with a changed config (%s), saved in %s.",
            workdir,
            _describe(changed),
            path,
        )
        write_atomically(path, config.to_json())


def _describe(changes: dict) -> str:
    return "; ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new, _) in changes.items())


def _changes(saved: TrainConfig, config: TrainConfig) -> dict:
    """{field: (saved value, new value, resumable)} of the fields that differ; a changed model
    argument is listed as `model.<argument>`."""
    changes = {}
    for f in dataclasses.fields(TrainConfig):
        old, new = getattr(saved, f.name), getattr(config, f.name)
        if f.name == "model":
            for key in sorted(set(old) | set(new)):
                if _canonical(old.get(key)) != _canonical(new.get(key)):
                    changes[f"model.{key}"] = (old.get(key), new.get(key), False)
        elif _canonical(old) != _canonical(new):
            changes[f.name] = (old, new, f.metadata["resumable"])
    return changes


def load_config(workdir: str) -> TrainConfig:
    """The config of the run in `workdir`; a `MissingFileError` if there is none."""
    path = os.path.join(workdir, CONFIG_FILE)
    if not tf.io.gfile.isdir(workdir):
        raise MissingFileError(
            f"The workdir {workdir!r} does not exist. Pass the --workdir of a tools/train.py run."
        )
    if not tf.io.gfile.exists(path):
        raise MissingFileError(
            f"The workdir {workdir!r} holds no run (no {CONFIG_FILE}). Pass the --workdir of a "
            "tools/train.py run, or train one there with tools/train.py --model=<name>."
        )
    return _read_config(path)


def _read_config(path: str) -> TrainConfig:
    try:
        with tf.io.gfile.GFile(path) as f:
            return TrainConfig.from_json(f.read())
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ConfigError) as error:
        raise CorruptFileError(
            f"{path} does not hold a valid tfavi config ({error}). Restore it from a backup, "
            "or start a new run in a new --workdir."
        ) from None


def run_outputs(workdir: str) -> list[str]:
    """The outputs of an earlier run in `workdir` that resuming would build on."""
    found = []
    for name in (METRICS_FILE, MODEL_FILE, EVAL_FILE, CHECKPOINT_DIR):
        path = os.path.join(workdir, name)
        if tf.io.gfile.isdir(path):
            if tf.io.gfile.listdir(path):
                found.append(f"{name}/")
        elif tf.io.gfile.exists(path) and tf.io.gfile.stat(path).length > 0:
            found.append(name)
    return found


def check_nothing_to_resume(workdir: str) -> None:
    """Refuses to start a run from step 0 over the outputs of an earlier one."""
    found = run_outputs(workdir)
    if found:
        raise RunWithoutCheckpoint(
            f"{workdir!r} holds an earlier run ({', '.join(found)}) but no checkpoint to resume "
            "from. Pass --restart (restart=True) to delete it and start over, or use a new "
            "--workdir."
        )


def clear_run(workdir: str) -> None:
    """Deletes an earlier run's outputs and config (`--restart`)."""
    for name in (*RUN_OUTPUTS, CONFIG_FILE, *_worker_dirs(workdir)):
        path = os.path.join(workdir, name)
        if tf.io.gfile.isdir(path):
            tf.io.gfile.rmtree(path)
        elif tf.io.gfile.exists(path):
            tf.io.gfile.remove(path)


def clean_leftovers(workdir: str) -> list[str]:
    """Removes what dead processes left: temporary files, interrupted checkpoint saves and the
    checkpoint folders of multi-worker followers. Returns the removed paths."""
    removed = checkpoint_files.clean_leftovers(os.path.join(workdir, CHECKPOINT_DIR))
    for name in _worker_dirs(workdir):
        removed.append(os.path.join(workdir, name))
        tf.io.gfile.rmtree(removed[-1])
    for folder in (workdir, *(os.path.join(workdir, d) for d in (SAMPLES_DIR, CHECKPOINT_DIR))):
        if not tf.io.gfile.isdir(folder):
            continue
        for name in tf.io.gfile.listdir(folder):
            if ".tmp" in name and not name.startswith(LOCK_FILE):
                removed.append(os.path.join(folder, name))
                tf.io.gfile.remove(removed[-1])
    return removed


def save_model(model, workdir: str) -> str:
    """Saves `model.keras` atomically (a temporary file renamed into place)."""
    path = os.path.join(workdir, MODEL_FILE)
    tmp = os.path.join(workdir, f".model-{os.getpid()}.tmp.keras")
    model.save(tmp)
    fault_points.reach("model_saved_before_rename")
    tf.io.gfile.rename(tmp, path, overwrite=True)
    return path


def build_model(config: TrainConfig):
    """Instantiates and builds the config's model from its registered class name, under the
    dtype policy of its `mixed_precision`; with `remat`, its training calls recompute the
    residual cells' activations in the backward pass (`DeepAttentiveVAE.remat`); with
    `shared_cell_graphs`, its residual cells are traced once per configuration; with
    `forward_conv_gradients`, its convolutions' input gradients are forward convolutions."""
    model_class = keras.saving.get_registered_object(config.model_class)
    if model_class is None:
        raise ValueError(
            f"No registered model class {config.model_class!r}: was the model's module imported?"
        )
    with precision.global_policy(config.mixed_precision):
        model = model_class(**config.model, seed=config.seed)
        model(tf.zeros([1, *model.image_shape]))
    if config.remat:
        model.remat = True
    if config.shared_cell_graphs:
        model.shared_cell_graphs = True
    if config.forward_conv_gradients:
        model.forward_conv_gradients = True
    return model


def load_trained_model(workdir: str):
    """The run's model: `model.keras` if training finished, else the latest checkpoint."""
    path = os.path.join(workdir, MODEL_FILE)
    if tf.io.gfile.exists(path):
        return _load_model_file(path)
    config = load_config(workdir)
    model = build_model(config)
    checkpoint = tf.train.Checkpoint(model=model)
    directory = os.path.join(workdir, CHECKPOINT_DIR)
    if checkpoint_files.restore_latest(checkpoint, directory, reader=True) is None:
        raise MissingFileError(
            f"The workdir {workdir!r} holds neither {MODEL_FILE} nor a checkpoint: its training "
            "has not saved anything yet. Run tools/train.py with this --workdir."
        )
    return model


def _load_model_file(path: str):
    try:
        return keras.models.load_model(path)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        with tf.io.gfile.GFile(path, "rb") as f:
            content = f.read()
        reason = (  # Keras calls a file that is not a zip archive "not found".
            error
            if zipfile.is_zipfile(io.BytesIO(content))
            else f"not a zip archive, {len(content)} bytes: truncated or overwritten"
        )
        raise CorruptFileError(
            f"{path} cannot be read ({reason}). Delete it and rerun tools/train.py with the "
            "same --workdir: a finished run writes it again from its last checkpoint."
        ) from None


def _worker_dirs(workdir: str) -> list[str]:
    if not tf.io.gfile.isdir(workdir):
        return []
    names = [name.rstrip("/") for name in tf.io.gfile.listdir(workdir)]
    return [name for name in names if re.fullmatch(r"tmp_worker_\d+", name)]


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True)
