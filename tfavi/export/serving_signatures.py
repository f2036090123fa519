"""The serving signatures of a `HierarchicalVAE`, as `tf.function`s.

Every signature is a graph function with explicit `TensorSpec`s, named outputs and in-graph
input checks, so TF Serving can run it with no Python and no tfavi.
"""

import math

import numpy as np
import tensorflow as tf

from tfavi.export.input_validation import (
    all_checked,
    checked_images,
    checked_in_range,
    checked_latent,
    checked_scalar,
)
from tfavi.export.serving_limits import DEFAULT_LIMITS, ServingLimits

IMAGES_DTYPES = ("float32", "uint8")


class ServingSignatures:
    """Builds the signature functions of `model`.

    Args:
        model: a built `HierarchicalVAE`.
        chunk_size: importance samples drawn per model call in `log_likelihood`.
        images_dtype: dtype of the `images` inputs, `float32` (pixels in [0, 1]) or `uint8`
            (pixels 0..255, divided by 255 in the graph).
        limits: the largest request served; see `ServingLimits`.
    """

    def __init__(
        self,
        model,
        chunk_size: int = 100,
        images_dtype: str = "float32",
        limits: ServingLimits = DEFAULT_LIMITS,
    ):
        if images_dtype not in IMAGES_DTYPES:
            raise ValueError(f"images_dtype must be one of {IMAGES_DTYPES}, got {images_dtype!r}.")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}.")
        self.model = model
        self.chunk_size = chunk_size
        self.images_dtype = images_dtype
        self.limits = limits
        probe = model.encode(tf.zeros([1, *model.image_shape]))
        self.latent_shapes = [tuple(int(d) for d in latent.shape[1:]) for latent in probe]

    def functions(self) -> dict:
        """{signature name: `tf.function` with its input signature}.

        `serving_default` is the `log_likelihood` function itself, so it is traced once. A
        model without latent layers (a plain flow) has no `encode` or `decode`: there is
        nothing to encode, and nothing to decode from.
        """
        images = tf.TensorSpec(None, self.images_dtype, name="images")
        k = tf.TensorSpec(None, tf.int32, name="num_importance_samples")
        sample_inputs = [
            tf.TensorSpec(None, tf.int32, name="num_samples"),
            tf.TensorSpec(None, tf.float32, name="temperature"),
            tf.TensorSpec(None, tf.int64, name="seed"),
        ]
        log_likelihood = tf.function(self.log_likelihood, input_signature=[images, k])
        functions = {
            "serving_default": log_likelihood,
            "log_likelihood": log_likelihood,
            "sample": tf.function(self.sample, input_signature=sample_inputs),
            "reconstruct": tf.function(self.reconstruct, input_signature=[images]),
        }
        if self.latent_shapes:
            latents = [
                tf.TensorSpec(None, tf.float32, name=f"latent_{i}")
                for i in range(len(self.latent_shapes))
            ]
            functions["encode"] = tf.function(self.encode, input_signature=[images])
            functions["decode"] = tf.function(self.decode, input_signature=latents)
        return functions

    def log_likelihood(self, images, num_importance_samples):
        """Negative ELBO, importance-weighted log p(x) (nats) and its bits/dim, per example."""
        images, k = all_checked(
            self._checked_images(images),
            checked_in_range(
                num_importance_samples,
                "num_importance_samples",
                self.limits.max_importance_samples,
                "max_importance_samples",
            ),
        )
        outputs = self.model(images, training=False)
        nelbo = -outputs["recon_log_prob"] + tf.reduce_sum(outputs["kl"], axis=-1)
        log_px = self._importance_weighted(images, k)
        return {
            "negative_elbo": tf.cast(nelbo, tf.float32),
            "log_likelihood": log_px,
            "bits_per_dim": -log_px / (self.model.num_dimensions * math.log(2.0)),
        }

    def encode(self, images):
        """Posterior means `latent_<i>` and standard deviations `scale_<i>` of every layer."""
        images = self._checked_images(images)
        means, scales = self.model.posterior_means_and_scales(images)
        outputs = {f"latent_{i}": tf.cast(mean, tf.float32) for i, mean in enumerate(means)}
        outputs.update({f"scale_{i}": tf.cast(scale, tf.float32) for i, scale in enumerate(scales)})
        return outputs

    def decode(self, *latents):
        """Image means in [0, 1] of a batch of latents (one input per latent layer)."""
        latents = all_checked(
            *(
                checked_latent(z, shape, self.limits.max_batch_size, f"latent_{i}")
                for i, (z, shape) in enumerate(zip(latents, self.latent_shapes, strict=True))
            )
        )
        return {"images": tf.cast(self.model.decode(latents), tf.float32)}

    def sample(self, num_samples, temperature, seed):
        """`num_samples` images at `temperature`, a stateless function of `seed`."""
        limits = self.limits
        num_samples, temperature, seed = all_checked(
            checked_in_range(num_samples, "num_samples", limits.max_num_samples, "max_num_samples"),
            checked_in_range(temperature, "temperature", limits.max_temperature, "max_temperature"),
            checked_scalar(seed, "seed"),
        )
        images = self.model.sample(num_samples, temperature=temperature, seed=seed)
        return {"images": tf.cast(images, tf.float32)}

    def reconstruct(self, images):
        """Decoded posterior means of `images`."""
        images = self._checked_images(images)
        return {"reconstructions": tf.cast(self.model.reconstruct(images), tf.float32)}

    def _checked_images(self, images):
        return checked_images(
            images,
            self.model.image_shape,
            self.limits.max_batch_size,
            binary=self.model.binary_images,
        )

    def _importance_weighted(self, images, num_samples):
        """log p(x) ~= logsumexp_k log w_k - log K, drawn `chunk_size` samples at a time.

        The graph twin of `HierarchicalVAE.log_likelihood` for a tensor K: the same chunks
        in the same order, so the same noise state gives the same estimate.
        """

        def body(done, total):
            chunk = tf.minimum(self.chunk_size, num_samples - done)
            log_weights = tf.cast(self.model.log_weights(images, chunk), tf.float32)
            chunk_total = tf.reduce_logsumexp(log_weights, axis=0)
            return done + chunk, tf.reduce_logsumexp(tf.stack([total, chunk_total]), axis=0)

        start = (tf.constant(0), tf.fill([tf.shape(images)[0]], -np.inf))
        _, total = tf.while_loop(lambda done, _: done < num_samples, body, start)
        return total - tf.math.log(tf.cast(num_samples, tf.float32))
