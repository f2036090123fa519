"""The model contract every tfavi VAE implements.

A hierarchical VAE maps images to the per-example reconstruction log-likelihood and the KL
term of every latent layer; training, evaluation and importance sampling share that forward
pass. References: Kingma & Welling 2014 (VAE); Burda et al. 2016 (importance weighting).
"""

import math

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export
from tfavi.models.noise_stream import NoiseStream


@tfavi_export
class HierarchicalVAE(keras.Model):
    """Base class of tfavi's VAEs: a `keras.Model` with a shared ELBO and IWAE machinery.

    Subclasses implement `call(images, training)` returning a dict with
    - `recon_log_prob`: log p(x | z) per example, shape [B];
    - `kl`: the KL term of every latent layer per example, shape [B, num_latent_layers];
    - `log_weight`: log p(x, z) - log q(z | x) for the sampled z, shape [B];
    and `sample`, `posterior_means_and_scales` and `decode`. Every draw of noise comes from
    `noise(seed)`.

    Images are floats in [0, 1] of shape `image_shape` (binary datasets hold 0 and 1).

    Args:
        image_shape: `(height, width, channels)` of the data.
        num_latent_layers: number of latent layers (entries of the `kl` output).
        seed: seed of the model's sampling noise.
    """

    def __init__(self, image_shape, num_latent_layers: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.num_latent_layers = int(num_latent_layers)
        self.seed = seed
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.kl_beta = keras.Variable(1.0, trainable=False, name="kl_beta")
        self._trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ["nelbo", "recon", "kl", "bits_per_dim"]
            + [f"kl_layer_{i}" for i in range(self.num_latent_layers)]
        }

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

    def objective(self, images, training: bool):
        """Returns (per-example beta-weighted negative ELBO, the forward pass outputs)."""
        outputs = self(images, training=training)
        kl = tf.reduce_sum(outputs["kl"], axis=-1)
        return -outputs["recon_log_prob"] + self.kl_beta * kl, outputs

    def update_metrics(self, outputs) -> None:
        """Updates the nelbo/recon/kl/per-layer-KL/bits-per-dim trackers with a batch."""
        recon = -outputs["recon_log_prob"]
        kl = tf.reduce_sum(outputs["kl"], axis=-1)
        nelbo = recon + kl
        self._trackers["nelbo"].update_state(nelbo)
        self._trackers["recon"].update_state(recon)
        self._trackers["kl"].update_state(kl)
        self._trackers["bits_per_dim"].update_state(nelbo / (self.num_dimensions * math.log(2)))
        for i in range(self.num_latent_layers):
            self._trackers[f"kl_layer_{i}"].update_state(outputs["kl"][:, i])

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

    def log_likelihood(self, images, num_importance_samples: int = 1000, chunk_size: int = 100):
        """Importance-weighted estimate of log p(x) in nats per example (Burda et al. 2016).

        log p(x) ~= logsumexp_k log w_k - log K, with q(z | x) as the proposal. The K samples
        are drawn `chunk_size` at a time and combined with a running log-sum-exp, so K = 1000
        fits in memory.
        """
        if num_importance_samples < 1 or chunk_size < 1:
            raise ValueError(
                "num_importance_samples and chunk_size must be positive, got "
                f"{num_importance_samples} and {chunk_size}."
            )
        images = tf.convert_to_tensor(images, tf.float32)
        total = None
        remaining = num_importance_samples
        while remaining > 0:
            chunk = min(chunk_size, remaining)
            log_weights = self.log_weights(images, tf.constant(chunk))
            chunk_total = tf.reduce_logsumexp(log_weights, axis=0)
            total = chunk_total if total is None else tf.reduce_logsumexp([total, chunk_total], 0)
            remaining -= chunk
        return total - math.log(num_importance_samples)

    @tf.function(reduce_retracing=True)
    def log_weights(self, images, num_samples):
        """log w_k = log p(x, z_k) - log q(z_k | x) for `num_samples` posterior draws z_k per image.

        `num_samples` may be a tensor; returns shape [num_samples, B]. One graph call of the
        model on the images repeated `num_samples` times (Burda et al. 2016).
        """
        batch = tf.shape(images)[0]
        tiled = tf.repeat(images[tf.newaxis], num_samples, axis=0)
        tiled = tf.reshape(tiled, tf.concat([[num_samples * batch], tf.shape(images)[1:]], 0))
        log_weight = self(tiled, training=False)["log_weight"]
        return tf.reshape(log_weight, [num_samples, batch])

    def noise(self, seed=None) -> NoiseStream:
        """The noise of one pass: stateless draws from an integer `seed` (a Python int or an
        integer tensor), so Keras and an exported graph agree; else the model's generator."""
        return NoiseStream(self.noise_seed if seed is None else seed)

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Draws images from the model, with the prior scales multiplied by `temperature`.

        `num_samples`, `temperature` and `seed` may be tensors; an integer `seed` makes the
        draw a stateless function of it (see `noise`).
        """
        raise NotImplementedError

    def posterior_means_and_scales(self, images) -> tuple[list, list]:
        """Returns (means, standard deviations) of q over every latent layer.

        Each layer is conditioned on the means of the layers above it; a structured posterior
        gives its marginal standard deviations.
        """
        raise NotImplementedError

    def encode(self, images):
        """Returns the posterior means of every latent layer (the inputs of `decode`)."""
        return self.posterior_means_and_scales(images)[0]

    def decode(self, latents):
        """Maps latents (as returned by `encode`) to images in [0, 1]."""
        raise NotImplementedError

    def reconstruct(self, images):
        """Decodes the posterior means of `images`."""
        return self.decode(self.encode(images))

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=list(self.image_shape), seed=self.seed)
        return config


def _images_of(data):
    return data[0] if isinstance(data, (tuple, list)) else data
