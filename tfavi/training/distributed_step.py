"""One training step under any `tf.distribute` strategy, with a non-finite guard.

Keras 3's `model.fit` fails under `MultiWorkerMirroredStrategy` (keras-team/keras#20585);
calling `strategy.run` on a Keras 3 model works, so tfavi trains with this step, as Model
Garden (Orbit) and big_vision do.
"""

import tensorflow as tf


def make_train_step(model, optimizer, strategy, global_batch_size: int, clip_norm: float = 0.0):
    """Returns a `tf.function` mapping a distributed batch to (mean loss, skipped: bool).

    The per-example objective is averaged over the global batch on every replica, so the
    gradients the optimizer sums across replicas are those of the global mean. An update whose
    loss or gradients hold NaN/Inf on any replica is skipped everywhere; the model's metrics
    are updated only with finite steps.
    """
    variables = model.trainable_variables

    def replica_step(images):
        context = tf.distribute.get_replica_context()
        with tf.GradientTape() as tape:
            per_example, outputs = model.objective(images, training=True)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch_size)
            if model.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        gradients = tape.gradient(loss, variables)
        gradients = [
            tf.zeros_like(v) if g is None else g for g, v in zip(gradients, variables, strict=True)
        ]
        finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in [loss, *gradients]])
        bad_replicas = context.all_reduce(
            tf.distribute.ReduceOp.SUM, tf.cast(tf.logical_not(finite), tf.int32)
        )
        ok = tf.equal(bad_replicas, 0)
        if clip_norm > 0:
            # Clip the global gradient, then hand each replica its share for the optimizer's sum.
            summed = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
            clipped, _ = tf.clip_by_global_norm(summed, clip_norm)
            gradients = [g / context.num_replicas_in_sync for g in clipped]
        context.merge_call(_apply_if, args=(optimizer, gradients, variables, ok))
        tf.cond(ok, lambda: _update_metrics(model, outputs), lambda: tf.constant(False))
        return loss, tf.logical_not(ok)

    @tf.function
    def train_step(batch):
        loss, skipped = strategy.run(replica_step, args=(batch,))
        return (
            strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None),
            strategy.experimental_local_results(skipped)[0],
        )

    return train_step


def _apply_if(strategy, optimizer, gradients, variables, ok):
    # A `cond` whose branch synchronises replicas must run in cross-replica context.
    def apply():
        strategy.extended.call_for_each_replica(
            lambda g: optimizer.apply(g, variables), args=(gradients,)
        )
        return tf.constant(True)

    return tf.cond(strategy.experimental_local_results(ok)[0], apply, lambda: tf.constant(False))


def _update_metrics(model, outputs):
    model.update_metrics(outputs)
    return tf.constant(True)


def make_eval_step(model, strategy):
    """Returns a `tf.function` that updates the model's metrics with a distributed batch."""

    @tf.function
    def eval_step(batch):
        strategy.run(lambda images: model.update_metrics(model(images, training=False)), (batch,))

    return eval_step
