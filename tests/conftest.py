"""Test session setup: two logical CPU devices stand in for two GPUs; the suite's scheduling
over its workers is in `tests/xdist_groups.py`, `--run_large` in `tests/large_tests.py`."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tfavi  # noqa: E402, F401, I001  (first, as users import it: tfavi.cpu_kernels)
import tensorflow as tf  # noqa: E402

pytest_plugins = ("tests.xdist_groups", "tests.large_tests")

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
