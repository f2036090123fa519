"""Where the time of a zoo model's training step goes: a TensorFlow profile, by op type.

    python benchmarks/step_profile.py --model=attentive_vae_mnist --smoke --steps=5

Builds the model and its training loop as `train_throughput` does (`random_data_training`:
random images of the model's shape; `--override` takes recipe fields such as
`graph_optimization=False` or `mixed_precision='bfloat16'`, or `model.<argument>`), runs the
first call and `--warmup` steps, then records `--steps` steps with `tf.profiler.experimental`
into `--logdir` (TensorBoard's profile plugin reads the same trace).

The trace is parsed here, with the XSpace protobuf TensorFlow ships: on the host plane every
executed TensorFlow op is an event whose metadata name is `<name scope>/<op name>:<OpType>`,
on the line (thread) that ran it. Prints, per step, the self time (the op's duration less that
of the ops nested in it on its thread) of the `--top` op types, the totals, and the self time
of coarse categories (`CATEGORIES`); `--group_by=scope` adds the `--top` name scopes (cut to
`--scope_depth` levels, optionally of the `--scope_op_types` only), which tell the layers apart
(`scope`). Summed op time may exceed the wall time: the inter-op
threads (one per core by default) run ops side by side, and an op's time includes its thread's
waits for the intra-op workers or, on a loaded machine, for a core.
"""

import dataclasses
import importlib
import pathlib
import re
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app, flags  # noqa: E402

CATEGORIES = {
    "convolution forward": (
        "Conv2D",
        "Conv2DWithBias",
        "FusedConv2D",
        "DepthwiseConv2dNative",
        "FusedDepthwiseConv2dNative",
    ),
    "convolution backward": (
        "Conv2DBackpropFilter",
        "Conv2DBackpropFilterWithBias",
        "Conv2DBackpropInput",
        "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
    ),
    "matmul / attention": (
        "MatMul",
        "FusedMatMul",
        "BatchMatMul",
        "BatchMatMulV2",
        "BatchMatMulV3",
        "FusedBatchMatMulV2",
        "Einsum",
        "Softmax",
        "LogSoftmax",
    ),
    "batch norm": (
        "FusedBatchNorm",
        "FusedBatchNormV3",
        "FusedBatchNormEx",
        "FusedBatchNormGrad",
        "FusedBatchNormGradV3",
    ),
    "optimizer update": (
        "ResourceApplyAdam",
        "ResourceApplyAdaMax",
        "ResourceApplyGradientDescent",
    ),
    "reduction": (
        "Sum",
        "Mean",
        "Max",
        "Min",
        "Prod",
        "All",
        "Any",
        "ArgMax",
        "ArgMin",
        "L2Loss",
        "BiasAddGrad",
        "Cumsum",
    ),
    "element-wise": (
        "Abs",
        "Add",
        "AddN",
        "AddV2",
        "BiasAdd",
        "Cast",
        "ClipByValue",
        "Cos",
        "Div",
        "DivNoNan",
        "Elu",
        "EluGrad",
        "Equal",
        "Erf",
        "Exp",
        "Expm1",
        "Floor",
        "FloorDiv",
        "FloorMod",
        "Greater",
        "GreaterEqual",
        "IsFinite",
        "LeakyRelu",
        "LeakyReluGrad",
        "Less",
        "LessEqual",
        "Log",
        "Log1p",
        "LogicalAnd",
        "LogicalNot",
        "LogicalOr",
        "Maximum",
        "Minimum",
        "Mul",
        "MulNoNan",
        "Neg",
        "NotEqual",
        "Pow",
        "RealDiv",
        "Reciprocal",
        "ReciprocalGrad",
        "Relu",
        "ReluGrad",
        "Rsqrt",
        "RsqrtGrad",
        "Select",
        "SelectV2",
        "Sigmoid",
        "SigmoidGrad",
        "Sign",
        "Sin",
        "Softplus",
        "SoftplusGrad",
        "Sqrt",
        "SqrtGrad",
        "Square",
        "SquaredDifference",
        "Sub",
        "Swish",
        "Tanh",
        "TanhGrad",
        "Xlogy",
    ),
    "random sampling": (
        "RandomStandardNormal",
        "RandomUniform",
        "StatelessRandomNormalV2",
        "StatelessRandomUniformV2",
        "StatelessRandomGetKeyCounter",
    ),
    "data movement / transposes": (
        "BroadcastTo",
        "Concat",
        "ConcatV2",
        "DepthToSpace",
        "DynamicStitch",
        "ExpandDims",
        "Fill",
        "GatherV2",
        "IteratorGetNext",
        "MirrorPad",
        "OnesLike",
        "Pack",
        "Pad",
        "PadV2",
        "Reshape",
        "ResizeBilinear",
        "ResizeBilinearGrad",
        "ResizeNearestNeighbor",
        "ResizeNearestNeighborGrad",
        "ReverseV2",
        "Slice",
        "SpaceToDepth",
        "Split",
        "SplitV",
        "Squeeze",
        "StridedSlice",
        "StridedSliceGrad",
        "Tile",
        "Transpose",
        "Unpack",
        "ZerosLike",
    ),
    "variables, control flow, bookkeeping": (
        "Assert",
        "AssignAddVariableOp",
        "AssignSubVariableOp",
        "AssignVariableOp",
        "BroadcastGradientArgs",
        "Const",
        "Enter",
        "Exit",
        "Identity",
        "IdentityN",
        "LoopCond",
        "Merge",
        "NextIteration",
        "NoOp",
        "ReadVariableOp",
        "Shape",
        "ShapeN",
        "Size",
        "Switch",
    ),
}
"""Coarse categories of op types, as `base_op_type` names them; other types are "other"."""
CATEGORY_OF = {op: category for category, ops in CATEGORIES.items() for op in ops}

