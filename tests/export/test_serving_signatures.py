"""Every zoo model's SavedModel serves every signature from a process without tfavi, with the
Keras model's outputs; bad inputs fail in the graph with a message naming the input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import SERVED_MODELS
from tests.harness import run_model_saving_test
from tfavi import zoo
from tfavi.export import export_saved_model
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
def served(export_cache, tmp_path_factory):
    """Outputs of every served zoo model's calls, from one process."""
    return _serve_in_fresh_process(
        export_cache.exportable(SERVED_MODELS).values(), tmp_path_factory.mktemp("served")
    )


@pytest.mark.subprocess
@pytest.mark.parametrize("name", SERVED_MODELS)
def test_zoo_model_serves_every_signature_without_tfavi(name, export_cache, served):
    export = export_cache.get(name)
    outputs = served[export.path]
    for i, call in enumerate(export.calls):
        prefix = f"{i}/"
        assert {k[len(prefix) :] for k in outputs if k.startswith(prefix)} == set(call.expected)
        for output, expected in call.expected.items():
            np.testing.assert_allclose(
                outputs[prefix + output],
                expected,
                rtol=1e-5,
                atol=1e-5,
                err_msg=f"{name} {call.signature} {output}",
            )
    samples = [i for i, call in enumerate(export.calls) if call.signature == "sample"]
    first, other, again = (outputs[f"{i}/images"] for i in samples)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_a_density_model_exports_only_its_signatures(export_cache, vae_mlp):
    maf = export_cache.get("maf_cifar10")
    density = {"serving_default", "log_likelihood", "sample"}
    assert set(_loaded(maf.path).signatures) == density
    assert set(_loaded(vae_mlp.path).signatures) == density | {"encode", "decode", "reconstruct"}


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_model_reloads_from_keras_format_with_identical_outputs(name, export_cache, tmp_path):
    model = export_cache.model(name)
    images = np.random.default_rng(1).uniform(size=(2, *model.image_shape)).astype(np.float32)

    def outputs(m):
        samples = [m.sample(2, 0.7, seed=3)]
        if not isinstance(m, HierarchicalVAE):  # A flow's samples run all of its weights.
            return samples
        return [m.reconstruct(images), *samples, *m.encode(images)]

    run_model_saving_test(model, outputs, str(tmp_path))


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
]


@pytest.mark.parametrize("signature, inputs, message", BAD_INPUTS)
def test_bad_inputs_fail_in_the_graph_naming_the_input(vae_mlp, signature, inputs, message):
    function = _loaded(vae_mlp.path).signatures[signature]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        function(**{name: tf.constant(value) for name, value in inputs.items()})


def test_uint8_export_takes_pixels_0_to_255(vae_mlp, tmp_path):
    path = export_saved_model(vae_mlp.model, str(tmp_path / "vae_mlp"), images_dtype="uint8")
    images = vae_mlp.calls[-1].inputs["images"]
    served = tf.saved_model.load(path).signatures["reconstruct"](
        images=tf.constant((images * 255).astype(np.uint8))
    )
    np.testing.assert_allclose(
        served["reconstructions"], vae_mlp.calls[-1].expected["reconstructions"], atol=1e-6
    )


_LOADED = {}


def _loaded(path):
    if path not in _LOADED:
        _LOADED[path] = tf.saved_model.load(path)
    return _LOADED[path]
