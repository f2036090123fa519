"""Every zoo model's SavedModel serves every signature from a process without tfavi, with the
Keras model's outputs; bad inputs fail in the graph with a message naming the input. The
default run serves one zoo entry per code path, `--run_large` all (tests/zoo_coverage.py)."""

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import recorded_limits
from tests.harness import run_model_saving_test
from tests.zoo_coverage import selected_names, zoo_params
from tfavi.export import ServingLimits, export_saved_model
from tfavi.models import HierarchicalVAE

SERVE = Path(__file__).with_name("serve_without_tfavi.py")


def _serve_in_fresh_process(exports, directory):
    """Runs the calls of every distinct export in one process that cannot import tfavi.

    Returns {export path: {f"{call index}/{output name}": array}}.
    """
    exports = list({export.path: export for export in exports}.values())
    plan, inputs = [], {}
    for j, export in enumerate(exports):
        for i, call in enumerate(export.calls):
            key = f"{j}/{i}"
            plan.append(
                {
                    "key": key,
                    "model_dir": export.path,
                    "signature": call.signature,
                    "inputs": sorted(call.inputs),
                }
            )
            inputs.update({f"{key}/{n}": np.asarray(v) for n, v in call.inputs.items()})
    (directory / "plan.json").write_text(json.dumps(plan))
    np.savez(directory / "inputs.npz", **inputs)
    result = subprocess.run(
        [sys.executable, str(SERVE), *(str(directory / n) for n in ("plan.json", "inputs.npz"))]
        + [str(directory / "outputs.npz")],
        cwd=directory,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = np.load(directory / "outputs.npz")
    return {
        export.path: {k[len(f"{j}/") :]: outputs[k] for k in outputs if k.startswith(f"{j}/")}
        for j, export in enumerate(exports)
    }


@pytest.fixture(scope="session")
def served(request, export_cache, tmp_path_factory):
    """Outputs of the calls of every zoo model served in this session, from one process."""
    names = selected_names(request, test_zoo_model_serves_every_signature_without_tfavi)
    return _serve_in_fresh_process(
        export_cache.exportable(names).values(), tmp_path_factory.mktemp("served")
    )


@pytest.mark.subprocess
@pytest.mark.parametrize("name", zoo_params())
def test_zoo_model_serves_every_signature_without_tfavi(name, export_cache, served):
    export = export_cache.get(name)
    outputs = served[export.path]
    for i, call in enumerate(export.calls):
        prefix = f"{i}/"
        if call.refused:
            error = str(outputs.get(prefix + "error", "served, not refused"))
            assert re.search(call.refused, error), f"{name} {call.signature}: {error}"
            continue
        assert {k[len(prefix) :] for k in outputs if k.startswith(prefix)} == set(call.expected), (
            outputs.get(prefix + "error")
        )
        for output, expected in call.expected.items():
            np.testing.assert_allclose(
                outputs[prefix + output],
                expected,
                rtol=1e-5,
                atol=1e-5,
                err_msg=f"{name} {call.signature} {output}",
            )
    samples = [i for i, c in enumerate(export.calls) if c.signature == "sample" and not c.refused]
    first, other, again = (outputs[f"{i}/images"] for i in samples)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_a_density_model_exports_only_its_signatures(export_cache, vae_mlp):
    maf = export_cache.get("maf_cifar10")
    density = {"serving_default", "log_likelihood", "sample"}
    assert set(_loaded(maf.path).signatures) == density
    assert set(_loaded(vae_mlp.path).signatures) == density | {"encode", "decode", "reconstruct"}


@pytest.mark.parametrize("name", zoo_params())
def test_zoo_model_reloads_from_keras_format_with_identical_outputs(name, export_cache, tmp_path):
    model = export_cache.model(name)
    images = np.random.default_rng(1).uniform(size=(2, *model.image_shape)).astype(np.float32)

    def outputs(m):
        samples = [m.sample(2, 0.7, seed=3)]
        if not isinstance(m, HierarchicalVAE):  # A flow's samples run all of its weights.
            return samples
        return [m.reconstruct(images), *samples, *m.encode(images)]

    run_model_saving_test(model, outputs, str(tmp_path))


def _k(k) -> dict:
    return {"num_importance_samples": np.asarray(k, np.int32)}


def _sample(num_samples=2, temperature=1.0, seed=0) -> dict:
    return {
        "num_samples": np.asarray(num_samples, np.int32),
        "temperature": np.asarray(temperature, np.float32),
        "seed": np.asarray(seed, np.int64),
    }


BAD_INPUTS = [
    ("reconstruct", {"images": np.zeros([28, 28, 1], np.float32)}, r"images must have shape"),
    ("reconstruct", {"images": np.zeros([1, 32, 32, 1], np.float32)}, r"\[batch, 28, 28, 1\]"),
    ("encode", {"images": np.zeros([1, 28, 28, 3], np.float32)}, r"got shape\] \[1 28 28 3\]"),
    ("reconstruct", {"images": np.full([1, 28, 28, 1], 2.0, np.float32)}, r"values in \[0, 1\]"),
    ("encode", {"images": np.full([1, 28, 28, 1], -0.5, np.float32)}, r"values in \[0, 1\]"),
    ("encode", {"images": np.full([1, 28, 28, 1], np.nan, np.float32)}, r"values in \[0, 1\]"),
    (
        "log_likelihood",
        {"images": np.zeros([1, 28, 28, 1], np.float32), "num_importance_samples": np.int32(0)},
        r"num_importance_samples must be positive, got\] \[0\]",
    ),
    (
        "sample",
        {"num_samples": np.int32(0), "temperature": np.float32(1), "seed": np.int64(0)},
        r"num_samples must be positive",
    ),
    (
        "sample",
        {"num_samples": np.int32(2), "temperature": np.float32(0), "seed": np.int64(0)},
        r"temperature must be positive",
    ),
    (
        "decode",
        {"latent_0": np.zeros([2, 5], np.float32)},
        r"latent_0 must have shape \[batch, 4\]",
    ),
    ("decode", {"latent_0": np.full([2, 4], np.inf, np.float32)}, r"latent_0 must hold finite"),
    (
        "reconstruct",
        {"images": np.full([1, 28, 28, 1], 0.5, np.float32)},
        r"images must hold binary pixels, 0 or 1 \(the model has a Bernoulli likelihood\); "
        r"got\] \[0.5\]",
    ),
    (
        "log_likelihood",
        {"images": np.eye(28, dtype=np.float32)[None, ..., None] * 0.25, **_k(1)},
        r"images must hold binary pixels, 0 or 1 .*got\] \[0.25\]",
    ),
    (
        "reconstruct",
        {"images": np.zeros([1025, 28, 28, 1], np.float32)},
        r"images must hold at most 1024 examples \(max_batch_size of this export\), got\] "
        r"\[1025\]",
    ),
    (
        "decode",
        {"latent_0": np.zeros([1025, 4], np.float32)},
        r"latent_0 must hold at most 1024 examples",
    ),
    (
        "log_likelihood",
        {"images": np.zeros([1, 28, 28, 1], np.float32), **_k(10_001)},
        r"num_importance_samples must be at most 10000 \(max_importance_samples of this "
        r"export\), got\] \[10001\]",
    ),
    (
        "log_likelihood",
        {"images": np.zeros([1, 28, 28, 1], np.float32), **_k([10])},
        r"num_importance_samples must be a scalar \(a plain number such as 4, not a list such "
        r"as \[4\]\); got shape\] \[1\]",
    ),
    ("sample", _sample(num_samples=1025), r"num_samples must be at most 1024 \(max_num_samples"),
    ("sample", _sample(num_samples=[[2]]), r"num_samples must be a scalar .*\] \[1 1\]"),
    ("sample", _sample(temperature=[0.8]), r"temperature must be a scalar"),
    ("sample", _sample(seed=[7]), r"seed must be a scalar"),
    ("sample", _sample(temperature=np.inf), r"temperature must be positive and finite"),
    ("sample", _sample(temperature=np.nan), r"positive and finite, got\] \[nan\]"),
    ("sample", _sample(temperature=-1.0), r"positive and finite, got\] \[-1\]"),
    (
        "sample",
        _sample(temperature=10.5),
        r"temperature must be at most 10.0 \(max_temperature of this export\), got\] \[10.5\]",
    ),
]


@pytest.mark.parametrize("signature, inputs, message", BAD_INPUTS)
def test_bad_inputs_fail_in_the_graph_naming_the_input(vae_mlp, signature, inputs, message):
    function = _loaded(vae_mlp.path).signatures[signature]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        function(**{name: tf.constant(value) for name, value in inputs.items()})


@pytest.fixture(scope="module")
def uint8_export(vae_mlp, tmp_path_factory) -> str:
    base_path = tmp_path_factory.mktemp("uint8") / "vae_mlp"
    return export_saved_model(vae_mlp.model, str(base_path), images_dtype="uint8")


def test_uint8_export_takes_pixels_0_to_255(vae_mlp, uint8_export):
    images = vae_mlp.calls[-1].inputs["images"]
    served = _loaded(uint8_export).signatures["reconstruct"](
        images=tf.constant((images * 255).astype(np.uint8))
    )
    np.testing.assert_allclose(
        served["reconstructions"], vae_mlp.calls[-1].expected["reconstructions"], atol=1e-6
    )


def test_uint8_export_of_a_binary_model_takes_0_and_255_only(uint8_export):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"binary pixels, 0 or 255 .*\[1\]"):
        _loaded(uint8_export).signatures["reconstruct"](images=tf.ones([1, 28, 28, 1], tf.uint8))


