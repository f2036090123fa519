"""One traced function for all residual cells of one configuration and input shape.

A deep hierarchy repeats the same cell: `attentive_vae_16` has 31 residual cells of one
configuration, each traced into the training step's graph with its own ~1,600 nodes
(forward and gradient), about half the step's graph; that graph, instantiated, holds most
of the step's memory outside the tensors (issue 13). Calling the cells through one
`tf.function` that takes the weights as arguments traces the cell once: the step's graph
calls one function (and its gradient) 31 times.
"""

import json

import keras
import tensorflow as tf


class SharedCellGraphs:
    """Runs residual cells' training calls through one traced function per configuration and
    weight shapes (weights and batch-norm statistics passed as arguments); a cell's `remat`
    recomputes the function's activations in the backward pass. Inference calls stay
    per cell, so they match a reloaded model's bit for bit."""

    def __init__(self):
        self._functions = {}

    @property
    def num_functions(self) -> int:
        """The traced cell functions so far."""
        return len(self._functions)

    def call(self, cell, inputs):
        """A training call of `cell`: (outputs, new values of its non-trainable variables)."""
        config = {k: v for k, v in cell.get_config().items() if k not in ("name", "trainable")}
        shapes = [tuple(v.shape) for v in cell.weights]
        key = (json.dumps(config, sort_keys=True), str(shapes))
        if key not in self._functions:
            self._functions[key] = tf.function(_training_forward(cell), autograph=False)
        function = self._functions[key]
        if cell.remat:
            function = keras.remat(function)
        trainable = [tf.convert_to_tensor(v) for v in cell.trainable_variables]
        non_trainable = [tf.convert_to_tensor(v) for v in cell.non_trainable_variables]
        return function(trainable, non_trainable, inputs)


def _training_forward(template):
    """`template`'s training forward pass as a function of its weights' values."""

    def forward(trainable, non_trainable, inputs):
        mapping = list(zip(template.trainable_variables, trainable, strict=True))
        mapping += zip(template.non_trainable_variables, non_trainable, strict=True)
        with keras.StatelessScope(state_mapping=mapping) as scope:
            outputs = template._forward(inputs, training=True)
        return outputs, [scope.get_current_value(v) for v in template.non_trainable_variables]

    return forward
