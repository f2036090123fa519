"""The step graph's size: scopes folded as the benchmark prints them, and the traced loop of a
small model holding its fused optimizer updates."""

from benchmarks import step_graph_size


def test_scope_keys_fold_numbers_and_mark_gradients():
    key = step_graph_size.scope_key
    assert key("while/gradient_tape/vae_1/encoder_3/block_0/Mul", 2) == "G vae_N/encoder_N"
    assert key("while/vae_1/encoder_12/block_0/Mul", 2) == "F vae_N/encoder_N"
    assert key("while/vae_1/encoder_12/block_0/Mul", 3) == "F vae_N/encoder_N/block_N"


def test_the_traced_loop_of_vae_mlp():
    graph, functions, _ = step_graph_size.traced_loop("vae_mlp")
    sizes = [len(f.node_def) for f in functions]
    assert sizes == sorted(sizes, reverse=True) and len(graph.node) > 0
    ops = [n.op for f in functions for n in f.node_def]
    # One fused Adamax/Adam kernel per variable (4 Dense layers: kernels and biases).
    fused = [op for op in ops if op.startswith("ResourceApply")]
    assert len(fused) > 0 and ops.count("Pow") <= 2
