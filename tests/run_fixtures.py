"""A finished smoke run of `vae_mlp` trained in-process, for the preset-from-run tests."""

import os

import pytest

from tfavi.tools import cli, train

needs_data = pytest.mark.skipif(
    not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), "binarized_mnist")),
    reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> str:
    """The workdir of `tools/train.py --model=vae_mlp --smoke` (2 epochs of 5 steps)."""
    workdir = str(tmp_path_factory.mktemp("run") / "vae_mlp")
    cli.call(train, ["train.py", "--model=vae_mlp", "--smoke", f"--workdir={workdir}"])
    return workdir
