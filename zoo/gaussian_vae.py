"""Single-layer Gaussian VAEs: diagonal and Gaussian-graphical-model posteriors."""

from tfavi.models.gaussian_vae.gaussian_mlp_vae import GaussianMLPVAE
from tfavi.zoo.registry import ZooEntry, register

# The MLP of Peşte & Malagò (ICML 2017 workshop): two hidden layers of 200 ELU units
# (ggm_vae.md section 4 gives the evidence for the width), 16 latents on a 4 x 4 lattice.
_MLP = dict(
    image_shape=(28, 28, 1), latent_dim=16, hidden_units=200, num_hidden_layers=2, activation="elu"
)
_SMOKE = dict(hidden_units=32)

register(
    ZooEntry(
        name="vae_mlp",
        family="Gaussian VAE (diagonal posterior)",
        model_class=GaussianMLPVAE,
        model_kwargs=_MLP,
        recipe="binarized_mnist_mlp",
        smoke_model_kwargs=dict(_SMOKE, latent_dim=4),
    )
)
for _name, _posterior in [
    ("ggm_vae_diag", "diagonal"),
    ("ggm_vae_chain", "chain"),
    ("ggm_vae_grid", "grid"),
    ("ggm_vae_extgrid", "extended_grid"),
]:
    register(
        ZooEntry(
            name=_name,
            family=f"GGM VAE ({_posterior.replace('_', ' ')} posterior)",
            model_class=GaussianMLPVAE,
            model_kwargs=dict(_MLP, posterior=_posterior),
            recipe="binarized_mnist_mlp",
            smoke_model_kwargs=_SMOKE,
        )
    )
register(
    ZooEntry(
        name="ggm_vae_logit_normal",
        family="GGM VAE (extended-grid posterior, logit-normal grid likelihood)",
        model_class=GaussianMLPVAE,
        model_kwargs=dict(_MLP, posterior="extended_grid", likelihood="logit_normal_grid"),
        recipe="mnist_continuous_mlp",
        smoke_model_kwargs=_SMOKE,
    )
)
