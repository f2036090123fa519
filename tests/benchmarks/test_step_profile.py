"""The step profile's parsing: self time and count by op type and by name scope from a
hand-built XSpace."""

from benchmarks import step_profile


def _space():
    xplane = step_profile.xplane_pb2()
    space = xplane.XSpace()
    host = space.planes.add(id=0, name="/host:CPU")
    names = {
        1: "model/conv/Conv2D:_MklNativeConv2D",
        2: "model/dense/MatMul:MatMul",
        3: "ExecutorState::Process",
        4: "model/call:PartitionedCall",
        5: "EagerLocalExecute: __inference_loop_1",
    }
    for metadata_id, name in names.items():
        host.event_metadata[metadata_id].id = metadata_id
        host.event_metadata[metadata_id].name = name
    first = host.lines.add(id=1, name="tf_Compute/1")
    for metadata_id, offset, duration in [(3, 0, 100), (1, 10, 30), (2, 50, 20), (5, 0, 500)]:
        first.events.add(metadata_id=metadata_id, offset_ps=offset, duration_ps=duration)
    second = host.lines.add(id=2, name="tf_Compute/2")
    for metadata_id, offset, duration in [(2, 10, 20), (4, 0, 100), (1, 40, 30)]:
        second.events.add(metadata_id=metadata_id, offset_ps=offset, duration_ps=duration)
    device = space.planes.add(id=1, name="/device:GPU:0")  # Not the host: ignored.
    device.event_metadata[1].name = "model/dense/MatMul:MatMul"
    device.lines.add(id=1).events.add(metadata_id=1, offset_ps=0, duration_ps=1000)
    return space


def test_self_time_and_count_by_op_type():
    times = step_profile.grouped(step_profile.op_self_times(_space()), step_profile.op_type)
    summary = {op: (t.self_ps, t.count) for op, t in times.items()}
    # The call's 100 ps less its two nested ops (20 + 30) on the same line.
    assert summary == {"_MklNativeConv2D": (60, 2), "MatMul": (40, 2), "PartitionedCall": (50, 1)}
    assert step_profile.category("_MklNativeConv2D") == "convolution forward"
    assert step_profile.category("PartitionedCall") == "other"
    report = step_profile.report(
        step_profile.op_self_times(_space()), steps=1, wall_seconds=3e-10, top=2
    )
    assert "(0.50 x wall)" in report
    assert "ops executed per step: 5 (3 op types)" in report
    assert "| (1 more) |" in report
    assert "name scope" not in report


def test_name_scopes():
    name = "while/body/_1/gradient_tape/while/vae_1/block_0_1/strided_slice_2/Grad:StridedSliceGrad"
    assert step_profile.scope(name, depth=2) == "backward vae/block_0"
    assert step_profile.scope(name, depth=9) == "backward vae/block_0/strided_slice"
    assert step_profile.scope("while/body/_1/while/mul_265:Mul", depth=2) == "(top level)"
    report = step_profile.report(
        step_profile.op_self_times(_space()),
        steps=1,
        wall_seconds=3e-10,
        top=5,
        scope_depth=1,
        scope_op_types=["Conv2D"],
    )
    assert "| model | 0.00 | 40.0 | 2 | 0.0 |" in report  # The two convolutions only.
