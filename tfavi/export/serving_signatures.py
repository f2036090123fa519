"""The serving signatures of a `DensityModel`, as `tf.function`s.

Every signature is a graph function with explicit `TensorSpec`s, named outputs and in-graph
input checks, so TF Serving can run it with no Python and no tfavi.
"""

import math

import tensorflow as tf

from tfavi.export.input_validation import checked_images, checked_latent, checked_positive
from tfavi.models.hierarchical_vae import HierarchicalVAE

IMAGES_DTYPES = ("float32", "uint8")


class ServingSignatures:
    """Builds the signature functions of `model`.

    Args:
        model: a built `DensityModel`; a `HierarchicalVAE` also gets `encode`, `decode`
            and `reconstruct`, with the latents its `latent_specs` declare.
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
        self.latent_specs = model.latent_specs if isinstance(model, HierarchicalVAE) else None

    def functions(self) -> dict:
        """{signature name: `tf.function` with its input signature}.

        `serving_default` is the `log_likelihood` function itself, so it is traced once. A
        density model without latents (a plain flow) has no `encode`, `decode` or
        `reconstruct`: there is nothing to encode, and nothing to decode from.
        """
        images = tf.TensorSpec(None, self.images_dtype, name="images")
        k = tf.TensorSpec([], tf.int32, name="num_importance_samples")
        sample_inputs = [
            tf.TensorSpec([], tf.int32, name="num_samples"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int64, name="seed"),
        ]
        log_likelihood = tf.function(self.log_likelihood, input_signature=[images, k])
        functions = {
            "serving_default": log_likelihood,
            "log_likelihood": log_likelihood,
            "sample": tf.function(self.sample, input_signature=sample_inputs),
        }
        if self.latent_specs is not None:
            latents = [
                tf.TensorSpec(None, spec.dtype, name=spec.name) for spec in self.latent_specs
            ]
            functions["encode"] = tf.function(self.encode, input_signature=[images])
            functions["decode"] = tf.function(self.decode, input_signature=latents)
            functions["reconstruct"] = tf.function(self.reconstruct, input_signature=[images])
        return functions

    def log_likelihood(self, images, num_importance_samples):
        """Negative ELBO, importance-weighted log p(x) (nats) and its bits/dim, per example."""
        images = checked_images(images, self.model.image_shape)
        k = checked_positive(num_importance_samples, "num_importance_samples")
        nelbo = self.model.elbo_terms(self.model(images, training=False))["nelbo"]
        log_px = tf.cast(self.model.log_likelihood(images, k, self.chunk_size), tf.float32)
        return {
            "negative_elbo": nelbo,
            "log_likelihood": log_px,
            "bits_per_dim": -log_px / (self.model.num_dimensions * math.log(2.0)),
        }

    def encode(self, images):
        """Posterior means `latent_<i>` and standard deviations `scale_<i>` of every layer."""
        images = checked_images(images, self.model.image_shape)
        means, scales = self.model.posterior_means_and_scales(images)
        outputs = {f"latent_{i}": tf.cast(mean, tf.float32) for i, mean in enumerate(means)}
        outputs.update({f"scale_{i}": tf.cast(scale, tf.float32) for i, scale in enumerate(scales)})
        return outputs

    def decode(self, *latents):
        """Image means in [0, 1] of a batch of latents (one input per latent layer)."""
        latents = [
            checked_latent(z, spec.shape[1:].as_list(), spec.name)
            for z, spec in zip(latents, self.latent_specs, strict=True)
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
