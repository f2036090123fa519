"""Standard-normal noise that does not depend on how a batch is split across replicas."""

import keras
import tensorflow as tf


def replica_invariant_normal(shape, seed: keras.random.SeedGenerator, dtype="float32"):
    """Draws N(0, 1) noise of `shape`, whose leading axis is this replica's batch.

    Under a `tf.distribute` strategy with R replicas the noise of the whole global batch is
    drawn from the shared seed and each replica keeps its own rows, so a data-parallel run
    sees exactly the noise a single device would see for the same global batch.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return keras.random.normal(shape, seed=seed, dtype=dtype)
    shape = tf.convert_to_tensor(shape)
    local_batch = shape[0]
    global_shape = tf.concat([[local_batch * replicas], shape[1:]], axis=0)
    noise = keras.random.normal(global_shape, seed=seed, dtype=dtype)
    start = context.replica_id_in_sync_group * local_batch
    return noise[start : start + local_batch]