# `<op name>:<OpType>`, as TensorFlow's profiler parses op events (tf_op_utils.cc).
_OP_EVENT = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_./>-]*:(_?[A-Z][A-Za-z0-9_]*)")
# Name-scope levels of the training loop's and `tf.cond`'s function bodies: not the model's.
_WRAPPER_SCOPES = re.compile(r"while|body|cond|then|else|_\d+")
# oneDNN's rewrites (`_MklNativeFusedConv2D`) and internal ops (`_FusedConv2D`, `_Recv`).
_INTERNAL_PREFIX = re.compile(r"^_(MklNative|Mkl)?")
_XPLANE_MODULES = (
    "tensorflow.tsl.profiler.protobuf.xplane_pb2",  # TensorFlow 2.21
    "tsl.profiler.protobuf.xplane_pb2",
    "tensorflow.core.profiler.protobuf.xplane_pb2",
)


def xplane_pb2():
    """The XSpace protobuf module of the installed TensorFlow."""
    for name in _XPLANE_MODULES:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError(f"No XSpace protobuf module among {_XPLANE_MODULES}.")


def base_op_type(op_type: str) -> str:
    """The op type without oneDNN's or TensorFlow's internal prefix: `_MklNativeConv2D` ->
    `Conv2D`, `_FusedMatMul` -> `FusedMatMul`."""
    return _INTERNAL_PREFIX.sub("", op_type)


def category(op_type: str) -> str:
    return CATEGORY_OF.get(base_op_type(op_type), "other")


def op_type(name: str) -> str:
    """The op type of an op event's name `<name scope>/<op name>:<OpType>`."""
    return name.rpartition(":")[2]


def scope(name: str, depth: int) -> str:
    """The name scope of an op event, cut to `depth` levels, without the levels of the loop's
    function bodies and with one `_<n>` suffix (a layer's n-th call) dropped per level:
    `while/body/_1/while/vae_1/dense_2/MatMul:MatMul` -> `vae/dense`. Ops of the gradient
    tape are marked `backward `."""
    levels = name.rpartition(":")[0].split("/")[:-1]
    backward = "gradient_tape" in levels
    kept = [
        re.sub(r"_\d+$", "", level)
        for level in levels
        if level != "gradient_tape" and not _WRAPPER_SCOPES.fullmatch(level)
    ]
    return ("backward " if backward else "") + ("/".join(kept[:depth]) or "(top level)")


