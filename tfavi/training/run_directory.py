"""The workdir: the unit of a run (config, metrics, checkpoints, model, images).

Layout: `config.json`, `metrics.jsonl`, `checkpoints/`, `tensorboard/`, `model.keras`,
`eval.json`, `samples/*.png`.
"""

import dataclasses
import json
import os

import keras
import tensorflow as tf

from tfavi.training import precision
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
    """Writes `config.json`, or checks that a resumed run uses the same config."""
    path = os.path.join(workdir, CONFIG_FILE)
    if tf.io.gfile.exists(path):
        with tf.io.gfile.GFile(path) as f:
            saved = TrainConfig.from_json(f.read())
        saved_fields, new_fields = dataclasses.asdict(saved), dataclasses.asdict(config)
        changed = [
            k for k in new_fields if _canonical(saved_fields[k]) != _canonical(new_fields[k])
        ]
        if changed:
            details = "; ".join(f"{k}: {saved_fields[k]!r} -> {new_fields[k]!r}" for k in changed)
            raise ValueError(
                f"The workdir {workdir!r} holds a run with a different config ({details}). "
                "Resume it with the same command, or start a new run in a new --workdir."
            )
        return
    tf.io.gfile.makedirs(workdir)
    write_atomically(path, config.to_json())


def load_config(workdir: str) -> TrainConfig:
    path = os.path.join(workdir, CONFIG_FILE)
    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(
            f"No {CONFIG_FILE} in {workdir!r}: is it the --workdir of a tools/train.py run?"
        )
    with tf.io.gfile.GFile(path) as f:
        return TrainConfig.from_json(f.read())


def append_metrics(workdir: str, record: dict) -> None:
    with tf.io.gfile.GFile(os.path.join(workdir, METRICS_FILE), "a") as f:
        f.write(json.dumps(record) + "\n")


def build_model(config: TrainConfig):
    """Instantiates and builds the config's model from its registered class name, under the
    dtype policy of its `mixed_precision`."""
    model_class = keras.saving.get_registered_object(config.model_class)
    if model_class is None:
        raise ValueError(
            f"No registered model class {config.model_class!r}: was the model's module imported?"
        )
    with precision.global_policy(config.mixed_precision):
        model = model_class(**config.model, seed=config.seed)
        model(tf.zeros([1, *model.image_shape]))
    return model


def load_trained_model(workdir: str):
    """The run's model: `model.keras` if training finished, else the latest checkpoint."""
    path = os.path.join(workdir, MODEL_FILE)
    if tf.io.gfile.exists(path):
        return keras.models.load_model(path)
    config = load_config(workdir)
    model = build_model(config)
    latest = tf.train.latest_checkpoint(os.path.join(workdir, CHECKPOINT_DIR))
    if latest is None:
        raise FileNotFoundError(f"{workdir!r} holds neither {MODEL_FILE} nor a checkpoint.")
    tf.train.Checkpoint(model=model).restore(latest).expect_partial()
    return model


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True)
