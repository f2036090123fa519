"""tfavi turns on TensorFlow's oneDNN kernels on x86 CPUs unless the user chose."""

import os
import platform
import subprocess
import sys

import pytest

from tfavi import cpu_kernels

VARIABLE = cpu_kernels.ONEDNN_VARIABLE


@pytest.fixture
def before_tensorflow(monkeypatch):
    """A process where TensorFlow is not loaded and the variable is unset, on an x86 CPU."""
    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.delenv(VARIABLE, raising=False)
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    return monkeypatch


def test_sets_the_variable_on_x86_before_tensorflow_loads(before_tensorflow):
    assert cpu_kernels.prefer_onednn_kernels()
    assert os.environ[VARIABLE] == "1"


@pytest.mark.parametrize("choice", ["0", "1"])
def test_keeps_the_users_choice(before_tensorflow, choice):
    before_tensorflow.setenv(VARIABLE, choice)
    assert not cpu_kernels.prefer_onednn_kernels()
    assert os.environ[VARIABLE] == choice


def test_leaves_other_cpus_alone(before_tensorflow):
    before_tensorflow.setattr(platform, "machine", lambda: "aarch64")
    assert not cpu_kernels.prefer_onednn_kernels()
    assert VARIABLE not in os.environ


def test_too_late_once_tensorflow_is_loaded(before_tensorflow):
    before_tensorflow.setitem(sys.modules, "tensorflow", object())
    assert not cpu_kernels.prefer_onednn_kernels()
    assert VARIABLE not in os.environ


@pytest.mark.skipif(platform.machine().lower() not in cpu_kernels.X86_MACHINES, reason="x86")
def test_tensorflow_runs_onednn_when_tfavi_is_imported_first():
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    code = (
        "import os, tfavi\n"
        "from tensorflow.python.util import _pywrap_util_port\n"
        f"print(os.environ['{VARIABLE}'], _pywrap_util_port.IsMklEnabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["1", "True"]
