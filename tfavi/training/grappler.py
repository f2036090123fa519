"""Which of Grappler's graph rewrites a `tf.function` runs with.

Grappler optimises a `tf.function`'s graph at its first call, with the process's optimizer
options of that moment. Its passes cost time that grows faster than linearly with the graph
(10 minutes on the 220k-node training step of `attentive_vae_16`) and their gain on CPU varies
by pass, so a recipe can turn Grappler off or keep only some passes for its steps
(`TrainConfig.graph_optimization`, `TrainConfig.grappler_passes`).
"""

import functools

import tensorflow as tf

# The passes Grappler runs by default, by their `tf.config.optimizer` option names.
PASSES = (
    "layout_optimizer",
    "constant_folding",
    "shape_optimization",
    "remapping",
    "arithmetic_optimization",
    "dependency_optimization",
    "loop_optimization",
    "function_optimization",
    "debug_stripper",
    "implementation_selector",
    "pin_to_host_optimization",
)


def parse_passes(text: str) -> tuple:
    """The pass names of a comma-separated list ("" names none)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def with_graph_optimization(function, enabled: bool = True, passes: str = ""):
    """Wraps a `tf.function` so that its calls run with all, none or only some of Grappler's
    passes (`passes`: comma-separated `PASSES` names; "" is all of them); every other
    tf.function of the process is optimised as usual.

    TensorFlow compiles a function once per call configuration, so the wrapped function keeps
    the graph it was first optimised with. With all passes, `function` is returned as it is.
    """
    chosen = parse_passes(passes)
    if enabled and not chosen:
        return function
    if not enabled:
        options = {"disable_meta_optimizer": True}
    else:
        unknown = sorted(set(chosen) - set(PASSES))
        if unknown:
            raise ValueError(f"Unknown Grappler passes {unknown}; choose from {list(PASSES)}.")
        options = {name: name in chosen for name in PASSES}

    @functools.wraps(function)
    def call(*args):
        previous = tf.config.optimizer.get_experimental_options()
        tf.config.optimizer.set_experimental_options(options)
        try:
            return function(*args)
        finally:  # None restores an option's default.
            tf.config.optimizer.set_experimental_options({k: previous.get(k) for k in options})

    return call
