"""`saved_model_cli show --all` lists the signatures with the documented names, dtypes, shapes."""

import os
import re
import subprocess

import pytest
import tensorflow as tf
from tensorflow.core.framework import types_pb2

from tests.export.signature_table import signature_table

_SIGNATURE = re.compile(r"^signature_def\['(\w+)'\]:")
_TENSOR = re.compile(r"^\s+(inputs|outputs)\['(\w+)'\] tensor_info:")
_FIELD = re.compile(r"^\s+(dtype|shape): (.+)$")


def _parse(cli_output: str) -> dict:
    """{signature: {"inputs"|"outputs": {tensor: (dtype, shape)}}} from the CLI's text."""
    table, tensor = {}, None
    for line in cli_output.splitlines():
        if match := _SIGNATURE.match(line):
            signature = table.setdefault(match[1], {"inputs": {}, "outputs": {}})
        elif match := _TENSOR.match(line):
            tensor = signature[match[1]].setdefault(match[2], {})
        elif (match := _FIELD.match(line)) and tensor is not None:
            tensor[match[1]] = match[2]
    return {
        name: {
            side: {
                t: (tf.as_dtype(types_pb2.DataType.Value(f["dtype"])).name, f["shape"])
                for t, f in sorted(tensors.items())
            }
            for side, tensors in sides.items()
        }
        for name, sides in table.items()
        if not name.startswith("__")
    }


@pytest.mark.subprocess
def test_saved_model_cli_lists_the_documented_signatures(vae_mlp):
    result = subprocess.run(
        ["saved_model_cli", "show", "--all", "--dir", vae_mlp.path],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    listed = _parse(result.stdout)
    assert sorted(listed) == [
        "decode",
        "encode",
        "log_likelihood",
        "reconstruct",
        "sample",
        "serving_default",
    ]
    assert listed == signature_table(vae_mlp.path)
