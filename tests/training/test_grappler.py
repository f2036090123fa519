"""A step runs with all, none or only the chosen Grappler passes, and leaves the process's
optimizer options as they were (`tfavi.training.grappler`)."""

import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from tfavi.training.grappler import PASSES, with_graph_optimization


def _optimised_ops(function) -> list:
    """The op types of `function`'s graphs after Grappler, from its first call."""
    ctx = context.context()
    ctx.enable_run_metadata()
    try:
        function(tf.ones([3]))
        metadata = ctx.export_run_metadata()
    finally:
        ctx.disable_run_metadata()
    return [n.op for g in metadata.function_graphs for n in g.post_optimization_graph.node]


def _multiplies(enabled, passes=""):
    """Mul ops left of x * (2 * 3): constant folding leaves one, no folding two."""

    @tf.function
    def scale(x):
        return x * (tf.constant(2.0) * tf.constant(3.0))

    return _optimised_ops(with_graph_optimization(scale, enabled, passes)).count("Mul")


@pytest.mark.parametrize(
    "enabled, passes, expected",
    [
        (True, "", 1),
        (False, "", 2),
        (True, "constant_folding", 1),
        (True, "remapping, arithmetic_optimization", 2),
    ],
)
def test_only_the_chosen_passes_rewrite_the_graph(enabled, passes, expected):
    before = tf.config.optimizer.get_experimental_options()
    assert _multiplies(enabled, passes) == expected
    assert tf.config.optimizer.get_experimental_options() == before


def test_unknown_passes_are_named():
    with pytest.raises(ValueError, match=r"Unknown Grappler passes \['folding'\]; choose from"):
        with_graph_optimization(lambda: None, True, "folding,remapping")
    assert "remapping" in PASSES
