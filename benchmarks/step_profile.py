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
of coarse categories (`CATEGORIES`). Summed op time may exceed the wall time: the inter-op
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


@dataclasses.dataclass
class OpTime:
    """Self time (picoseconds) and number of executions of one op type."""

    self_ps: int = 0
    count: int = 0


def op_self_times(space) -> dict[str, OpTime]:
    """Self time and count of every TensorFlow op type executed in the XSpace's host planes.

    An op event's self time is its duration less the durations of the op events directly
    nested in it on the same line (a kernel that runs other ops on its own thread)."""
    times: dict[str, OpTime] = {}
    for plane in space.planes:
        if not plane.name.startswith("/host:"):
            continue
        types = {}
        for metadata_id, metadata in plane.event_metadata.items():
            match = _OP_EVENT.fullmatch(metadata.name)
            if match:
                types[metadata_id] = match.group(1)
        for line in plane.lines:
            events = sorted(
                (
                    (e.offset_ps, e.duration_ps, types[e.metadata_id])
                    for e in line.events
                    if e.metadata_id in types
                ),
                key=lambda event: (event[0], -event[1]),
            )
            open_events = []  # [end, self time, op type] of the enclosing events
            for start, duration, op_type in events:
                while open_events and open_events[-1][0] <= start:
                    _close(times, *open_events.pop()[1:])
                if open_events:
                    open_events[-1][1] -= duration
                open_events.append([start + duration, duration, op_type])
            while open_events:
                _close(times, *open_events.pop()[1:])
    return times


def _close(times, self_ps, op_type):
    entry = times.setdefault(op_type, OpTime())
    entry.self_ps += self_ps
    entry.count += 1


def report(times: dict[str, OpTime], steps: int, wall_seconds: float, top: int) -> str:
    """Markdown tables of the op types (the `top` by self time) and of the categories, per
    step, after the totals."""
    total_ps = sum(t.self_ps for t in times.values()) or 1
    count = sum(t.count for t in times.values())
    wall_ms = 1000 * wall_seconds / steps
    op_ms = total_ps / steps / 1e9
    lines = [
        f"wall time per step: {wall_ms:.2f} ms",
        f"summed op self time per step: {op_ms:.2f} ms ({op_ms / wall_ms:.2f} x wall)",
        f"ops executed per step: {count / steps:.0f} ({len(times)} op types)",
        "",
        "| op type | category | ms/step | % of op time | count/step | mean µs/op |",
        "|---|---|---|---|---|---|",
    ]
    ranked = sorted(times.items(), key=lambda item: -item[1].self_ps)
    for op_type, t in ranked[:top]:
        lines.append(
            f"| {op_type} | {category(op_type)} | {t.self_ps / steps / 1e9:.2f} "
            f"| {100 * t.self_ps / total_ps:.1f} | {t.count / steps:.0f} "
            f"| {t.self_ps / t.count / 1e6:.1f} |"
        )
    if len(ranked) > top:
        rest = ranked[top:]
        rest_ps, rest_count = sum(t.self_ps for _, t in rest), sum(t.count for _, t in rest)
        lines.append(
            f"| ({len(rest)} more types) | | {rest_ps / steps / 1e9:.2f} "
            f"| {100 * rest_ps / total_ps:.1f} | {rest_count / steps:.0f} "
            f"| {rest_ps / max(rest_count, 1) / 1e6:.1f} |"
        )
    groups: dict[str, OpTime] = {}
    for op_type, t in times.items():
        group = groups.setdefault(category(op_type), OpTime())
        group.self_ps += t.self_ps
        group.count += t.count
    lines += [
        "",
        "| category | ms/step | % of op time | count/step | mean µs/op |",
        "|---|---|---|---|---|",
    ]
    for name, t in sorted(groups.items(), key=lambda item: -item[1].self_ps):
        lines.append(
            f"| {name} | {t.self_ps / steps / 1e9:.2f} | {100 * t.self_ps / total_ps:.1f} "
            f"| {t.count / steps:.0f} | {t.self_ps / t.count / 1e6:.1f} |"
        )
    return "\n".join(lines)


def read_trace(logdir: str) -> dict[str, OpTime]:
    """The op self times of the newest profile run under `logdir` (all its hosts' files)."""
    runs = sorted(pathlib.Path(logdir).glob("plugins/profile/*"))
    files = sorted(runs[-1].glob("*.xplane.pb")) if runs else []
    if not files:
        raise FileNotFoundError(f"No *.xplane.pb under {logdir}/plugins/profile.")
    module = xplane_pb2()
    times: dict[str, OpTime] = {}
    for path in files:
        space = module.XSpace()
        space.ParseFromString(path.read_bytes())
        for op_type, t in op_self_times(space).items():
            entry = times.setdefault(op_type, OpTime())
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
    flags.DEFINE_integer("top", 25, "Op types listed.")
    flags.DEFINE_string("logdir", None, "Folder of the trace (default: a new temporary one).")
    flags.DEFINE_string("strategy", "default", "tf.distribute strategy.")


def main(argv):
    del argv
    import tensorflow as tf

    from benchmarks import random_data_training

    FLAGS = flags.FLAGS
    if FLAGS.steps < 1:
        raise app.UsageError("--steps must be at least 1.")
    logdir = FLAGS.logdir or tempfile.mkdtemp(prefix="step_profile_")
    training = random_data_training.build(
        FLAGS.model, FLAGS.smoke, FLAGS.batch_size, FLAGS.override, FLAGS.strategy
    )
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
    print(report(read_trace(logdir), FLAGS.steps, wall, FLAGS.top))


if __name__ == "__main__":
    _define_flags()
    app.run(main)
