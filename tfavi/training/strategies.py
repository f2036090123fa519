"""`tf.distribute` strategies by name."""

import itertools

import tensorflow as tf

from tfavi.errors import ConfigError

STRATEGIES = ("default", "one_device", "mirrored", "multi_worker", "tpu")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """`default` (no distribution), `one_device`, `mirrored` (all local devices),
    `multi_worker` (from `TF_CONFIG`) or `tpu`."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        return mirrored_strategy(devices or [d.name for d in tf.config.list_logical_devices("CPU")])
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ConfigError(
        f"Unknown strategy {name!r}. Pass one of {', '.join(STRATEGIES)} to --strategy."
    )


# Collective group keys of each `MirroredStrategy` made by `mirrored_strategy`: 1 + base.
_COLLECTIVE_KEY_BASES = itertools.count(start=0, step=1000)


def mirrored_strategy(devices) -> tf.distribute.MirroredStrategy:
    """A `MirroredStrategy` over `devices` whose collective ops never meet an earlier one's.

    Every `MirroredStrategy` numbers its all-reduces from the same group and instance keys, and
    the runtime remembers each key's tensor shape for the life of the process: a second strategy
    that reduces a differently shaped tensor first (another model trained in the same process)
    aborts with "Shape mismatch in the collective instance 100". Each strategy made here starts
    from its own group key (TensorFlow's `_collective_key_base`, as its own tests do).
    """
    base = next(_COLLECTIVE_KEY_BASES)
    previous = tf.distribute.MirroredStrategy._collective_key_base
    tf.distribute.MirroredStrategy._collective_key_base = base
    try:
        return tf.distribute.MirroredStrategy(devices)
    finally:
        tf.distribute.MirroredStrategy._collective_key_base = previous
