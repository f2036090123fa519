"""Single-layer Gaussian VAEs."""

from tfavi.models.gaussian_mlp_vae import GaussianMLPVAE
from zoo.registry import ZooEntry, register

register(
    ZooEntry(
        name="vae_mlp",
        family="Gaussian VAE (diagonal posterior)",
        model_class=GaussianMLPVAE,
        model_kwargs=dict(
            image_shape=(28, 28, 1),
            latent_dim=16,
            hidden_units=200,
            num_hidden_layers=2,
            activation="elu",
        ),
        recipe="binarized_mnist_mlp",
        smoke_model_kwargs=dict(hidden_units=32, latent_dim=4),
    )
)
