"""Training throughput of a zoo model under speed variants, each in its own process.

    python benchmarks/train_throughput.py --model=vae_mlp --batch_size=100 \
        --variants=default,bf16,xla,loop10 --rounds=3

Every variant (a set of recipe overrides, see VARIANTS) runs in a fresh Python process, and
the rounds alternate the variants, so a busy machine's load falls on all alike. Each process
builds the model, times its first call (tracing included), then times `--steps` steps
(`--repeats` times) on random images of the model's shape, and reports its peak memory.
Prints a table: first step, median s/step, images/s, peak RSS and the ratio of s/step to the
first variant. `--override` (recipe fields or `model.<argument>`) applies to every variant.
Smoke run: `--model=vae_mlp --smoke --batch_size=8 --steps=2 --repeats=1 --rounds=1`.
"""

import json
import pathlib
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
    "ema": ["ema_decay=0.999"],
    "remat": ["remat=True"],  # Deep Attentive VAE and NVAE: peak memory for compute.
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
flags.DEFINE_bool("worker", False, "Internal: time one variant in this process.")
FLAGS = flags.FLAGS


def _worker() -> dict:
    import numpy as np

    training = random_data_training.build(
        FLAGS.model, FLAGS.smoke, FLAGS.batch_size, FLAGS.override, FLAGS.strategy
    )
    begin = time.perf_counter()
    training.run(1)
    first_step = time.perf_counter() - begin
    training.run(FLAGS.warmup)
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
        *[f"--override={o}" for o in overrides],
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Variant {variant} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
    print("| variant | first step s | s/step | images/s | peak RSS GiB | s/step vs " + first + " |")
    print("|---|---|---|---|---|---|")
    for variant, results in runs.items():
        step = statistics.median(r["s_per_step"] for r in results)
        print(
            f"| {variant} | {statistics.median(r['first_step'] for r in results):.1f} "
            f"| {step:.4f} | {FLAGS.batch_size / step:.1f} "
            f"| {max(r['peak_rss_gib'] for r in results):.2f} | {step / base:.2f} |"
        )


if __name__ == "__main__":
    app.run(main)
