"""The serving signatures of a `HierarchicalVAE`, as `tf.function`s.

Every signature is a graph function with explicit `TensorSpec`s, named outputs and in-graph
input checks, so TF Serving can run it with no Python and no tfavi.
"""

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import tensorflow as tf

from tfavi.export.input_validation import (
    checked_images,
    checked_in_range,
    checked_latent,
    checked_scalar,
)
from tfavi.export.serving_limits import DEFAULT_LIMITS, ServingLimits
from tfavi.models.hierarchical_vae import HierarchicalVAE

IMAGES_DTYPES = ("float32", "uint8")


class ServingSignatures:
    """Builds the signature functions of `model`.

    Args:
        model: a built `DensityModel` (a `HierarchicalVAE` also gets its latent signatures).
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
        self.latent_specs = model.latent_specs if isinstance(model, HierarchicalVAE) else []

    def functions(self) -> dict:
        """{signature name: `tf.function` with its input signature}.

        `serving_default` is the `log_likelihood` function itself, so it is traced once. A
        model without latent layers (a plain flow) has no `encode`, `decode` or `reconstruct`:
        there is nothing to encode, and nothing to decode from.
        """
        inputs = self._inputs()

        def signature(method, *names):
            return _checked_function(method, {name: inputs[name] for name in names})

        log_likelihood = signature(self.log_likelihood, "images", "num_importance_samples")
        functions = {
            "serving_default": log_likelihood,
            "log_likelihood": log_likelihood,
            "sample": signature(self.sample, "num_samples", "temperature", "seed"),
        }
        if self.latent_specs:
            functions["encode"] = signature(self.encode, "images")
            functions["decode"] = signature(self.decode, *(s.name for s in self.latent_specs))
            functions["reconstruct"] = signature(self.reconstruct, "images")
        return functions

    def _inputs(self) -> dict:
        """{name: `Input`} of every signature input, with its checks and the export's limits."""
        limits = self.limits

        def in_range(limit: str):
            return functools.partial(checked_in_range, maximum=getattr(limits, limit), limit=limit)

        images = functools.partial(
            checked_images,
            image_shape=self.model.image_shape,
            max_batch_size=limits.max_batch_size,
            binary=self.model.binary_images,
        )
        inputs = {
            "images": Input(tf.as_dtype(self.images_dtype), images),
            "num_importance_samples": Input(tf.int32, in_range("max_importance_samples")),
            "num_samples": Input(tf.int32, in_range("max_num_samples")),
            "temperature": Input(tf.float32, in_range("max_temperature")),
            "seed": Input(tf.int64, checked_scalar),
        }
        for spec in self.latent_specs:
            latent = functools.partial(
                checked_latent,
                latent_shape=spec.shape[1:].as_list(),
                max_batch_size=limits.max_batch_size,
            )
            inputs[spec.name] = Input(spec.dtype, latent)
        return inputs

    def log_likelihood(self, images, num_importance_samples):
        """Negative ELBO, importance-weighted log p(x) (nats) and its bits/dim, per example."""
        nelbo = self.model.elbo_terms(self.model(images, training=False))["nelbo"]
        log_px = tf.cast(
            self.model.log_likelihood(images, num_importance_samples, self.chunk_size), tf.float32
        )
        return {
            "negative_elbo": nelbo,
            "log_likelihood": log_px,
            "bits_per_dim": -log_px / (self.model.num_dimensions * math.log(2.0)),
        }

    def encode(self, images):
        """Posterior means `latent_<i>` and standard deviations `scale_<i>` of every layer."""
        means, scales = self.model.posterior_means_and_scales(images)
        outputs = {f"latent_{i}": tf.cast(mean, tf.float32) for i, mean in enumerate(means)}
        outputs.update({f"scale_{i}": tf.cast(scale, tf.float32) for i, scale in enumerate(scales)})
        return outputs

    def decode(self, *latents):
        """Image means in [0, 1] of a batch of latents (one input per latent layer)."""
        return {"images": tf.cast(self.model.decode(list(latents)), tf.float32)}

    def sample(self, num_samples, temperature, seed):
        """`num_samples` images at `temperature`, a stateless function of `seed`."""
        images = self.model.sample(num_samples, temperature=temperature, seed=seed)
        return {"images": tf.cast(images, tf.float32)}

    def reconstruct(self, images):
        """Decoded posterior means of `images`."""
        return {"reconstructions": tf.cast(self.model.reconstruct(images), tf.float32)}


class Input(NamedTuple):
    """A signature input's dtype and its in-graph check, `check(value, name=...)`."""

    dtype: tf.DType
    check: Callable


def _checked_function(method, inputs: dict):
    """`method` as a graph function of `inputs` ({name: `Input`}), declared with unknown shapes.

    Every op of `method`, the reads of variables and of the noise state included, waits for
    the checks of every input, so a refused request does no work and changes no state.
    """

    @functools.wraps(method)
    def checked(*values):
        values = [
            x.check(value, name=name)
            for (name, x), value in zip(inputs.items(), values, strict=True)
        ]
        with tf.control_dependencies(values):
            return method(*values)

    specs = [tf.TensorSpec(None, x.dtype, name=name) for name, x in inputs.items()]
    return tf.function(checked, input_signature=specs, autograph=False)
