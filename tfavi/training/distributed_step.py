"""The training step under any `tf.distribute` strategy, with a non-finite guard, and a loop
of N steps inside one `tf.function`.

Keras 3's `model.fit` fails under `MultiWorkerMirroredStrategy` (keras-team/keras#20585);
calling `strategy.run` on a Keras 3 model works, so tfavi trains with this step, as Model
Garden (Orbit) and big_vision do.

tfavi's graph functions are traced with autograph off (`autograph=False`): the model code has
no Python control flow over tensors (loops are `tf.while_loop`s), and converting it cost about
a fifth of the tracing of `attentive_vae_mnist`'s training loop (README, Benchmarks).
"""

import keras
import tensorflow as tf

from tfavi.training.grappler import with_graph_optimization
from tfavi.training.weight_average import WeightAverage
from tfavi.training.weight_penalty import WeightPenalty


def make_train_step(
    model,
    optimizer,
    strategy,
    global_batch_size: int,
    clip_norm: float = 0.0,
    graph_optimization: bool = True,
    *,
    grappler_passes: str = "",
    jit_compile: bool = False,
    weight_average=None,
):
    """Returns a function mapping a distributed batch to (mean loss, skipped: bool).

    The per-example objective is averaged over the global batch on every replica, so the
    gradients the optimizer sums across replicas are those of the global mean. An update whose
    loss or gradients hold NaN/Inf on any replica is skipped everywhere (one check: the global
    norm of the gradients is finite); the model's metrics are updated only with finite steps.
    A skipped update still advances `optimizer.iterations`, the one step counter, so the
    learning-rate schedule follows the loop's step. Under a `LossScaleOptimizer` (float16) the
    loss is scaled and a skip halves the scale. `jit_compile` compiles the forward and backward
    pass with XLA; `weight_average` (a `WeightAverage`) is updated after every applied update;
    `graph_optimization=False` runs the step without Grappler, `grappler_passes` with only those
    of its passes (`grappler.with_graph_optimization`).
    """
    replica_step = _replica_step(
        model, optimizer, global_batch_size, clip_norm, jit_compile, weight_average
    )

    @tf.function(autograph=False)
    def train_step(batch):
        return _run(strategy, replica_step, batch)

    return with_graph_optimization(train_step, graph_optimization, grappler_passes)


def make_train_loop_fn(
    model,
    optimizer,
    strategy,
    global_batch_size: int,
    steps_per_loop: int,
    clip_norm: float = 0.0,
    graph_optimization: bool = True,
    *,
    grappler_passes: str = "",
    jit_compile: bool = False,
    weight_average=None,
) -> "TrainLoop":
    """`make_train_step`'s step run `steps_per_loop` times inside one `tf.function` call over
    an iterator of distributed batches (as Orbit's `steps_per_loop`); see `TrainLoop`."""
    replica_step = _replica_step(
        model, optimizer, global_batch_size, clip_norm, jit_compile, weight_average
    )

    @tf.function(autograph=False)
    def loop(iterator, num_steps, run):
        def step(done, loss_sum, skipped, run, longest):
            loss, was_skipped = _run(strategy, replica_step, next(iterator))
            skip = tf.cast(was_skipped, tf.int32)
            run = (run + 1) * skip
            loss_sum += tf.where(was_skipped, 0.0, loss)
            return done + 1, loss_sum, skipped + skip, run, tf.maximum(longest, run)

        start = (tf.constant(0), tf.constant(0.0), tf.constant(0), run, run)
        _, *results = tf.while_loop(lambda done, *_: done < num_steps, step, start)
        return tuple(results)

    return TrainLoop(
        with_graph_optimization(loop, graph_optimization, grappler_passes), steps_per_loop
    )


def make_recipe_train_loop(model, optimizer, strategy, config):
    """`make_train_loop_fn` with a recipe's (`TrainConfig`) options. Returns the loop and the
    recipe's weight average (a `WeightAverage` made under `strategy`, or None without
    `ema_decay`)."""
    average = None
    if config.ema_decay:
        with strategy.scope():
            average = WeightAverage(model.trainable_variables, config.ema_decay)
    loop = make_train_loop_fn(
        model,
        optimizer,
        strategy,
        config.batch_size,
        config.steps_per_loop,
        config.grad_clip_norm,
        config.graph_optimization,
        grappler_passes=config.grappler_passes,
        jit_compile=config.jit_compile,
        weight_average=average,
    )
    return loop, average