@dataclasses.dataclass
class OpTime:
    """Self time (picoseconds) and number of executions of one op or group of ops."""

    self_ps: int = 0
    count: int = 0


def op_self_times(space) -> dict[str, OpTime]:
    """Self time and count of every TensorFlow op executed in the XSpace's host planes, by op
    event name (`<name scope>/<op name>:<OpType>`).

    An op event's self time is its duration less the durations of the op events directly
    nested in it on the same line (a kernel that runs other ops on its own thread)."""
    times: dict[str, OpTime] = {}
    for plane in space.planes:
        if not plane.name.startswith("/host:"):
            continue
        names = {
            metadata_id: metadata.name
            for metadata_id, metadata in plane.event_metadata.items()
            if _OP_EVENT.fullmatch(metadata.name)
        }
        for line in plane.lines:
            events = sorted(
                (
                    (e.offset_ps, e.duration_ps, names[e.metadata_id])
                    for e in line.events
                    if e.metadata_id in names
                ),
                key=lambda event: (event[0], -event[1]),
            )
            open_events = []  # [end, self time, name] of the enclosing events
            for start, duration, name in events:
                while open_events and open_events[-1][0] <= start:
                    _close(times, *open_events.pop()[1:])
                if open_events:
                    open_events[-1][1] -= duration
                open_events.append([start + duration, duration, name])
            while open_events:
                _close(times, *open_events.pop()[1:])
    return times


def _close(times, self_ps, name):
    entry = times.setdefault(name, OpTime())
    entry.self_ps += self_ps
    entry.count += 1


def grouped(times: dict[str, OpTime], key) -> dict[str, OpTime]:
    """The times summed by `key(name)` of the op events' names (None leaves an op out)."""
    groups: dict[str, OpTime] = {}
    for name, t in times.items():
        group = key(name)
        if group is not None:
            entry = groups.setdefault(group, OpTime())
            entry.self_ps += t.self_ps
            entry.count += t.count
    return groups


def report(
    times: dict[str, OpTime],
    steps: int,
    wall_seconds: float,
    top: int,
    scope_depth: int | None = None,
    scope_op_types=(),
) -> str:
    """Markdown tables, per step, after the totals: of the op types (the `top` by self time),
    of the categories and, with a `scope_depth`, of the `top` name scopes (`scope`), counting
    only the `scope_op_types` if given. `times` are by op event name (`op_self_times`)."""
    total_ps = sum(t.self_ps for t in times.values()) or 1
    count = sum(t.count for t in times.values())
    by_type = grouped(times, op_type)
    wall_ms = 1000 * wall_seconds / steps
    op_ms = total_ps / steps / 1e9
    lines = [
        f"wall time per step: {wall_ms:.2f} ms",
        f"summed op self time per step: {op_ms:.2f} ms ({op_ms / wall_ms:.2f} x wall)",
        f"ops executed per step: {count / steps:.0f} ({len(by_type)} op types)",
        "",
        *_table("op type", by_type, total_ps, steps, top, with_category=True),
        "",
        *_table("category", grouped(times, lambda name: category(op_type(name))), total_ps, steps),
    ]
    if scope_depth is not None:
        selected = set(scope_op_types)
        scopes = grouped(
            times,
            lambda name: (
                scope(name, scope_depth)
                if not selected or base_op_type(op_type(name)) in selected
                else None
            ),
        )
        lines += ["", *_table("name scope", scopes, total_ps, steps, top)]
    return "\n".join(lines)


def _table(label, groups, total_ps, steps, top=None, with_category=False) -> list[str]:
    """The rows of `groups` by decreasing self time, the `top` ones and a row of the rest."""
    ranked = sorted(groups.items(), key=lambda item: -item[1].self_ps)
    if top is not None and len(ranked) > top:
        rest = grouped(dict(ranked[top:]), lambda name: f"({len(ranked) - top} more)")
        ranked = ranked[:top] + list(rest.items())
    header = f"| {label} |{' category |' if with_category else ''}"
    lines = [
        f"{header} ms/step | % of op time | count/step | mean µs/op |",
        "|---" * (5 + with_category) + "|",
    ]
    for name, t in ranked:
        kind = f" {category(name) if name in groups else ''} |" if with_category else ""
        lines.append(
            f"| {name} |{kind} {t.self_ps / steps / 1e9:.2f} | {100 * t.self_ps / total_ps:.1f} "
            f"| {t.count / steps:.0f} | {t.self_ps / max(t.count, 1) / 1e6:.1f} |"
        )
    return lines


