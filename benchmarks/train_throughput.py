"""Training throughput of a zoo model under speed variants, each in its own process.

    python benchmarks/train_throughput.py --model=vae_mlp --batch_size=100 \
        --variants=default,bf16,xla,loop10 --rounds=3

Every variant (a set of recipe overrides, see VARIANTS) runs in a fresh Python process, and
the rounds alternate the variants, so a busy machine's load falls on all alike. Each process
builds the model, times its first call (tracing included), then times `--steps` steps
(`--repeats` times) on random images of the model's shape, and reports its memory: the
resident set after building (weights, optimizer slots), the peak of the first call (tracing,
graph instantiation and one step) and the peak of the timed steps (Linux' peak resident set,
reset between the phases through `/proc/self/clear_refs`). Prints a table: first step, median
s/step, images/s, the process' peak RSS, its phases, and the ratio of s/step to the first
variant. With `--tensor_memory` the workers use TensorFlow's BFC allocator on the CPU, which
counts tensor bytes: the table adds the tensors held after building and the tensor peak of the
timed steps, which tells activations from the graph and runtime in the resident set.
`--override` (recipe fields or `model.<argument>`) applies to every variant.
Smoke run: `--model=vae_mlp --smoke --batch_size=8 --steps=2 --repeats=1 --rounds=1`.
"""

import json
import os
import pathlib
import re
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app, flags  # noqa: E402

from benchmarks import random_data_training  # noqa: E402

VARIANTS = {
    "default": [],
    "bf16": ["mixed_precision='bfloat16'"],
    "fp16": ["mixed_precision='float16'"],
    "xla": ["jit_compile=True"],
    "loop10": ["steps_per_loop=10"],
    "loop50": ["steps_per_loop=50"],
    "xla_loop50": ["jit_compile=True", "steps_per_loop=50"],
    "bf16_loop50": ["mixed_precision='bfloat16'", "steps_per_loop=50"],
    "grappler": ["graph_optimization=True"],
    # One Grappler pass alone (`grappler.PASSES`), for recipes that turn Grappler off.
    "grappler_remapping": ["graph_optimization=True", "grappler_passes='remapping'"],
    "grappler_folding": ["graph_optimization=True", "grappler_passes='constant_folding'"],
    "grappler_arithmetic": ["graph_optimization=True", "grappler_passes='arithmetic_optimization'"],
    "grappler_layout": ["graph_optimization=True", "grappler_passes='layout_optimizer'"],
    "no_grappler": ["graph_optimization=False"],
    # TensorFlow's CSE and constant folding at a function's first call, for recipes that
    # turn it off (`instantiation_optimizer`).
    "instantiation_optimizer": ["instantiation_optimizer=True"],
    "ema": ["ema_decay=0.999"],
    "remat": ["remat=True"],  # Deep Attentive VAE and NVAE: peak memory for compute.
    "shared_cell_graphs": ["shared_cell_graphs=True"],  # Their cells traced once: graph size.
    "forward_conv_gradients": ["forward_conv_gradients=True"],  # Gradients as Conv2D.
}

flags.DEFINE_string("model", "vae_mlp", "Zoo name.")
flags.DEFINE_bool("smoke", False, "Benchmark the smoke variant of the model.")
flags.DEFINE_integer("batch_size", 32, "Global batch size.")
flags.DEFINE_integer("steps", 20, "Timed steps per repeat.")
flags.DEFINE_integer("warmup", 2, "Untimed steps after the first call.")
flags.DEFINE_integer("repeats", 3, "Timed repeats per process; the median is reported.")
flags.DEFINE_integer("rounds", 1, "Processes per variant, alternating between variants.")
flags.DEFINE_list("variants", ["default"], f"Variants: {', '.join(VARIANTS)}.")
flags.DEFINE_multi_string("override", [], "Recipe override field=value for every variant.")
flags.DEFINE_string("strategy", "default", "tf.distribute strategy.")
flags.DEFINE_bool(
    "tensor_memory", False, "Count tensor bytes with the BFC allocator (TF_CPU_ALLOCATOR_USE_BFC)."
)
flags.DEFINE_bool("worker", False, "Internal: time one variant in this process.")
FLAGS = flags.FLAGS
PHASES = ("built_rss_gib", "first_call_peak_gib", "steps_peak_gib")
"""Resident set after building, peak of the first call, peak of the timed steps."""
TENSORS = ("built_tensors_gib", "steps_tensor_peak_gib")
"""With `--tensor_memory`: tensors held after building, tensor peak of the timed steps."""


def _memory_gib(field: str) -> float:
    """`VmRSS` (resident now) or `VmHWM` (peak since start or the last reset), in GiB."""
    status = pathlib.Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)[1]) / 2**20


