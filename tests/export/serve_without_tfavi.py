"""Calls exported signatures in a process where tfavi, the zoo and Keras cannot be imported.

    python serve_without_tfavi.py PLAN.json INPUTS.npz OUTPUTS.npz

PLAN.json lists calls `{"key", "model_dir", "signature", "inputs"}` run in order; call
`key`'s input `name` is `INPUTS.npz[f"{key}/{name}"]`, its output `name` is written to
`OUTPUTS.npz[f"{key}/{name}"]`; a call refused with INVALID_ARGUMENT writes the message to
`OUTPUTS.npz[f"{key}/error"]`.
"""

import json
import sys

for _blocked in ("tfavi", "zoo", "keras"):
    sys.modules[_blocked] = None  # an import of it now raises ImportError

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(plan_path: str, inputs_path: str, outputs_path: str) -> None:
    try:
        import tfavi  # noqa: F401
    except ImportError:
        pass
    else:
        raise AssertionError("tfavi must not be importable here")
    with open(plan_path) as f:
        plan = json.load(f)
    inputs = np.load(inputs_path)
    loaded, outputs = {}, {}
    for call in plan:
        if call["model_dir"] not in loaded:
            loaded[call["model_dir"]] = tf.saved_model.load(call["model_dir"])
        signature = loaded[call["model_dir"]].signatures[call["signature"]]
        try:
            result = signature(
                **{n: tf.constant(inputs[f"{call['key']}/{n}"]) for n in call["inputs"]}
            )
        except tf.errors.InvalidArgumentError as error:
            result = {"error": error.message}
        outputs.update({f"{call['key']}/{n}": np.asarray(v) for n, v in result.items()})
    np.savez(outputs_path, **outputs)


if __name__ == "__main__":
    main(*sys.argv[1:])