def read_trace(logdir: str) -> dict[str, OpTime]:
    """The op self times, by op event name, of the newest profile run under `logdir` (all its
    hosts' files)."""
    runs = sorted(pathlib.Path(logdir).glob("plugins/profile/*"))
    files = sorted(runs[-1].glob("*.xplane.pb")) if runs else []
    if not files:
        raise FileNotFoundError(f"No *.xplane.pb under {logdir}/plugins/profile.")
    module = xplane_pb2()
    times: dict[str, OpTime] = {}
    for path in files:
        space = module.XSpace()
        space.ParseFromString(path.read_bytes())
        for name, t in op_self_times(space).items():
            entry = times.setdefault(name, OpTime())
            entry.self_ps += t.self_ps
            entry.count += t.count
    return times


def _define_flags() -> None:
    flags.DEFINE_string("model", "vae_mlp", "Zoo name.")
    flags.DEFINE_bool("smoke", False, "Profile the smoke variant of the model.")
    flags.DEFINE_integer("batch_size", 32, "Global batch size.")
    flags.DEFINE_multi_string("override", [], "Recipe override field=value.")
    flags.DEFINE_integer("steps", 5, "Profiled steps.")
    flags.DEFINE_integer("warmup", 2, "Unprofiled steps after the first call.")
    flags.DEFINE_integer("top", 25, "Op types (and name scopes) listed.")
    flags.DEFINE_enum("group_by", "type", ["type", "scope"], "Also list name scopes: 'scope'.")
    flags.DEFINE_integer("scope_depth", 3, "Name-scope levels kept by --group_by=scope.")
    flags.DEFINE_list("scope_op_types", [], "Count only these op types by name scope.")
    flags.DEFINE_string("logdir", None, "Folder of the trace (default: a new temporary one).")
    flags.DEFINE_string("strategy", "default", "tf.distribute strategy.")


def main(argv):
    del argv
    from benchmarks import random_data_training

    FLAGS = flags.FLAGS
    if FLAGS.steps < 1:
        raise app.UsageError("--steps must be at least 1.")
    logdir = FLAGS.logdir or tempfile.mkdtemp(prefix="step_profile_")
    training = random_data_training.build(
        FLAGS.model, FLAGS.smoke, FLAGS.batch_size, FLAGS.override, FLAGS.strategy
    )
    import tensorflow as tf  # After `build`, which imports tfavi first.

    training.run(1)
    training.run(FLAGS.warmup)
    # The defaults, spelt out: level 2 traces every executed op, cheap ones included.
    options = tf.profiler.experimental.ProfilerOptions(
        host_tracer_level=2, python_tracer_level=0, device_tracer_level=1
    )
    tf.profiler.experimental.start(logdir, options=options)
    begin = time.perf_counter()
    training.run(FLAGS.steps)  # Reads the results on the host: the steps are done.
    wall = time.perf_counter() - begin
    tf.profiler.experimental.stop()
    config = training.config
    print(
        f"{FLAGS.model}{' (smoke)' if FLAGS.smoke else ''}: batch {config.batch_size}, "
        f"{FLAGS.steps} profiled steps after {FLAGS.warmup} warm-up, steps_per_loop "
        f"{config.steps_per_loop}, overrides {FLAGS.override or 'none'}; trace in {logdir}"
    )
    scope_depth = FLAGS.scope_depth if FLAGS.group_by == "scope" else None
    times = read_trace(logdir)
    print(report(times, FLAGS.steps, wall, FLAGS.top, scope_depth, FLAGS.scope_op_types))


if __name__ == "__main__":
    _define_flags()
    app.run(main)
