"""The workdir: the unit of a run (config, metrics, checkpoints, model, images).

Layout: `config.json`, `metrics.jsonl`, `checkpoints/`, `tensorboard/`, `model.keras`,
`eval.json`, `samples/*.png`.
"""

import dataclasses
import io
import json
import os
import zipfile

import keras
import tensorflow as tf
from absl import logging

from tfavi.errors import ConfigError, CorruptFileError, MissingFileError
from tfavi.training.train_config import TrainConfig

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
MODEL_FILE = "model.keras"
EVAL_FILE = "eval.json"
CHECKPOINT_DIR = "checkpoints"


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


def append_metrics(workdir: str, record: dict) -> None:
    with tf.io.gfile.GFile(os.path.join(workdir, METRICS_FILE), "a") as f:
        f.write(json.dumps(record) + "\n")


def build_model(config: TrainConfig):
    """Instantiates and builds the config's model from its registered class name."""
    model_class = keras.saving.get_registered_object(config.model_class)
    if model_class is None:
        raise ValueError(
            f"No registered model class {config.model_class!r}: was the model's module imported?"
        )
    model = model_class(**config.model, seed=config.seed)
    model(tf.zeros([1, *model.image_shape]))
    return model


def load_trained_model(workdir: str):
    """The run's model: `model.keras` if training finished, else the latest checkpoint."""
    path = os.path.join(workdir, MODEL_FILE)
    if tf.io.gfile.exists(path):
        return _load_model_file(path)
    config = load_config(workdir)
    model = build_model(config)
    latest = tf.train.latest_checkpoint(os.path.join(workdir, CHECKPOINT_DIR))
    if latest is None:
        raise MissingFileError(
            f"The workdir {workdir!r} holds neither {MODEL_FILE} nor a checkpoint: its training "
            "has not saved anything yet. Run tools/train.py with this --workdir."
        )
    _restore_model(model, latest)
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


def _restore_model(model, checkpoint: str) -> None:
    """Restores `model`'s weights from `checkpoint`; a `CorruptFileError` if it is unreadable."""
    try:
        tf.train.Checkpoint(model=model).restore(checkpoint).expect_partial()
    except (tf.errors.OpError, IndexError, ValueError) as error:
        raise CorruptFileError(
            f"The checkpoint {checkpoint} cannot be read ({error}). Delete its files "
            f"({os.path.basename(checkpoint)}.*) to use the one before it, or retrain."
        ) from None


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True)
