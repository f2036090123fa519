"""Latency of every serving signature: the loaded SavedModel against the Keras model.

    python benchmarks/serving_latency.py --models=vae_mlp,attentive_vae_16 --batch_sizes=1,32

Exports each model's smoke variant (and `--full` models at full size) to a temporary folder,
loads the SavedModel with `tf.saved_model.load`, and prints, per signature and batch size, the
median milliseconds of `--repeats` calls (after one warm-up call) of the signature and of the
same call on the Keras model (`log_likelihood` with `--num_importance_samples`). Full-size
models, whose batch-32 calls take tens of seconds on a CPU, use `--full_repeats` and
`--full_num_importance_samples` instead.
"""

import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from tfavi import zoo  # noqa: E402
from tfavi.export import export_saved_model  # noqa: E402
from tfavi.models import HierarchicalVAE  # noqa: E402
from tfavi.training.run_directory import build_model  # noqa: E402

flags.DEFINE_list("models", None, "Zoo names of smoke models (default: every zoo model).")
flags.DEFINE_list("full", ["attentive_vae_16"], "Zoo names also benchmarked at full size.")
flags.DEFINE_list("batch_sizes", ["1", "32"], "Batch sizes.")
flags.DEFINE_integer("num_importance_samples", 10, "K of the log_likelihood calls.")
flags.DEFINE_integer("repeats", 10, "Timed calls; the median is reported.")
flags.DEFINE_integer("full_repeats", 3, "Timed calls of full-size models.")
flags.DEFINE_integer("full_num_importance_samples", 1, "K of full-size log_likelihood calls.")
FLAGS = flags.FLAGS


def _median_ms(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _calls(model, signatures, batch: int, k: int) -> dict:
    """{signature: (SavedModel call, Keras call)} for a batch of `batch` images, K = `k`."""
    pixels = np.random.default_rng(0).uniform(size=(batch, *model.image_shape))
    images = (pixels > 0.5).astype("float32")  # binary, which every model serves

    def keras_log_likelihood():
        model(images, training=False)
        model.log_likelihood(images, k, chunk_size=100)

    calls = {
        "log_likelihood": (
            lambda: signatures["log_likelihood"](images=images, num_importance_samples=k),
            keras_log_likelihood,
        ),
        "sample": (
            lambda: signatures["sample"](
                num_samples=batch, temperature=tf.constant(1.0), seed=tf.constant(0, tf.int64)
            ),
            lambda: model.sample(batch, 1.0, seed=0),
        ),
    }
    if not isinstance(model, HierarchicalVAE):  # A density model has no latents.
        return calls
    latents = model.encode(images)
    named = {spec.name: z for spec, z in zip(model.latent_specs, latents, strict=True)}
    return {
        **calls,
        "encode": (
            lambda: signatures["encode"](images=images),
            lambda: model.posterior_means_and_scales(images),
        ),
        "decode": (lambda: signatures["decode"](**named), lambda: model.decode(latents)),
        "reconstruct": (
            lambda: signatures["reconstruct"](images=images),
            lambda: model.reconstruct(images),
        ),
    }


def main(argv):
    del argv
    logging.set_verbosity(logging.ERROR)
    variants = [(name, True) for name in FLAGS.models or zoo.names()]
    variants += [(name, False) for name in FLAGS.full if name in zoo.names()]
    print("| model | batch | signature | SavedModel ms | Keras ms |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as directory:
        for name, smoke in variants:
            label = f"{name} (smoke)" if smoke else name
            model = build_model(zoo.resolve_config(name, smoke=smoke))
            try:
                path = export_saved_model(model, f"{directory}/{label}")
            except Exception as error:  # noqa: BLE001  (reported in the table)
                print(f"| {label} | - | export failed | {type(error).__name__}: {error} | |")
                continue
            signatures = tf.saved_model.load(path).signatures
            repeats = FLAGS.repeats if smoke else FLAGS.full_repeats
            k = FLAGS.num_importance_samples if smoke else FLAGS.full_num_importance_samples
            for batch in (int(b) for b in FLAGS.batch_sizes):
                for signature, (served, keras_call) in _calls(model, signatures, batch, k).items():
                    shown = f"{signature} (K={k})" if signature == "log_likelihood" else signature
                    print(
                        f"| {label} | {batch} | {shown} | {_median_ms(served, repeats):.2f} | "
                        f"{_median_ms(keras_call, repeats):.2f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    app.run(main)
