"""The serving signatures of a `HierarchicalVAE`, as Keras `ExportArchive` endpoints.

Every endpoint is a graph function with explicit `TensorSpec`s, named outputs and in-graph
input checks, so TF Serving can run it with no Python and no tfavi.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from tfavi.export.input_validation import checked_images, checked_latent, checked_positive

IMAGES_DTYPES = ("float32", "uint8")


class ServingSignatures:
    """Builds the signature functions of `model`.

    Args:
        model: a built `HierarchicalVAE`.
        chunk_size: importance samples drawn per model call in `log_likelihood`.
        images_dtype: dtype of the `images` inputs, `float32` (pixels in [0, 1]) or `uint8`
            (pixels 0..255, divided by 255 in the graph).
    """

    def __init__(self, model, chunk_size: int = 100, images_dtype: str = "float32"):
        if images_dtype not in IMAGES_DTYPES:
            raise ValueError(f"images_dtype must be one of {IMAGES_DTYPES}, got {images_dtype!r}.")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}.")
        self.model = model
        self.chunk_size = chunk_size
        self.images_dtype = images_dtype
        probe = model.encode(tf.zeros([1, *model.image_shape]))
        self.latent_shapes = [tuple(int(d) for d in latent.shape[1:]) for latent in probe]

    def add_to(self, archive: keras.export.ExportArchive) -> None:
        """Adds every signature to `archive` (which tracks the model)."""
        # `sample` first: a model whose `sample` cannot take a tensor seed fails fast.
        archive.add_endpoint(
            "sample",
            self.sample,
            [
                tf.TensorSpec([], tf.int32, name="num_samples"),
                tf.TensorSpec([], tf.float32, name="temperature"),
                tf.TensorSpec([], tf.int64, name="seed"),
            ],
        )
        images = tf.TensorSpec(None, self.images_dtype, name="images")
        k = tf.TensorSpec([], tf.int32, name="num_importance_samples")
        for name in ("serving_default", "log_likelihood"):
            archive.add_endpoint(name, self.log_likelihood, [images, k])
        archive.add_endpoint("encode", self.encode, [images])
        latents = [
            tf.TensorSpec(None, tf.float32, name=f"latent_{i}")
            for i in range(len(self.latent_shapes))
        ]
        archive.add_endpoint("decode", self.decode, latents)
        archive.add_endpoint("reconstruct", self.reconstruct, [images])

    def log_likelihood(self, images, num_importance_samples):
        """Negative ELBO, importance-weighted log p(x) (nats) and its bits/dim, per example."""
        images = checked_images(images, self.model.image_shape)
        k = checked_positive(num_importance_samples, "num_importance_samples")
        outputs = self.model(images, training=False)
        nelbo = -outputs["recon_log_prob"] + tf.reduce_sum(outputs["kl"], axis=-1)
        log_px = self._importance_weighted(images, k)
        return {
            "negative_elbo": tf.cast(nelbo, tf.float32),
            "log_likelihood": log_px,
            "bits_per_dim": -log_px / (self.model.num_dimensions * math.log(2.0)),
        }

    def encode(self, images):
        """Posterior means of every latent layer."""
        latents = self.model.encode(checked_images(images, self.model.image_shape))
        return {f"latent_{i}": tf.cast(z, tf.float32) for i, z in enumerate(latents)}

    def decode(self, *latents):
        """Image means in [0, 1] of a batch of latents (one input per latent layer)."""
        latents = [
            checked_latent(z, shape, f"latent_{i}")
            for i, (z, shape) in enumerate(zip(latents, self.latent_shapes, strict=True))
        ]
        return {"images": tf.cast(self.model.decode(latents), tf.float32)}

    def sample(self, num_samples, temperature, seed):
        """`num_samples` images at `temperature`, a stateless function of `seed`."""
        num_samples = checked_positive(num_samples, "num_samples")
        temperature = checked_positive(temperature, "temperature")
        images = self.model.sample(num_samples, temperature=temperature, seed=seed)
        return {"images": tf.cast(images, tf.float32)}

    def reconstruct(self, images):
        """Decoded posterior means of `images`."""
        images = checked_images(images, self.model.image_shape)
        return {"reconstructions": tf.cast(self.model.reconstruct(images), tf.float32)}

    def _importance_weighted(self, images, num_samples):
        """log p(x) ~= logsumexp_k log w_k - log K, drawn `chunk_size` samples at a time.

        The graph twin of `HierarchicalVAE.log_likelihood` for a tensor K: the same chunks
        in the same order, so the same noise state gives the same estimate.
        """

        def body(done, total):
            chunk = tf.minimum(self.chunk_size, num_samples - done)
            log_weights = tf.cast(self.model._chunk_log_weights(images, chunk), tf.float32)
            chunk_total = tf.reduce_logsumexp(log_weights, axis=0)
            return done + chunk, tf.reduce_logsumexp(tf.stack([total, chunk_total]), axis=0)

        start = (tf.constant(0), tf.fill([tf.shape(images)[0]], -np.inf))
        _, total = tf.while_loop(lambda done, _: done < num_samples, body, start)
        return total - tf.math.log(tf.cast(num_samples, tf.float32))