def _reset_peak_memory() -> None:
    """Starts a new `VmHWM` from the current resident set (Linux 4.0+)."""
    pathlib.Path("/proc/self/clear_refs").write_text("5")


def _tensor_gib(key: str) -> float:
    """The BFC allocator's `current` or `peak` tensor bytes on the CPU, in GiB."""
    import tensorflow as tf

    return tf.config.experimental.get_memory_info("CPU:0")[key] / 2**30


def _worker() -> dict:
    training = random_data_training.build(
        FLAGS.model, FLAGS.smoke, FLAGS.batch_size, FLAGS.override, FLAGS.strategy
    )
    import numpy as np
    import tensorflow as tf

    built_rss = _memory_gib("VmRSS")
    tensors = {"built_tensors_gib": _tensor_gib("current")} if FLAGS.tensor_memory else {}
    _reset_peak_memory()
    begin = time.perf_counter()
    training.run(1)
    first_step = time.perf_counter() - begin
    first_call_peak = _memory_gib("VmHWM")
    training.run(FLAGS.warmup)
    _reset_peak_memory()
    if FLAGS.tensor_memory:
        tf.config.experimental.reset_memory_stats("CPU:0")
    seconds = []
    for _ in range(FLAGS.repeats):
        begin = time.perf_counter()
        training.run(FLAGS.steps)
        seconds.append((time.perf_counter() - begin) / FLAGS.steps)
    return {
        "build": training.build_seconds,
        "first_step": first_step,
        "s_per_step": statistics.median(seconds),
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "built_rss_gib": built_rss,
        "first_call_peak_gib": first_call_peak,
        "steps_peak_gib": _memory_gib("VmHWM"),
        **tensors,
        **({"steps_tensor_peak_gib": _tensor_gib("peak")} if FLAGS.tensor_memory else {}),
        "parameters": sum(int(np.prod(w.shape)) for w in training.model.trainable_weights),
    }


def _spawn(variant: str) -> dict:
    overrides = [*FLAGS.override, *VARIANTS[variant]]
    args = [
        sys.executable,
        __file__,
        "--worker",
        f"--model={FLAGS.model}",
        f"--smoke={FLAGS.smoke}",
        f"--batch_size={FLAGS.batch_size}",
        f"--steps={FLAGS.steps}",
        f"--warmup={FLAGS.warmup}",
        f"--repeats={FLAGS.repeats}",
        f"--strategy={FLAGS.strategy}",
        f"--tensor_memory={FLAGS.tensor_memory}",
        *[f"--override={o}" for o in overrides],
    ]
    env = dict(os.environ, TF_CPU_ALLOCATOR_USE_BFC="true") if FLAGS.tensor_memory else None
    done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"Variant {variant} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _largest(results, keys) -> str:
    """The largest of each key over the processes, joined by slashes."""
    return " / ".join(f"{max(r[key] for r in results):.2f}" for key in keys)


def main(argv):
    del argv
    if FLAGS.worker:
        print(json.dumps(_worker()), flush=True)
        return
    unknown = sorted(set(FLAGS.variants) - set(VARIANTS))
    if unknown:
        raise app.UsageError(f"Unknown variants {unknown}; choose from {', '.join(VARIANTS)}.")
    runs = {v: [] for v in FLAGS.variants}
    for _ in range(FLAGS.rounds):
        for variant in FLAGS.variants:
            runs[variant].append(_spawn(variant))
    first = FLAGS.variants[0]
    base = statistics.median(r["s_per_step"] for r in runs[first])
    print(
        f"{FLAGS.model}{' (smoke)' if FLAGS.smoke else ''}: "
        f"{runs[first][0]['parameters']:,} parameters, batch {FLAGS.batch_size}, "
        f"{FLAGS.rounds} process(es) per variant, overrides {FLAGS.override or 'none'}"
    )
    tensor_header = " tensors built / steps peak GiB |" if FLAGS.tensor_memory else ""
    print(
        "| variant | first step s | s/step | images/s | peak RSS GiB | built / first call / "
        f"steps GiB |{tensor_header} s/step vs {first} |"
    )
    print("|---|---|---|---|---|---|" + "---|" * (2 if FLAGS.tensor_memory else 1))
    for variant, results in runs.items():
        step = statistics.median(r["s_per_step"] for r in results)
        print(
            f"| {variant} | {statistics.median(r['first_step'] for r in results):.1f} "
            f"| {step:.4f} | {FLAGS.batch_size / step:.1f} "
            f"| {max(r['peak_rss_gib'] for r in results):.2f} | {_largest(results, PHASES)} |"
            + (f" {_largest(results, TENSORS)} |" if FLAGS.tensor_memory else "")
            + f" {step / base:.2f} |"
        )


if __name__ == "__main__":
    app.run(main)