SMALL_LIMITS = ServingLimits(
    max_batch_size=2, max_importance_samples=4, max_num_samples=3, max_temperature=1.5
)


@pytest.fixture(scope="module")
def small_limits_export(vae_mlp, tmp_path_factory) -> str:
    base_path = tmp_path_factory.mktemp("small_limits") / "vae_mlp"
    return export_saved_model(vae_mlp.model, str(base_path), limits=SMALL_LIMITS)


def _images(batch: int) -> np.ndarray:
    return np.zeros([batch, 28, 28, 1], np.float32)


AT_SMALL_LIMITS = {
    "log_likelihood": {"images": _images(2), **_k(4)},
    "encode": {"images": _images(2)},
    "reconstruct": {"images": _images(2)},
    "decode": {"latent_0": np.zeros([2, 4], np.float32)},
    "sample": _sample(num_samples=3, temperature=1.5),
}
ABOVE_SMALL_LIMITS = [
    ("log_likelihood", {"images": _images(3), **_k(4)}, r"images must hold at most 2 .*\[3\]"),
    ("encode", {"images": _images(3)}, r"images must hold at most 2 examples"),
    ("reconstruct", {"images": _images(3)}, r"images must hold at most 2 examples"),
    ("decode", {"latent_0": np.zeros([3, 4], np.float32)}, r"latent_0 must hold at most 2 "),
    ("log_likelihood", {"images": _images(1), **_k(5)}, r"samples must be at most 4 .*\[5\]"),
    ("sample", _sample(num_samples=4), r"num_samples must be at most 3 .*\[4\]"),
    ("sample", _sample(temperature=1.75), r"temperature must be at most 1.5 .*\[1.75\]"),
]


def test_an_export_serves_requests_at_its_limits(small_limits_export):
    signatures = _loaded(small_limits_export).signatures
    for signature, inputs in AT_SMALL_LIMITS.items():
        outputs = signatures[signature](**{n: tf.constant(v) for n, v in inputs.items()})
        for name, value in outputs.items():
            assert value.shape[0] == (3 if signature == "sample" else 2), f"{signature} {name}"
            assert np.all(np.isfinite(value)), f"{signature} {name}"


@pytest.mark.parametrize("signature, inputs, message", ABOVE_SMALL_LIMITS)
def test_an_export_refuses_requests_above_its_limits(
    small_limits_export, signature, inputs, message
):
    function = _loaded(small_limits_export).signatures[signature]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        function(**{name: tf.constant(value) for name, value in inputs.items()})


def test_the_limits_are_recorded_in_the_saved_model(small_limits_export):
    assert recorded_limits(small_limits_export) == dataclasses.asdict(SMALL_LIMITS)


_LOADED = {}


def _loaded(path):
    if path not in _LOADED:
        _LOADED[path] = tf.saved_model.load(path)
    return _LOADED[path]
