"""Per-layer KL of a small Deep Attentive VAE against the same model without attention.

Apostolopoulou et al. (ICLR 2022, Fig. 1) report that depth-wise attention spreads the KL
over more latent layers (fewer collapsed ones). This trains both models on dynamically
binarized MNIST (28x28 padded to 32x32) for the same wall time each, with Adamax at 1e-3,
then prints the per-layer KL (nats) and the negative ELBO on test images.

Run: TFDS_DATA_DIR=/work/shared/tensorflow_datasets python benchmarks/kl_per_layer.py
     [--seconds=300] (twice `--seconds` plus compilation, on 2 CPU cores)
"""

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfavi import data  # noqa: E402
from tfavi.models import DeepAttentiveVAE  # noqa: E402

SMALL = dict(
    image_shape=(28, 28, 1),
    num_layers=6,
    latent_channels=4,
    num_filters=16,
    cell_nonlocal_key_dim=None,
    preprocess_scales=(0, -2),
    preprocess_nonlocal_key_dim=None,
    postprocess_scales=(2, 0),
    output_distribution="bernoulli",
    pad_size=2,
    prior_log_scale_bounds=(-5.0, 5.0),
    prior_noise_stddev=0.0,
    posterior_noise_stddev=0.0,
)
VARIANTS = {
    "attentive": dict(SMALL, decoder_attention_dim=8, encoder_attention_dim=8),
    "no attention": dict(SMALL, decoder_attention_dim=None, encoder_attention_dim=None),
}


def train_for(model, seconds: float, batch_size: int) -> int:
    """Trains `model` on MNIST until `seconds` of wall time have passed; returns the steps."""
    optimizer = keras.optimizers.Adamax(learning_rate=1e-3, epsilon=1e-3)
    optimizer.build(model.trainable_variables)

    @tf.function
    def step(images):
        with tf.GradientTape() as tape:
            per_example, _ = model.objective(images, training=True)
            loss = tf.reduce_mean(per_example) + tf.add_n(model.losses)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)

    step(next(iter(data.train_dataset("mnist", batch_size, 0))))  # Compiles off the clock.
    steps, epoch, start = 0, 0, time.time()
    while time.time() - start < seconds:
        for images in data.train_dataset("mnist", batch_size, epoch):
            step(images)
            steps += 1
            if time.time() - start >= seconds:
                break
        epoch += 1
    return steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training time per model")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--test_examples", type=int, default=500)
    args = parser.parse_args()
    test = next(iter(data.eval_dataset("mnist", "test", args.test_examples)))
    results = {}
    for name, kwargs in VARIANTS.items():
        keras.utils.set_random_seed(0)
        model = DeepAttentiveVAE(**kwargs)
        model(test[:1])
        steps = train_for(model, args.seconds, args.batch_size)
        outputs = model(test, training=False)
        kl = np.mean(outputs["kl"].numpy(), axis=0)
        nelbo = float(np.mean(np.sum(outputs["kl"], -1) - outputs["recon_log_prob"]))
        results[name] = kl
        print(f"{name}: {steps} steps in {args.seconds:.0f} s, test nelbo {nelbo:.2f} nats")
    np.set_printoptions(precision=2, suppress=True, linewidth=150)
    print("per-layer KL (nats), layer 0 (top) first:")
    for name, kl in results.items():
        active = int(np.sum(kl > 0.1 * kl.max()))
        print(f"  {name:>12}: {kl}  ({active} layers above 10% of the largest)")


if __name__ == "__main__":
    main()
