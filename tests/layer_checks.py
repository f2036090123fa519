"""Checks shared by the layer tests: parameter counts, `.keras` reload of one layer, and
equality of a layer's outputs and gradients with a reference."""

import keras
import numpy as np
import tensorflow as tf

from tests.harness import run_model_saving_test, run_serialization_test


def num_trainable(layer) -> int:
    """Number of trainable scalars of a built layer."""
    return int(sum(np.prod(w.shape) for w in layer.trainable_weights))


def built_num_trainable(layer, input_shape) -> int:
    """Builds `layer` on `input_shape` (a shape or a list of shapes), then counts."""
    layer.build(input_shape)
    return num_trainable(layer)


def assert_config_round_trip(layer):
    """`from_config(get_config())` gives a layer with the same config."""
    run_serialization_test(layer)


def assert_keras_reload(layer, inputs, tmp_path, list_input=False, **call_kwargs):
    """Wraps `layer` in a functional model, saves it as `.keras`, reloads it without
    custom objects and checks the outputs are identical; returns the reloaded layer.

    `inputs` is one array or a list of arrays, passed as separate call arguments, or as one
    list argument when `list_input` is set."""
    inputs = inputs if isinstance(inputs, list) else [inputs]
    symbolic = [keras.Input(x.shape[1:]) for x in inputs]
    outputs = layer(symbolic, **call_kwargs) if list_input else layer(*symbolic, **call_kwargs)
    model = keras.Model(symbolic, outputs)

    def outputs_fn(m):
        return [keras.ops.convert_to_numpy(t) for t in keras.tree.flatten(m(inputs))]

    reloaded = run_model_saving_test(model, outputs_fn, str(tmp_path))
    assert type(reloaded.layers[-1]) is type(layer)
    return reloaded.layers[-1]


def assert_same_outputs_and_gradients(
    function, reference, inputs, weights=(), rtol=1e-5, atol=1e-6
):
    """`function(*inputs)` and `reference(*inputs)` give the same (nested) outputs, and the
    same gradients of `sum(sin(outputs))` with respect to the inputs and `weights`. `atol`
    is per unit of an array's largest magnitude: float32 round-off of a sum grows with its
    terms, so a small entry beside large ones may differ by ~1e-7 of those."""
    inputs = [tf.constant(x) for x in inputs]
    results = []
    for f in (function, reference):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = [t for t in tf.nest.flatten(f(*inputs)) if t is not None]
            loss = tf.add_n([tf.reduce_sum(tf.sin(t)) for t in outputs])
        gradients = tape.gradient(loss, [*inputs, *weights])
        results.append(outputs + [0.0 if g is None else g for g in gradients])  # None: unused
    for actual, expected in zip(*results, strict=True):
        expected = np.asarray(expected)
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol * scale)
