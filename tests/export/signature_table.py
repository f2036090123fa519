"""The signatures of a SavedModel as {name: {"inputs"|"outputs": {tensor: (dtype, shape)}}},
with shapes spelled as `saved_model_cli` spells them."""

import tensorflow as tf


def signature_table(saved_model_dir: str) -> dict:
    signatures = tf.saved_model.load(saved_model_dir).signatures
    return {
        name: {
            "inputs": _described(f.structured_input_signature[1]),
            "outputs": _described(f.structured_outputs),
        }
        for name, f in sorted(signatures.items())
    }


def cli_shape(shape: tf.TensorShape) -> str:
    if shape.rank is None:
        return "unknown_rank"
    dims = ", ".join(str(-1 if d is None else d) for d in shape)
    return f"({dims})"


def _described(specs: dict) -> dict:
    return {name: (spec.dtype.name, cli_shape(spec.shape)) for name, spec in sorted(specs.items())}
