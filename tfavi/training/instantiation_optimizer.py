"""TensorFlow's function-instantiation graph optimizer, which is not Grappler.

When a `tf.function` is first called, TensorFlow's runtime optimises its graph with the
`OptimizerOptions` of the process (`ConfigProto.graph_options`): at the default level L1,
common-subexpression elimination and constant folding, with the debug information of every
merged node. Grappler options (`tfavi.training.grappler`) do not reach it. On the 16-layer
attentive VAE's 158k-node training step (batch 1) these passes took 100 of the 156 s of the
first call (a `perf` profile: `OptimizeCSE` with `MergeDebugInfo`, `ConstantFold`).

The options are fixed when TensorFlow's eager context starts, at the first op of the
process, and TensorFlow offers no public setter: `set_instantiation_optimizer` sets the
context's configuration before it starts (the training tools call it first thing).
"""

from absl import logging
from tensorflow.core.protobuf import config_pb2
from tensorflow.python.eager import context

_LEVEL_OFF = config_pb2.OptimizerOptions(
    opt_level=config_pb2.OptimizerOptions.L0,
    do_common_subexpression_elimination=False,
    do_constant_folding=False,
)


def instantiation_optimizer_enabled() -> bool:
    """Whether function graphs get common-subexpression elimination and constant folding."""
    options = context.context().config.graph_options.optimizer_options
    return options.opt_level != config_pb2.OptimizerOptions.L0


def set_instantiation_optimizer(enabled: bool) -> bool:
    """Turns the instantiation optimizer on or off for the rest of the process, if
    TensorFlow's context has not started yet; returns whether the process now runs with the
    requested setting (a started context keeps its setting, with a logged warning)."""
    eager = context.context()
    if eager._context_handle is None:  # Not started: its configuration may still change.
        config = config_pb2.ConfigProto()
        if eager._config is not None:
            config.CopyFrom(eager._config)
        if enabled:
            config.graph_options.ClearField("optimizer_options")
        else:
            config.graph_options.optimizer_options.CopyFrom(_LEVEL_OFF)
        eager._config = config
        return True
    if instantiation_optimizer_enabled() == enabled:
        return True
    logging.warning(
        "instantiation_optimizer=%s is not applied: TensorFlow already ran an op in this "
        "process with the other setting. Start a fresh process (tools/train.py does) to "
        "change it.",
        enabled,
    )
    return False
