"""SavedModel export into numbered version folders, the layout TF Serving watches."""

import dataclasses
import os
import re
import socket

import numpy as np
import tensorflow as tf

from tfavi.errors import UserError
from tfavi.export.serving_limits import DEFAULT_LIMITS, ServingLimits
from tfavi.export.serving_signatures import ServingSignatures
from tfavi.training.workdir_lock import process_is_dead

_TEMPORARY_PREFIX = ".incomplete-"


class NonFiniteWeightsError(UserError, ValueError):
    """The model to export holds NaN or infinite weights."""


def next_version(model_base_path: str) -> int:
    """One more than the largest numbered version folder in `model_base_path` (1 if none)."""
    if not tf.io.gfile.isdir(model_base_path):
        return 1
    versions = [
        int(name.rstrip("/"))
        for name in tf.io.gfile.listdir(model_base_path)
        if re.fullmatch(r"\d+/?", name)
    ]
    return max(versions, default=0) + 1


def export_saved_model(
    model,
    model_base_path: str,
    chunk_size: int = 100,
    images_dtype: str = "float32",
    limits: ServingLimits = DEFAULT_LIMITS,
) -> str:
    """Writes `model` as a SavedModel with serving signatures into the next version folder.

    The SavedModel is written to a temporary folder that TF Serving ignores (its name is
    not a number) and renamed into place, so a watching server never sees a half-written
    version and an interrupted export leaves no version folder.

    Args:
        model: a built `HierarchicalVAE`.
        model_base_path: the model's folder, e.g. `exports/vae_mlp`; TF Serving's
            `--model_base_path`.
        chunk_size: importance samples drawn per model call in `log_likelihood`.
        images_dtype: `float32` (pixels in [0, 1]) or `uint8` (pixels 0..255).
        limits: the largest request served; larger ones fail with INVALID_ARGUMENT. The
            SavedModel's `serving_limits()` returns them.

    Returns:
        The path of the new version folder.
    """
    _check_finite(model)
    signatures = ServingSignatures(model, chunk_size, images_dtype, limits).functions()
    tf.io.gfile.makedirs(model_base_path)
    remove_abandoned_exports(model_base_path)
    version = next_version(model_base_path)
    temporary = os.path.join(
        model_base_path, f"{_TEMPORARY_PREFIX}{version}-{socket.gethostname()}-{os.getpid()}"
    )
    try:
        # Serving needs no gradients: saving custom-gradient functions would trace each one.
        options = tf.saved_model.SaveOptions(experimental_custom_gradients=False)
        module = _module(model, signatures, limits)
        tf.saved_model.save(module, temporary, signatures=signatures, options=options)
        final = os.path.join(model_base_path, str(version))
        tf.io.gfile.rename(temporary, final)
    except BaseException:
        if tf.io.gfile.exists(temporary):
            tf.io.gfile.rmtree(temporary)
        raise
    return final


def _check_finite(model) -> None:
    """Refuses to export weights that hold NaN or infinity."""
    bad = [w.path for w in model.weights if not np.all(np.isfinite(np.asarray(w.numpy())))]
    if bad:
        raise NonFiniteWeightsError(
            f"The model holds non-finite weights ({', '.join(bad[:5])}"
            f"{', ...' if len(bad) > 5 else ''}): a SavedModel of it would serve NaN. Export a "
            "run's model.keras or a checkpoint with finite weights."
        )


def remove_abandoned_exports(model_base_path: str) -> list[str]:
    """Removes the temporary folders of exports whose process died on this host."""
    removed = []
    for name in tf.io.gfile.listdir(model_base_path):
        match = re.fullmatch(rf"{re.escape(_TEMPORARY_PREFIX)}\d+-(.+)-(\d+)/?", name)
        if match and process_is_dead(match.group(1), int(match.group(2))):
            removed.append(os.path.join(model_base_path, name.rstrip("/")))
            tf.io.gfile.rmtree(removed[-1])
    return removed


def _module(model, signatures: dict, limits: ServingLimits) -> tf.Module:
    """The saved object: the model's variables, the signature functions and a function
    `serving_limits()` returning the limits, not the model.

    Leaving the Keras model out keeps the SavedModel from tracing anything but the
    signatures (Keras sub-models' default signatures, the model's own `tf.function`s).
    """
    module = tf.Module()
    module.model_variables = list(model.variables)
    for name, function in signatures.items():
        setattr(module, name, function)
    maxima = dataclasses.asdict(limits)
    module.serving_limits = tf.function(
        lambda: {name: tf.constant(value) for name, value in maxima.items()}, input_signature=[]
    )
    return module
