"""Fused Adam/Adamax: the weights of Keras' Adam/Adamax, their slots and checkpoints (the
mirrored strategy: tests/training/test_distributed_step.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfavi.training.fused_optimizers import FusedAdam, FusedAdamax

PAIRS = [(keras.optimizers.Adam, FusedAdam), (keras.optimizers.Adamax, FusedAdamax)]


def _problem():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(5,)).astype("float32")]
    gradients = [[rng.normal(size=w.shape).astype("float32") for w in weights] for _ in range(6)]
    return weights, gradients


def _train(optimizer_class, weights, gradients):
    variables = [keras.Variable(w) for w in weights]
    optimizer = optimizer_class(learning_rate=0.05, epsilon=1e-3)
    optimizer.build(variables)

    @tf.function
    def step(g):
        optimizer.apply(g, variables)

    for g in gradients:
        step(g)
    return variables, optimizer


@pytest.mark.parametrize("keras_class, fused_class", PAIRS)
def test_fused_updates_give_keras_weights(keras_class, fused_class):
    weights, gradients = _problem()
    expected, _ = _train(keras_class, weights, gradients)
    fused, optimizer = _train(fused_class, weights, gradients)
    for a, b, w in zip(expected, fused, weights, strict=True):
        assert not np.allclose(a.numpy(), w)
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-5)
    assert int(optimizer.iterations.numpy()) == len(gradients)


@pytest.mark.parametrize("keras_class, fused_class", PAIRS)
def test_fused_slots_restore_from_a_keras_checkpoint(keras_class, fused_class, tmp_path):
    weights, gradients = _problem()
    variables, optimizer = _train(keras_class, weights, gradients[:3])
    path = tf.train.Checkpoint(optimizer=optimizer, weights=variables).save(str(tmp_path / "c"))
    expected, _ = _train(keras_class, weights, gradients)
    restored, fused = _train(fused_class, weights, [])
    tf.train.Checkpoint(optimizer=fused, weights=restored).restore(path).assert_consumed()
    assert int(fused.iterations.numpy()) == 3

    @tf.function
    def step(g):
        fused.apply(g, restored)

    for g in gradients[3:]:
        step(g)
    for a, b in zip(expected, restored, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-5)


def test_fused_adam_refuses_amsgrad():
    with pytest.raises(ValueError, match="amsgrad"):
        FusedAdam(amsgrad=True)


@pytest.mark.parametrize("fused_class, powers", [(FusedAdam, 2), (FusedAdamax, 1)])
def test_fused_update_computes_its_scalars_once_for_all_variables(fused_class, powers):
    weights, gradients = _problem()
    variables = [keras.Variable(w) for w in weights * 4]
    optimizer = fused_class(learning_rate=0.05)
    optimizer.build(variables)
    step = tf.function(lambda g: optimizer.apply(g, variables))
    graph = step.get_concrete_function(gradients[0] * 4).graph
    ops = [op.type for op in graph.get_operations()]
    assert ops.count("Pow") == powers and len(variables) == 8
