"""Deep Attentive VAEs and the NVAE baseline with the official architectures (spec section 9).

Reference: Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
"""

from tfavi.models.attentive_vae.deep_attentive_vae import DeepAttentiveVAE
from tfavi.zoo.registry import ZooEntry, register

CIFAR10_ATTENTIVE = dict(
    image_shape=(32, 32, 3),
    num_layers=16,
    latent_channels=20,
    num_filters=128,
    decoder_attention_dim=20,
    encoder_attention_dim=20,
    decoder_attention_layer_norm=True,
    encoder_attention_layer_norm=True,
    cell_nonlocal_key_dim=32,
    merge_nonlocal_key_dim=None,
    preprocess_scales=(0, -2),
    preprocess_nonlocal_key_dim=32,
    postprocess_scales=(2, 0),
    postprocess_nonlocal_key_dim=None,
    output_distribution="discretized_logistic_mixture",
    prior_log_scale_bounds=(-1.0, 5.0),
    posterior_log_scale_bounds=(-5.0, 5.0),
    prior_noise_stddev=1e-3,
    posterior_noise_stddev=1e-3,
)
"""118,974,679 trainable weights."""

CIFAR10_NVAE = dict(
    CIFAR10_ATTENTIVE,
    decoder_attention_dim=None,
    encoder_attention_dim=None,
    cell_nonlocal_key_dim=None,
    preprocess_nonlocal_key_dim=None,
    prior_log_scale_bounds=(-5.0, 5.0),
    prior_noise_stddev=0.0,
    posterior_noise_stddev=0.0,
)
"""79,206,420 trainable weights."""

OMNIGLOT_ATTENTIVE = dict(
    image_shape=(28, 28, 1),
    num_layers=15,
    latent_channels=20,
    num_filters=32,
    decoder_attention_dim=8,
    encoder_attention_dim=8,
    decoder_attention_layer_norm=True,
    encoder_attention_layer_norm=False,
    cell_nonlocal_key_dim=None,
    merge_nonlocal_key_dim=8,
    preprocess_scales=(0, 0, -2),
    preprocess_nonlocal_key_dim=None,
    postprocess_scales=(2, 0, 0),
    postprocess_nonlocal_key_dim=8,
    output_distribution="bernoulli",
    pad_size=2,
    prior_log_scale_bounds=(-5.0, 5.0),
    posterior_log_scale_bounds=(-5.0, 5.0),
    prior_noise_stddev=0.0,
    posterior_noise_stddev=0.0,
)
"""7,875,675 trainable weights."""

MNIST_CHAIN = dict(OMNIGLOT_ATTENTIVE, posterior_structure="chain")
"""The MNIST model with chain (raster-order) GGM posteriors in every latent layer (issue 14)."""
MNIST_EXTENDED_GRID = dict(OMNIGLOT_ATTENTIVE, posterior_structure="extended_grid")
"""The MNIST model with extended-grid GGM posteriors in every latent layer (issue 14)."""

SMOKE = dict(
    num_layers=3,
    latent_channels=4,
    num_filters=8,
    preprocess_scales=(-2,),
    postprocess_scales=(2,),
)
"""Three layers keep every attention path (layer 2 attends over two contexts and normalises
c_0); single pre- and post-processing blocks keep the graph, whose tracing dominates a smoke
run, small."""
SMOKE_ATTENTION = dict(
    SMOKE,
    decoder_attention_dim=4,
    encoder_attention_dim=4,
    cell_nonlocal_key_dim=None,
    preprocess_nonlocal_key_dim=None,
    postprocess_nonlocal_key_dim=None,
)
SMOKE_OMNIGLOT = dict(SMOKE_ATTENTION, merge_nonlocal_key_dim=4)

for name, model_kwargs, recipe, smoke in [
    ("attentive_vae_16", CIFAR10_ATTENTIVE, "attentive_cifar10", SMOKE_ATTENTION),
    ("attentive_vae_16_900", CIFAR10_ATTENTIVE, "attentive_cifar10_900", SMOKE_ATTENTION),
    ("nvae_16", CIFAR10_NVAE, "attentive_cifar10", SMOKE),
    ("attentive_vae_omniglot_15", OMNIGLOT_ATTENTIVE, "attentive_omniglot", SMOKE_OMNIGLOT),
    ("attentive_vae_mnist", OMNIGLOT_ATTENTIVE, "attentive_mnist", SMOKE_OMNIGLOT),
    ("attentive_vae_mnist_chain", MNIST_CHAIN, "attentive_mnist", SMOKE_OMNIGLOT),
    ("attentive_vae_mnist_extgrid", MNIST_EXTENDED_GRID, "attentive_mnist", SMOKE_OMNIGLOT),
]:
    register(
        ZooEntry(
            name=name,
            family="NVAE (no attention)" if name.startswith("nvae") else "Deep Attentive VAE",
            model_class=DeepAttentiveVAE,
            model_kwargs=model_kwargs,
            recipe=recipe,
            smoke_model_kwargs=smoke,
        )
    )