class TrainLoop:
    """`loop(iterator, num_steps=steps_per_loop)` runs that many training steps in one
    `tf.function` call and reads its results on the host once.

    Returns a dict: `steps`; `loss`, the mean loss of the applied (not skipped) updates (NaN
    if none); `skipped`, the number of skipped updates; `consecutive_skips`, the run of
    skipped updates at the end of the call, counting the calls before it; and
    `max_consecutive_skips`, the longest such run reached during the call. A smaller
    `num_steps` (the end of an epoch) reuses the same graph.
    """

    def __init__(self, loop, steps_per_loop: int):
        if steps_per_loop < 1:
            raise ValueError(f"steps_per_loop must be at least 1, got {steps_per_loop}.")
        self._loop = loop
        self.steps_per_loop = steps_per_loop
        self.consecutive_skips = 0

    def __call__(self, iterator, num_steps: int | None = None) -> dict:
        steps = self.steps_per_loop if num_steps is None else int(num_steps)
        loss_sum, skipped, run, longest = self._loop(
            iterator, tf.constant(steps), tf.constant(self.consecutive_skips)
        )
        skipped, self.consecutive_skips = int(skipped), int(run)
        applied = steps - skipped
        return {
            "steps": steps,
            "loss": float(loss_sum) / applied if applied else float("nan"),
            "skipped": skipped,
            "consecutive_skips": self.consecutive_skips,
            "max_consecutive_skips": int(longest),
        }


def _run(strategy, replica_step, batch):
    loss, skipped = strategy.run(replica_step, args=(batch,))
    return (
        strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None),
        strategy.experimental_local_results(skipped)[0],
    )


def _replica_step(model, optimizer, global_batch_size, clip_norm, jit_compile, weight_average):
    """The per-replica step: (this replica's share of the mean loss, skipped)."""
    variables = model.trainable_variables
    scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    penalty = WeightPenalty(model, variables)

    def gradients_of(images):
        with tf.GradientTape() as tape:
            per_example, outputs = model.objective(images, training=True)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch_size)
            taped = penalty.taped_terms()
            if taped:
                loss += tf.nn.scale_regularization_loss(tf.add_n(taped))
            target = optimizer.scale_loss(loss) if scaled else loss
        gradients = tape.gradient(target, variables)
        gradients = [
            tf.zeros_like(v) if g is None else g for g, v in zip(gradients, variables, strict=True)
        ]
        # The L2 penalties and their gradients in closed form, scaled as the loss is.
        replicas = tf.distribute.get_replica_context().num_replicas_in_sync
        scale = (optimizer.dynamic_scale if scaled else 1.0) / replicas
        l2, gradients = penalty.add_l2(gradients, scale)
        return loss + l2 / replicas, gradients, outputs

    if jit_compile:
        gradients_of = tf.function(gradients_of, jit_compile=True, autograph=False)

    def replica_step(images):
        context = tf.distribute.get_replica_context()
        loss, gradients, outputs = gradients_of(images)
        finite = tf.logical_and(
            tf.math.is_finite(loss), tf.math.is_finite(tf.linalg.global_norm(gradients))
        )
        bad_replicas = context.all_reduce(
            tf.distribute.ReduceOp.SUM, tf.cast(tf.logical_not(finite), tf.int32)
        )
        ok = tf.equal(bad_replicas, 0)
        if clip_norm > 0:
            # Clip the global gradient, then hand each replica its share for the optimizer's sum.
            summed = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
            limit = clip_norm * optimizer.dynamic_scale if scaled else clip_norm
            clipped, _ = tf.clip_by_global_norm(summed, limit)
            gradients = [g / context.num_replicas_in_sync for g in clipped]
        context.merge_call(
            _apply_if, args=(optimizer, gradients, variables, ok, weight_average, scaled)
        )
        tf.cond(ok, lambda: _update_metrics(model, outputs), lambda: tf.constant(False))
        return loss, tf.logical_not(ok)

    return replica_step


def _apply_if(strategy, optimizer, gradients, variables, ok, weight_average, scaled):
    # A `cond` whose branch synchronises replicas must run in cross-replica context.
    def apply():
        strategy.extended.call_for_each_replica(
            lambda g: optimizer.apply(g, variables), args=(gradients,)
        )
        if weight_average is not None:
            weight_average.update()
        return tf.constant(True)

    def skip():
        optimizer.iterations.assign_add(1)
        if scaled:
            optimizer.step_counter.assign(0)
            optimizer.dynamic_scale.assign(optimizer.dynamic_scale * 0.5)
        return tf.constant(False)

    return tf.cond(strategy.experimental_local_results(ok)[0], apply, skip)


def _update_metrics(model, outputs):
    model.update_metrics(outputs)
    return tf.constant(True)


def make_eval_step(model, strategy, graph_optimization: bool = True, grappler_passes: str = ""):
    """Returns a function that updates the model's metrics with a distributed batch."""

    @tf.function(autograph=False)
    def eval_step(batch):
        strategy.run(lambda images: model.update_metrics(model(images, training=False)), (batch,))

    return with_graph_optimization(eval_step, graph_optimization, grappler_passes)
