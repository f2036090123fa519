"""The latent-variable contract: a `DensityModel` with declared latent layers.

A hierarchical VAE maps images to the per-example reconstruction log-likelihood, the KL term
of every latent layer and the log importance weight; it encodes images to the means of its
latent layers, whose names, shapes and dtypes it declares (`latent_specs`), and decodes them.
Reference: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
"""

import keras
import tensorflow as tf

from tfavi.api_export import tfavi_export
from tfavi.models.density_model import DensityModel


@tfavi_export
class HierarchicalVAE(DensityModel):
    """Base class of tfavi's VAEs: a `DensityModel` with latent layers.

    Subclasses implement `call(images, training)` returning a dict with
    - `recon_log_prob`: log p(x | z) per example, shape [B];
    - `kl`: the KL term of every latent layer per example, shape [B, num_latent_layers];
    - `log_weight`: log p(x, z) - log q(z | x) for the sampled z, shape [B];
    and `latent_shapes`, `sample`, `posterior_means_and_scales` and `decode`.

    Args:
        image_shape: `(height, width, channels)` of the data.
        num_latent_layers: number of latent layers (entries of the `kl` output).
        seed: seed of the model's sampling noise.
    """

    def __init__(self, image_shape, num_latent_layers: int, seed: int = 0, **kwargs):
        super().__init__(image_shape=image_shape, seed=seed, **kwargs)
        self.num_latent_layers = int(num_latent_layers)
        self.kl_beta = keras.Variable(1.0, trainable=False, name="kl_beta")
        layers = [f"kl_layer_{i}" for i in range(self.num_latent_layers)]
        self._add_trackers("recon", "kl", *layers)

    @property
    def latent_shapes(self) -> list[tuple]:
        """The per-example shape of every latent layer, top layer first."""
        raise NotImplementedError

    @property
    def latent_specs(self) -> list[tf.TensorSpec]:
        """`TensorSpec`s of the latents `encode` returns and `decode` takes: `latent_<i>`,
        float32, shape [batch, *shape of layer i]."""
        return [
            tf.TensorSpec([None, *shape], tf.float32, name=f"latent_{i}")
            for i, shape in enumerate(self.latent_shapes)
        ]

    def elbo_terms(self, outputs, kl_beta=1.0) -> dict:
        """Per-example float32 terms (nats): `recon` = -log p(x | z), `kl` = sum_l KL_l and
        `nelbo` = recon + kl_beta * kl (the negative ELBO at kl_beta = 1)."""
        recon = -tf.cast(outputs["recon_log_prob"], tf.float32)
        kl = tf.reduce_sum(tf.cast(outputs["kl"], tf.float32), axis=-1)
        return {"nelbo": recon + kl_beta * kl, "recon": recon, "kl": kl}

    def objective(self, images, training: bool):
        """Returns (per-example `kl_beta`-weighted negative ELBO, the forward pass outputs)."""
        outputs = self(images, training=training)
        return self.elbo_terms(outputs, self.kl_beta)["nelbo"], outputs

    def metric_values(self, outputs) -> dict:
        """The ELBO terms, bits/dim and the KL of every layer (`kl_layer_<i>`)."""
        kl = tf.cast(outputs["kl"], tf.float32)
        per_layer = {f"kl_layer_{i}": kl[:, i] for i in range(self.num_latent_layers)}
        return {**super().metric_values(outputs), **per_layer}

    def posterior_means_and_scales(self, images) -> tuple[list, list]:
        """Returns (means, standard deviations) of q over every latent layer.

        Each layer is conditioned on the means of the layers above it; a structured posterior
        gives its marginal standard deviations.
        """
        raise NotImplementedError

    def encode(self, images) -> list:
        """The posterior means of every latent layer (the inputs of `decode`, see
        `latent_specs`)."""
        means = self.posterior_means_and_scales(images)[0]
        specs = self.latent_specs
        return [tf.cast(mean, spec.dtype) for mean, spec in zip(means, specs, strict=True)]

    def decode(self, latents):
        """Maps latents (as returned by `encode`) to images in [0, 1]."""
        raise NotImplementedError

    def reconstruct(self, images):
        """Decodes the posterior means of `images`."""
        return self.decode(self.encode(images))
