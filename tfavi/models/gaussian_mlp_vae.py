"""The plain Gaussian VAE with MLP encoder and decoder and a Bernoulli likelihood."""

import math

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export
from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.models.replica_invariant_noise import replica_invariant_normal

_LOG_2PI = math.log(2.0 * math.pi)


def _mlp(hidden_units: int, num_hidden_layers: int, activation: str, outputs: int, name: str):
    layers = [keras.layers.Flatten()]
    layers += [
        keras.layers.Dense(hidden_units, activation=activation) for _ in range(num_hidden_layers)
    ]
    layers.append(keras.layers.Dense(outputs))
    return keras.Sequential(layers, name=name)


def standard_normal_log_prob(z):
    """log N(z; 0, I) summed over the last axis."""
    return -0.5 * tf.reduce_sum(tf.square(z) + _LOG_2PI, axis=-1)


def stateless_seed(seed):
    """The `[2]` int64 seed of `tf.random.stateless_*` ops for an integer or integer tensor."""
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])


@tfavi_export
class GaussianMLPVAE(HierarchicalVAE):
    """One-layer VAE: diagonal Gaussian posterior, standard normal prior, Bernoulli decoder.

    The "Diagonal" baseline of Peşte & Malagò (ICML 2017 workshop): MLP encoder and decoder
    with `num_hidden_layers` hidden layers of `hidden_units` units, latent size `latent_dim`.
    Reference: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.

    Args:
        image_shape: shape of the binary images, e.g. `(28, 28, 1)`.
        latent_dim: number of latent variables.
        hidden_units: width of each hidden layer.
        num_hidden_layers: hidden layers in the encoder and in the decoder.
        activation: hidden-layer activation.
        min_scale: floor added to the softplus of the posterior scales.

    Example:
    >>> model = GaussianMLPVAE(image_shape=(28, 28, 1))
    >>> outputs = model(tf.zeros([2, 28, 28, 1]))
    >>> outputs["kl"].shape
    TensorShape([2, 1])
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim: int = 16,
        hidden_units: int = 200,
        num_hidden_layers: int = 2,
        activation: str = "elu",
        min_scale: float = 1e-4,
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, num_latent_layers=1, **kwargs)
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.num_hidden_layers = num_hidden_layers
        self.activation = activation
        self.min_scale = min_scale
        self.encoder = _mlp(hidden_units, num_hidden_layers, activation, 2 * latent_dim, "encoder")
        self.decoder = _mlp(
            hidden_units, num_hidden_layers, activation, self.num_dimensions, "decoder"
        )

    def build(self, input_shape):
        self.encoder.build((None, *self.image_shape))
        self.decoder.build((None, self.latent_dim))

    def posterior(self, images):
        """Returns the posterior mean and scale, each [B, latent_dim]."""
        # Networks may compute in a mixed-precision dtype; the distributions use float32.
        mean, raw_scale = tf.split(tf.cast(self.encoder(images), tf.float32), 2, axis=-1)
        return mean, tf.nn.softplus(raw_scale) + self.min_scale

    def logits(self, z):
        return tf.reshape(tf.cast(self.decoder(z), tf.float32), [-1, *self.image_shape])

    def call(self, images, training=None):
        images = tf.cast(images, tf.float32)
        mean, scale = self.posterior(images)
        eps = replica_invariant_normal(tf.shape(mean), self.noise_seed, mean.dtype)
        z = mean + scale * eps
        recon = -tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=self.logits(z)),
            axis=[1, 2, 3],
        )
        kl = 0.5 * tf.reduce_sum(tf.square(mean) + tf.square(scale) - 1.0, -1) - tf.reduce_sum(
            tf.math.log(scale), -1
        )
        log_q = -0.5 * tf.reduce_sum(tf.square(eps) + _LOG_2PI, -1) - tf.reduce_sum(
            tf.math.log(scale), -1
        )
        log_weight = recon + standard_normal_log_prob(z) - log_q
        return {"recon_log_prob": recon, "kl": kl[:, tf.newaxis], "log_weight": log_weight}

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Draws images; `num_samples`, `temperature` and `seed` may be tensors.

        With `seed=None` the noise comes from the model's generator. An integer `seed` (a
        Python int or an integer tensor, as in an exported SavedModel) makes the draw a
        stateless function of it, so Keras and the SavedModel give the same images.
        """
        shape = [num_samples, self.latent_dim]
        if seed is None:
            z = keras.random.normal(shape, seed=self.noise_seed)
        else:
            z = tf.random.stateless_normal(shape, seed=stateless_seed(seed))
        return self.decode([temperature * z])

    def encode(self, images):
        return [self.posterior(tf.cast(images, tf.float32))[0]]

    def decode(self, latents):
        return tf.sigmoid(self.logits(latents[0]))

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            hidden_units=self.hidden_units,
            num_hidden_layers=self.num_hidden_layers,
            activation=self.activation,
            min_scale=self.min_scale,
        )
        return config
