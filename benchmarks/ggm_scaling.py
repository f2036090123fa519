"""Speed and memory of the Gaussian-graphical-model normals against dense MultivariateNormalTriL.

For latent sizes n = 16 ... 65,536 (square grids of side 4 ... 256) it times `sample`,
`log_prob` and the KL to N(0, I) for a batch of BATCH examples, each including building the
distribution from raw encoder outputs, and `total`: one sample, its log_prob and the KL as a VAE
step computes them (the sample stays live). Times are in-graph: a `tf.while_loop` repeats the
step inside one `tf.function` call, so the fixed cost of calling a function from Python (about
0.5 ms here, the same for every model) is left out, as it is inside a training step. It reports
the median over several calls, the peak CPU memory of `total`, and fits the growth exponent
t ~ n^a.

Two dense baselines: `dense_tril` is handed its Cholesky factor (so it pays only O(n^2) per
call, not the O(n^3) of factoring a precision), `dense_from_raw` builds it from n(n+1)/2 raw
encoder outputs with `tfb.FillScaleTriL`, as the structured models build theirs from raw
outputs. Sizes are capped where a model stops fitting a few GB or a few seconds per call: dense
at n = 4,096; the exact O(n c^2) KL trace (grid, extended_grid) at n = 16,384. The Hutchinson
variant (one probe) covers the extended grid up to n = 65,536.

Run: python benchmarks/ggm_scaling.py   (about 10 minutes on 2 CPU cores)
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402

from tfavi.distributions import (  # noqa: E402
    chain_normal_from_raw,
    extended_grid_normal_from_raw,
    grid_normal_from_raw,
)

tfd = tfp.distributions
SIDES = [4, 8, 16, 32, 64, 128, 256]
BATCH = 8
RATIO_N = 4096
FIT_MIN_N = 1024
MEMORY_FIT_MIN_BYTES = 2**20  # small allocations fall below the allocator's tracking


def _chain(n: int, probes):
    del probes
    shapes = [[BATCH, n], [BATCH, n], [BATCH, n - 1]]
    return shapes, chain_normal_from_raw


def _lattice(factory):
    def make(n: int, probes):
        s = int(round(np.sqrt(n)))
        shapes = [[BATCH, s, s], [BATCH, s, s], [BATCH, s, s - 1], [BATCH, s - 1, s]]
        return shapes, lambda *raw: factory(*raw, num_trace_probes=probes)

    return make


def _dense(n: int, probes):
    del probes
    return [[BATCH, n], [BATCH, n, n]], lambda loc, tril: tfd.MultivariateNormalTriL(loc, tril)


def _dense_from_raw(n: int, probes):
    del probes
    fill = tfp.bijectors.FillScaleTriL(diag_shift=1e-3)
    shapes = [[BATCH, n], [BATCH, n * (n + 1) // 2]]
    return shapes, lambda loc, raw: tfd.MultivariateNormalTriL(loc, fill.forward(raw))


# name: (shapes and builder for size n, Hutchinson probes or None for the exact KL, largest n)
MODELS = {
    "chain": (_chain, None, 65536),
    "extended_grid": (_lattice(extended_grid_normal_from_raw), None, 16384),
    "extended_grid_hutchinson": (_lattice(extended_grid_normal_from_raw), 1, 65536),
    "grid": (_lattice(grid_normal_from_raw), None, 16384),
    "dense_tril": (_dense, None, 4096),
    "dense_from_raw": (_dense_from_raw, None, 4096),
}
DENSE_BASELINES = ("dense_tril", "dense_from_raw")


def _inputs(name: str, shapes):
    rng = np.random.default_rng(0)
    values = [0.1 * rng.normal(size=s).astype(np.float32) for s in shapes]
    n = shapes[0][-1]
    if name == "dense_tril":  # a well-conditioned lower-triangular factor
        values[1] = np.tril(values[1]) / np.float32(np.sqrt(n)) + np.eye(n, dtype=np.float32)
    if name == "dense_from_raw":  # FillScaleTriL's softplus puts the diagonal near 0.7
        values[1] /= np.float32(np.sqrt(n))
    return [tf.constant(v) for v in values]


def _steps(build, n: int):
    standard = tfd.MultivariateNormalDiag(tf.zeros([n]))

    def sample(raw, seed):
        return build(*raw).sample(seed=seed)

    def log_prob(raw, seed):
        del seed
        return build(*raw).log_prob(tf.reshape(raw[0], [BATCH, -1]))

    def kl(raw, seed):
        del seed
        return tfd.kl_divergence(build(*raw), standard)

    def total(raw, seed):
        q = build(*raw)
        z = q.sample(seed=seed)
        return tf.reduce_mean(z, -1) + q.log_prob(z) + tfd.kl_divergence(q, standard)

    steps = dict(sample=sample, log_prob=log_prob, kl=kl, total=total)
    return {
        name: _repeated(lambda raw, seed, f=f: tf.reduce_sum(f(raw, seed)))
        for name, f in steps.items()
    }


def _repeated(step):
    """`f(raw, repeats)` runs `step` `repeats` times in one graph, each with another seed."""

    @tf.function
    def run(raw, repeats):
        def body(i, acc):
            return i + 1, acc + step(raw, tf.stack([i, 1]))

        return tf.while_loop(lambda i, _: i < repeats, body, (tf.constant(0), 0.0))[1]

    return run


def _median_and_best_seconds(fn, raw) -> tuple[float, float]:
    """Median and best in-graph seconds per step over several calls of about 0.3 s each."""
    start = time.perf_counter()
    fn(raw, tf.constant(1)).numpy()  # trace + warm-up
    once = time.perf_counter() - start
    repeats = tf.constant(int(np.clip(0.3 / once, 1, 200)))
    times = []
    for _ in range(3 if once > 1.0 else 7):
        start = time.perf_counter()
        fn(raw, repeats).numpy()
        times.append((time.perf_counter() - start) / repeats.numpy())
    return float(np.median(times)), float(np.min(times))


def _peak_bytes(fn, raw, runs: int = 3) -> int:
    """Smallest over `runs` of the peak extra CPU memory of one call (scheduling varies)."""
    peaks = []
    for _ in range(runs):
        tf.config.experimental.reset_memory_stats("CPU:0")
        before = tf.config.experimental.get_memory_info("CPU:0")["current"]
        fn(raw, tf.constant(1)).numpy()
        peaks.append(tf.config.experimental.get_memory_info("CPU:0")["peak"] - before)
    return min(peaks)


def _exponent(ns, ts) -> float:
    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


def main():
    results = {}
    print(f"batch of {BATCH} examples, float32, times in ms (median), peak memory of 'total'")
    for name, (make, probes, max_n) in MODELS.items():
        print(f"\n{name}")
        print(
            f"{'n':>7} {'sample ms':>10} {'log_prob ms':>12} {'KL ms':>9} {'total ms':>9} "
            f"{'peak KiB':>10}"
        )
        rows = []
        for side in SIDES:
            n = side * side
            if n > max_n:
                break
            shapes, build = make(n, probes)
            raw = _inputs(name, shapes)
            steps = _steps(build, n)
            timings = {k: _median_and_best_seconds(f, raw) for k, f in steps.items()}
            row = {k: median for k, (median, _) in timings.items()}
            row["best"] = {k: best for k, (_, best) in timings.items()}
            row["peak"] = _peak_bytes(steps["total"], raw)
            rows.append((n, row))
            print(
                f"{n:>7} {1e3 * row['sample']:>10.3f} {1e3 * row['log_prob']:>12.3f} "
                f"{1e3 * row['kl']:>9.3f} {1e3 * row['total']:>9.3f} "
                f"{row['peak'] / 2**10:>10.1f}",
                flush=True,
            )
        results[name] = rows

    print(f"\nfitted exponent a in t ~ n^a (n >= {FIT_MIN_N}; memory: peak >= 1 MiB)")
    print(f"{'model':>26} {'sample':>7} {'log_prob':>9} {'KL':>6} {'total':>6} {'memory':>7}")
    for name, rows in results.items():
        big = [(n, r) for n, r in rows if n >= FIT_MIN_N]
        ns = [n for n, _ in big]
        fits = [
            _exponent(ns, [r[k] for _, r in big]) for k in ("sample", "log_prob", "kl", "total")
        ]
        mem = [(n, r["peak"]) for n, r in big if r["peak"] >= MEMORY_FIT_MIN_BYTES]
        fits.append(_exponent(*zip(*mem, strict=True)) if len(mem) > 1 else float("nan"))
        print(
            f"{name:>26} "
            + " ".join(f"{a:>{w}.2f}" for a, w in zip(fits, [7, 9, 6, 6, 7], strict=True))
        )

    chain = dict(results["chain"])[RATIO_N]
    parts = ("sample", "log_prob", "kl")
    for baseline in DENSE_BASELINES:
        dense = dict(results[baseline])[RATIO_N]
        for label, d, c in (
            ("median", dense, chain),
            ("best call (less sensitive to other load)", dense["best"], chain["best"]),
        ):
            print(f"\nat n = {RATIO_N}: {baseline} / chain time ratio, {label}")
            for key in (*parts, "total"):
                print(f"  {key:>8}: {d[key] / c[key]:8.1f}x")
            separate = sum(d[k] for k in parts) / sum(c[k] for k in parts)
            print(f"  sample + log_prob + KL as three separate steps: {separate:.1f}x")
            verdict = "met" if d["total"] / c["total"] >= 100 else "NOT met"
            print(f"  one VAE step (total) >= 100x faster than {baseline}: {verdict}")


if __name__ == "__main__":
    main()
