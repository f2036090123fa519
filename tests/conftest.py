"""Test session setup: two logical CPU devices stand in for two GPUs; the suite's scheduling
over its workers is in `tests/xdist_groups.py`."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tfavi  # noqa: E402, F401, I001  (first, as users import it: tfavi.cpu_kernels)
import tensorflow as tf  # noqa: E402

from tests.xdist_groups import (  # noqa: E402, F401  (hooks)
    pytest_collection_modifyitems,
    pytest_xdist_make_scheduler,
)

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
