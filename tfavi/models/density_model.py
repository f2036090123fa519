"""The contract of every tfavi model: a density over images with an ELBO and IWAE machinery.

A density model maps images to a per-example log importance weight log w, a one-sample
estimate of log p(x) whose mean is the ELBO; training, evaluation and importance sampling share
that forward pass. References: Kingma & Welling 2014 (VAE); Burda et al. 2016 (importance
weighting); Theis et al. 2016 (dequantization as a variational bound).
"""

import math

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export
from tfavi.models.noise_stream import NoiseStream
from tfavi.presets import PresetMixin


@tfavi_export
class DensityModel(PresetMixin, keras.Model):
    """Base class of tfavi's models: a `keras.Model` with a shared ELBO and IWAE machinery.

    Subclasses implement `call(images, training)` returning a dict with `log_weight`, log w
    per example of shape [B]: log p(x, z) - log q(z | x) for a sampled z (a latent-variable
    model, `HierarchicalVAE`), or the log-density of the dequantized images (a flow). They
    also implement `sample`. Every draw of noise comes from `noise(seed)`.

    Images are floats in [0, 1] of shape `image_shape` (binary datasets hold 0 and 1).

    Args:
        image_shape: `(height, width, channels)` of the data.
        seed: seed of the model's sampling noise.
    """

    def __init__(self, image_shape, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.seed = seed
        self.noise_seed = keras.random.SeedGenerator(seed)
        self._trackers = {}
        self._add_trackers("nelbo", "bits_per_dim")

    @property
    def num_dimensions(self) -> int:
        return math.prod(self.image_shape)

    @property
    def binary_images(self) -> bool:
        """True if the likelihood is defined for pixels 0 and 1 only (Bernoulli); a subclass
        declares it, and serving refuses other pixel values."""
        return False

    @property
    def metrics(self):
        return list(self._trackers.values())

    def _add_trackers(self, *names) -> None:
        """Adds a `keras.metrics.Mean` per name, updated from `metric_values`."""
        self._trackers.update({name: keras.metrics.Mean(name=name) for name in names})

    def elbo_terms(self, outputs) -> dict:
        """Per-example float32 terms (nats) of a forward pass: `nelbo`, the negative ELBO."""
        return {"nelbo": -tf.cast(outputs["log_weight"], tf.float32)}

    def objective(self, images, training: bool):
        """Returns (the per-example training loss, the forward pass outputs)."""
        outputs = self(images, training=training)
        return self.elbo_terms(outputs)["nelbo"], outputs

    def metric_values(self, outputs) -> dict:
        """{tracker name: per-example values} of a forward pass: the ELBO terms and bits/dim."""
        terms = self.elbo_terms(outputs)
        return {**terms, "bits_per_dim": terms["nelbo"] / (self.num_dimensions * math.log(2))}

    def update_metrics(self, outputs) -> None:
        """Updates the trackers (`metrics`) with a batch's forward pass."""
        for name, values in self.metric_values(outputs).items():
            self._trackers[name].update_state(values)

    def train_step(self, data):
        """One `model.fit` step on a single machine; `tfavi.training` has the distributed loop."""
        images = _images_of(data)
        with tf.GradientTape() as tape:
            per_example, outputs = self.objective(images, training=True)
            loss = tf.reduce_mean(per_example)
            if self.losses:
                loss += tf.add_n(self.losses)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.update_metrics(outputs)
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def test_step(self, data):
        self.update_metrics(self(_images_of(data), training=False))
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def log_likelihood(self, images, num_importance_samples=1000, chunk_size: int = 100):
        """Importance-weighted estimate of log p(x) in nats per example (Burda et al. 2016).

        log p(x) ~= logsumexp_k log w_k - log K. The K weights are drawn `chunk_size` at a
        time, in the same chunks eagerly and in a graph, and combined with a running
        log-sum-exp, so K = 1000 fits in memory. K may be a Python int or an int32 tensor
        (e.g. a serving input, checked there).
        """
        if chunk_size < 1 or not (
            tf.is_tensor(num_importance_samples) or int(num_importance_samples) >= 1
        ):
            raise ValueError(
                "num_importance_samples and chunk_size must be positive, got "
                f"{num_importance_samples} and {chunk_size}."
            )
        images = tf.convert_to_tensor(images, tf.float32)
        num_samples = tf.convert_to_tensor(num_importance_samples, tf.int32)

        def chunk_total(done):
            chunk = tf.minimum(chunk_size, num_samples - done)
            return done + chunk, tf.reduce_logsumexp(self.log_weights(images, chunk), axis=0)

        def body(done, total):
            done, total_of_chunk = chunk_total(done)
            return done, tf.reduce_logsumexp(tf.stack([total, total_of_chunk]), axis=0)

        start = chunk_total(tf.constant(0))
        _, total = tf.while_loop(lambda done, _: done < num_samples, body, start)
        return total - tf.math.log(tf.cast(num_samples, total.dtype))

    @tf.function(reduce_retracing=True, autograph=False)
    def log_weights(self, images, num_samples):
        """log w_k for `num_samples` draws per image (see `call`), shape [num_samples, B].

        `num_samples` may be a tensor. One graph call of the model on the images repeated
        `num_samples` times (Burda et al. 2016), by `_repeated_log_weight` (the Deep Attentive
        VAE repeats its encoder features instead).
        """
        log_weight = self._repeated_log_weight(images, num_samples)
        return tf.reshape(log_weight, [num_samples, tf.shape(images)[0]])

    def _repeated_log_weight(self, images, num_samples):
        """log w of the `images` repeated `num_samples` times (`repeat_draws`), shape
        [num_samples * B]; a model whose passes share work across draws overrides it."""
        return self(repeat_draws(images, num_samples), training=False)["log_weight"]

    def noise(self, seed=None) -> NoiseStream:
        """The noise of one pass: stateless draws from an integer `seed` (a Python int or an
        integer tensor), so Keras and an exported graph agree; else the model's generator."""
        return NoiseStream(self.noise_seed if seed is None else seed)

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Draws images from the model, with its base or prior scales multiplied by
        `temperature`.

        `num_samples`, `temperature` and `seed` may be tensors; an integer `seed` makes the
        draw a stateless function of it (see `noise`).
        """
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=list(self.image_shape), seed=self.seed)
        return config


def repeat_draws(tensor, num_samples):
    """`tensor` [B, ...] repeated `num_samples` times along the batch axis, draw-major: row
    k * B + b is row b of draw k."""
    multiples = tf.concat([[num_samples], tf.ones([tf.rank(tensor) - 1], tf.int32)], 0)
    return tf.tile(tensor, multiples)


def _images_of(data):
    return data[0] if isinstance(data, (tuple, list)) else data
