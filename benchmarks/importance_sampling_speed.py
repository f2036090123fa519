"""Importance samples per second of a hierarchical VAE: the encoder pass run once per image
and repeated (`DeepAttentiveVAE._repeated_log_weight`) against the whole model run on the
repeated images (the `DensityModel` default), in one process, alternating.

    python benchmarks/importance_sampling_speed.py --posterior_structure=extended_grid

The model is the small attentive MNIST model of `benchmarks/deep_ggm.py`
(`small_attentive.SMALL`) on random binary images; one call draws `--draws` weights for each
of `--images` images, as one chunk of `log_likelihood` does. Prints the median seconds per
call of each path over `--repeats` calls, its importance samples per second and the ratio.
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import tfavi  # noqa: E402, F401, I001  (before TensorFlow: tfavi.cpu_kernels)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from benchmarks.small_attentive import SMALL  # noqa: E402
from tfavi import zoo  # noqa: E402
from tfavi.models.density_model import DensityModel  # noqa: E402

flags.DEFINE_string("posterior_structure", "diagonal", "Posterior of every latent layer.")
flags.DEFINE_integer("images", 10, "Images per call.")
flags.DEFINE_integer("draws", 100, "Importance samples per image and call.")
flags.DEFINE_integer("repeats", 5, "Timed calls of each path (after one warm-up call).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    model = zoo.build("attentive_vae_mnist", **SMALL, posterior_structure=FLAGS.posterior_structure)
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(size=(FLAGS.images, 28, 28, 1)) > 0.5, tf.float32)
    model(images[:1])
    paths = {
        "whole model": tf.function(
            lambda x: DensityModel._repeated_log_weight(model, x, FLAGS.draws)
        ),
        "encoder once": tf.function(lambda x: model._repeated_log_weight(x, FLAGS.draws)),
    }
    seconds = {name: [] for name in paths}
    for repeat in range(FLAGS.repeats + 1):
        for name, path in paths.items():
            start = time.perf_counter()
            path(images).numpy()
            if repeat:  # the first call traces
                seconds[name].append(time.perf_counter() - start)
    samples = FLAGS.images * FLAGS.draws
    medians = {name: float(np.median(values)) for name, values in seconds.items()}
    for name, median in medians.items():
        print(
            f"{name:>13}: {median:.3f} s per call (median of {FLAGS.repeats}), "
            f"{samples / median:,.0f} importance samples/s"
        )
    print(f"speed-up: {medians['whole model'] / medians['encoder once']:.2f}x")


if __name__ == "__main__":
    app.run(main)
