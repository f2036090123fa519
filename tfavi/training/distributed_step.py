"""One training step under any `tf.distribute` strategy, with a non-finite guard.

Keras 3's `model.fit` fails under `MultiWorkerMirroredStrategy` (keras-team/keras#20585);
calling `strategy.run` on a Keras 3 model works, so tfavi trains with this step, as Model
Garden (Orbit) and big_vision do.
"""

import functools

import tensorflow as tf


def make_train_step(
    model,
    optimizer,
    strategy,
    global_batch_size: int,
    clip_norm: float = 0.0,
    graph_optimization: bool = True,
):
    """Returns a function mapping a distributed batch to (mean loss, skipped: bool).

    The per-example objective is averaged over the global batch on every replica, so the
    gradients the optimizer sums across replicas are those of the global mean. An update whose
    loss or gradients hold NaN/Inf on any replica is skipped everywhere; the model's metrics
    are updated only with finite steps. `graph_optimization=False` runs the step without
    Grappler (see `without_grappler`).
    """
    variables = model.trainable_variables

    def replica_step(images):
        context = tf.distribute.get_replica_context()
        with tf.GradientTape() as tape:
            per_example, outputs = model.objective(images, training=True)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch_size)
            # `model.losses` builds every weight penalty anew: read it once.
            penalties = model.losses
            if penalties:
                loss += tf.nn.scale_regularization_loss(tf.add_n(penalties))
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

    return train_step if graph_optimization else without_grappler(train_step)


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


def make_eval_step(model, strategy, graph_optimization: bool = True):
    """Returns a function that updates the model's metrics with a distributed batch."""

    @tf.function
    def eval_step(batch):
        strategy.run(lambda images: model.update_metrics(model(images, training=False)), (batch,))

    return eval_step if graph_optimization else without_grappler(eval_step)


def without_grappler(function):
    """Wraps a `tf.function` so that its calls run with Grappler's meta-optimizer off.

    The first call of a tf.function optimises its graph with Grappler, whose passes grow faster
    than linearly with the graph: on the 220k-node training step of `attentive_vae_16` they
    took 10 minutes and sped up later steps on CPU by nothing measurable. TensorFlow compiles a
    function once per call configuration, so the wrapped function keeps its unoptimised graph
    while every other tf.function of the process is optimised as usual.
    """

    @functools.wraps(function)
    def call(*args):
        option = "disable_meta_optimizer"
        previous = tf.config.optimizer.get_experimental_options().get(option, False)
        tf.config.optimizer.set_experimental_options({option: True})
        try:
            return function(*args)
        finally:
            tf.config.optimizer.set_experimental_options({option: previous})

    return call
