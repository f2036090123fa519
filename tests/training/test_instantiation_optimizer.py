"""The instantiation optimizer (common-subexpression elimination at a function's first call)
is on by default, off when set before TensorFlow starts, and a started process keeps its
setting (`tfavi.training.instantiation_optimizer`)."""

import os
import pathlib
import subprocess
import sys

import pytest
import tensorflow as tf
from absl import logging

from tfavi.training.instantiation_optimizer import (
    instantiation_optimizer_enabled,
    set_instantiation_optimizer,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Counts the Mul ops that run in one call of x * y + x * y with Grappler off: CSE leaves one.
PROBE = """
import sys, tempfile
import tensorflow as tf
from benchmarks.step_profile import read_trace
from tfavi.training.grappler import with_graph_optimization
from tfavi.training.instantiation_optimizer import set_instantiation_optimizer

applied = set_instantiation_optimizer(sys.argv[1] == "on")
step = with_graph_optimization(tf.function(lambda x, y: x * y + x * y), False)
x = tf.ones([3])
step(x, x)
logdir = tempfile.mkdtemp()
tf.profiler.experimental.start(logdir)
step(x, x)
tf.profiler.experimental.stop()
print(applied, sum(t.count for n, t in read_trace(logdir).items() if n.endswith(":Mul")))
"""


@pytest.mark.parametrize("setting, executed_multiplies", [("on", 1), ("off", 2)])
def test_a_fresh_process_runs_with_the_setting(setting, executed_multiplies):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, setting],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["True", str(executed_multiplies)]


def test_a_started_process_keeps_its_setting(caplog):
    tf.constant(1.0) + 1.0  # TensorFlow has started.
    enabled = instantiation_optimizer_enabled()
    assert set_instantiation_optimizer(enabled)
    with caplog.at_level(logging.WARNING):
        assert not set_instantiation_optimizer(not enabled)
    assert instantiation_optimizer_enabled() == enabled
    assert "Start a fresh process" in caplog.text
