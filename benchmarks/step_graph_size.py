"""The size of a zoo model's traced training loop: nodes per function, op types and scopes.

    python benchmarks/step_graph_size.py --model=attentive_vae_16
    python benchmarks/step_graph_size.py --override=shared_cell_graphs=False

Builds the model and its training loop as `train_throughput` does (`random_data_training`,
batch 1: the graph does not depend on the batch), traces the loop's `tf.function` without
running it and prints the nodes of the outer graph and of every function in its library
(the loop's body, the update branch, the shared cell functions), the `--top` op types, and
the `--top` name scopes of the largest function (`--scope_depth` levels, numbered names
folded: `encoder_3` -> `encoder_N`; `G` marks the gradient's nodes, `F` the rest). The
instantiated graph, not the tensors, holds most of a deep model's memory outside the batch's
activations and most of its first step (README, issue 13).
"""

import collections
import pathlib
import re
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS


def _define_flags() -> None:
    flags.DEFINE_string("model", "attentive_vae_16", "Zoo name.")
    flags.DEFINE_multi_string("override", [], "Recipe override field=value.")
    flags.DEFINE_integer("top", 20, "Op types and scopes to print.")
    flags.DEFINE_integer("scope_depth", 2, "Name-scope levels below the loop's own.")


def scope_key(node_name: str, depth: int) -> str:
    """`while/deep_attentive_vae_1/encoder_3/block_0/...` -> `F deep_attentive_vae_N/encoder_N`
    (depth 2); gradient nodes are marked `G`."""
    gradient = ("gradients", "gradient_tape")
    parts = [p for p in node_name.split("/") if p != "while" and p not in gradient]
    mark = "G" if node_name.removeprefix("while/").startswith(gradient) else "F"
    return f"{mark} " + "/".join(re.sub(r"_\d+$", "_N", p) for p in parts[:depth])


def traced_loop(model: str, overrides=()):
    """(the traced loop's GraphDef, its functions largest first, tracing seconds)."""
    import tensorflow as tf

    from benchmarks.random_data_training import build

    training = build(model, smoke=False, batch_size=1, overrides=overrides)
    loop = training.loop._loop
    if not hasattr(loop, "get_concrete_function"):
        loop = loop.__wrapped__  # The tf.function inside Grappler's options wrapper.
    start = time.perf_counter()
    traced = loop.get_concrete_function(training.iterator, tf.constant(1), tf.constant(0))
    seconds = time.perf_counter() - start
    graph = traced.graph.as_graph_def()
    return graph, sorted(graph.library.function, key=lambda f: -len(f.node_def)), seconds


def main(argv):
    del argv
    graph, functions, seconds = traced_loop(FLAGS.model, FLAGS.override)
    total = len(graph.node) + sum(len(f.node_def) for f in functions)
    print(
        f"{FLAGS.model} ({', '.join(FLAGS.override) or 'recipe'}): {total:,} nodes, "
        f"{graph.ByteSize() / 2**20:.1f} MiB GraphDef, traced in {seconds:.0f} s"
    )
    print(f"  {len(graph.node):>8,}  outer graph")
    for function in functions:
        print(f"  {len(function.node_def):>8,}  {function.signature.name}")
    op_types = collections.Counter(n.op for n in graph.node)
    for function in functions:
        op_types.update(n.op for n in function.node_def)
    print("op types:")
    for op, count in op_types.most_common(FLAGS.top):
        print(f"  {count:>8,}  {op}")
    largest = functions[0]
    scopes = collections.Counter(scope_key(n.name, FLAGS.scope_depth) for n in largest.node_def)
    print(f"scopes of {largest.signature.name}:")
    for scope, count in scopes.most_common(FLAGS.top):
        print(f"  {count:>8,}  {scope}")


if __name__ == "__main__":
    _define_flags()
    app.run(main)
