"""Test session setup: two logical CPU devices stand in for two GPUs."""

import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

# Python's cyclic garbage collector can run TensorFlow finalisers in the middle of an eager op;
# TF 2.21 then crashed twice in full test runs (segfaults inside "Garbage-collecting", as in
# tensorflow/tensorflow#59242). Collecting cycles every 50,000 allocations instead of every 700
# makes that rarer and still bounds the uncollected garbage.
gc.set_threshold(50_000, 10, 10)
