"""Zoo models' smoke variants, each exported once per session with its Keras reference calls."""

import dataclasses
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfavi import zoo
from tfavi.export import export_saved_model
from tfavi.models import HierarchicalVAE
from tfavi.training.run_directory import build_model

CHUNK_SIZE = 3
# Datasets of 0/1 pixels: binarized, or drawn from a Bernoulli each epoch.
BINARY_DATASETS = ("binarized_mnist", "mnist", "omniglot", "omniglot_iwae")


@dataclasses.dataclass
class Call:
    """One signature call and the Keras model's own outputs for it, or the pattern of the
    INVALID_ARGUMENT message that refuses it."""

    signature: str
    inputs: dict
    expected: dict
    refused: str | None = None


@dataclasses.dataclass
class Export:
    name: str
    model: keras.Model
    path: str
    calls: list


class ExportCache:
    """Builds and exports each smoke model once; remembers a failed export.

    Zoo names whose smoke variants are the same model (same class and arguments, e.g. two
    recipes of one architecture) share one model and one export.
    """

    def __init__(self, base_dir):
        self.base_dir = base_dir
        self._models = {}
        self._exports = {}

    def model(self, name: str) -> keras.Model:
        key = smoke_model_key(name)
        if key not in self._models:
            keras.utils.set_random_seed(0)
            self._models[key] = build_model(zoo.resolve_config(name, smoke=True))
        return self._models[key]

    def get(self, name: str) -> Export:
        """The export of `name`; raises the export's error if it failed.

        The Keras references are computed right after the export, from the noise state the
        SavedModel holds, in the order the calls are to be made on the SavedModel.
        """
        key = smoke_model_key(name)
        if key not in self._exports:
            model = self.model(name)
            try:
                path = export_saved_model(model, f"{self.base_dir}/{name}", chunk_size=CHUNK_SIZE)
                binary = zoo.resolve_config(name, smoke=True).dataset in BINARY_DATASETS
                self._exports[key] = Export(name, model, path, reference_calls(model, binary))
            except Exception as error:  # noqa: BLE001  (raised again to each test of `name`)
                self._exports[key] = error
        if isinstance(self._exports[key], Exception):
            raise self._exports[key]
        return self._exports[key]

    def exportable(self, names) -> dict:
        """The exports of those `names` whose export succeeds."""
        exports = {}
        for name in names:
            try:
                exports[name] = self.get(name)
            except Exception:  # noqa: BLE001  (reported by the tests of `name`)
                continue
        return exports


def smoke_model_key(name: str) -> tuple:
    """Equal for zoo names whose smoke variants are the same model (class and arguments)."""
    config = zoo.resolve_config(name, smoke=True)
    return config.model_class, json.dumps(config.model, sort_keys=True)


def reference_calls(model, binary: bool) -> list:
    """Calls of every signature with the Keras model's outputs, made in list order.

    The first calls break the export's default limits and must fail before doing any work:
    the model's noise state, which the later calls' references depend on, stays untouched.
    Pixels of 0.5 are refused if the model was trained on `binary` pixels, and served
    otherwise. A density model without latents has no `encode`, `decode` or
    `reconstruct` signature.
    """
    images = (np.random.default_rng(0).uniform(size=(3, *model.image_shape)) > 0.5).astype(
        np.float32
    )

    def likelihood(k, images=images):
        outputs = model(images, training=False)
        log_px = model.log_likelihood(images, k, chunk_size=CHUNK_SIZE)
        return {
            "negative_elbo": model.elbo_terms(outputs)["nelbo"],
            "log_likelihood": log_px,
            "bits_per_dim": -log_px / (model.num_dimensions * math.log(2.0)),
        }

    def sample(n, temperature, seed):
        inputs = dict(
            num_samples=np.int32(n), temperature=np.float32(temperature), seed=np.int64(seed)
        )
        return Call("sample", inputs, {"images": model.sample(n, temperature, seed=seed)})

    halves = np.full_like(images, 0.5)
    if binary:
        half_pixels = Call(
            "log_likelihood",
            _likelihood_inputs(halves, 3),
            {},
            r"images must hold binary pixels, 0 or 1",
        )
    else:
        half_pixels = Call("log_likelihood", _likelihood_inputs(halves, 3), likelihood(3, halves))
    calls = [
        Call(
            "log_likelihood",
            _likelihood_inputs(images, 2**31 - 1),
            {},
            r"num_importance_samples must be at most 10000 .*\] \[2147483647\]",
        ),
        *_refused_samples(),
        half_pixels,
        Call("serving_default", _likelihood_inputs(images, 5), likelihood(5)),
        Call("log_likelihood", _likelihood_inputs(images, 7), likelihood(7)),
    ]
    if isinstance(model, HierarchicalVAE):
        means, scales = model.posterior_means_and_scales(images)
        latents = {f"latent_{i}": np.asarray(mean) for i, mean in enumerate(means)}
        encoded = {**latents, **{f"scale_{i}": scale for i, scale in enumerate(scales)}}
        calls += [
            Call("encode", {"images": images}, encoded),
            Call("decode", latents, {"images": model.decode(means)}),
        ]
    calls += [sample(2, 0.7, 3), sample(2, 0.7, 4), sample(2, 0.7, 3)]
    if isinstance(model, HierarchicalVAE):
        reconstructions = model.reconstruct(images)
        calls.append(Call("reconstruct", {"images": images}, {"reconstructions": reconstructions}))
    for call in calls:
        call.expected = {k: np.asarray(v) for k, v in call.expected.items()}
    return calls


def _likelihood_inputs(images, k):
    return {"images": images, "num_importance_samples": np.int32(k)}


def _refused_samples() -> list:
    """`sample` calls beyond the default limits, or with a list for a scalar."""
    cases = [
        (2**31 - 1, 1.0, r"num_samples must be at most 1024 .*\] \[2147483647\]"),
        (2, np.inf, r"temperature must be positive and finite, got\] \[inf\]"),
        ([4], 1.0, r"num_samples must be a scalar"),
    ]
    return [
        Call(
            "sample",
            dict(
                num_samples=np.asarray(n, np.int32),
                temperature=np.float32(temperature),
                seed=np.int64(0),
            ),
            {},
            message,
        )
        for n, temperature, message in cases
    ]


def recorded_limits(saved_model_dir) -> dict:
    """The maxima a SavedModel's `serving_limits()` returns, as Python numbers."""
    recorded = tf.saved_model.load(str(saved_model_dir)).serving_limits()
    return {name: value.numpy().item() for name, value in recorded.items()}


@pytest.fixture(scope="session")
def export_cache(tmp_path_factory) -> ExportCache:
    return ExportCache(tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="session")
def vae_mlp(export_cache) -> Export:
    return export_cache.get("vae_mlp")
