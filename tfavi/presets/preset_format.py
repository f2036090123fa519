"""The preset folder, after keras-hub's presets.

A preset is a folder holding three files:

- `config.json`: `keras.saving.serialize_keras_object(model)`, i.e. `module`, `class_name`,
  `registered_name` (e.g. `tfavi>DeepAttentiveVAE`), the constructor arguments under `config`
  and the input shape under `build_config`;
- `model.weights.h5`: `model.save_weights(...)`, every variable of the built model;
- `metadata.json`: `format_version`, `tfavi_version`, `keras_version`, `model_class`, then
  the caller's fields; a trained preset records `zoo_name`, `dataset`, `recipe`, `seed`,
  `epochs` and `metrics` (e.g. `{"test_nll_nats": 79.1}`).

`save_to_preset` writes the files into a temporary sibling folder and renames it into place,
so an interrupted save leaves no preset folder.
"""

import json
import os
import shutil
import tempfile

import keras

from tfavi.version import __version__

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 1
_RESERVED_METADATA = ("format_version", "tfavi_version", "keras_version", "model_class")


def save_to_preset(model: keras.Model, path: str, metadata: dict | None = None) -> str:
    """Writes the built `model` as a new preset folder `path` and returns `path`.

    Args:
        model: a built tfavi model (e.g. from `tfavi.zoo.build` or a training run).
        path: the preset folder to create; it must not exist.
        metadata: JSON-serializable fields added to `metadata.json`, e.g. `zoo_name`,
            `dataset`, `recipe`, `seed`, `epochs`, `metrics`.
    """
    if not model.built:
        raise ValueError(
            f"save_to_preset needs a built model; {model.name!r} has no variables yet. "
            "Call it on a batch of images first, or build it with tfavi.zoo.build."
        )
    reserved = sorted(set(metadata or {}) & set(_RESERVED_METADATA))
    if reserved:
        raise ValueError(
            f"metadata may not set {', '.join(reserved)}: save_to_preset writes them itself."
        )
    if os.path.exists(path):
        raise FileExistsError(
            f"The preset folder {path!r} exists: delete it or save to a new path."
        )
    registered_name = keras.saving.get_registered_name(type(model))
    texts = {
        CONFIG_FILE: json.dumps(keras.saving.serialize_keras_object(model), indent=2),
        METADATA_FILE: json.dumps(
            {
                "format_version": FORMAT_VERSION,
                "tfavi_version": __version__,
                "keras_version": keras.__version__,
                "model_class": registered_name,
                **(metadata or {}),
            },
            indent=2,
        ),
    }
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=f".incomplete-{os.path.basename(path)}-", dir=parent)
    try:
        for name, text in texts.items():
            with open(os.path.join(temporary, name), "w") as f:
                f.write(text)
        model.save_weights(os.path.join(temporary, WEIGHTS_FILE))
        os.rename(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return path


def read_config(folder: str) -> dict:
    """The preset's `config.json`, checked to name a registered model class."""
    config = _read_json(folder, CONFIG_FILE)
    if not isinstance(config, dict) or not isinstance(config.get("registered_name"), str):
        raise ValueError(
            f"{os.path.join(folder, CONFIG_FILE)!r} is not a preset config: it has no "
            "registered_name. Write presets with tfavi.presets.save_to_preset."
        )
    return config


def read_metadata(folder: str) -> dict:
    """The preset's `metadata.json` (version, zoo name, data set, metrics, ...)."""
    return _read_json(folder, METADATA_FILE)


def load_weights(model: keras.Model, folder: str) -> None:
    """Loads the preset's `model.weights.h5` into the built `model`."""
    path = os.path.join(folder, WEIGHTS_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"The preset {folder!r} has no {WEIGHTS_FILE}: it cannot give a trained model. "
            "Save a trained model with save_to_preset, or build an untrained one with "
            "tfavi.zoo.build(name)."
        )
    try:
        model.load_weights(path)
    except (OSError, ValueError) as error:
        raise ValueError(
            f"Cannot load the weights {path!r} into a {type(model).__name__}: {error}"
        ) from error


def _read_json(folder: str, name: str):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{folder!r} is not a preset folder: it has no {name}.")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"Cannot read {path!r} ({error}): the preset is damaged; save it again."
        ) from error
