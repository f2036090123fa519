"""Self-Reflective VAEs and their baselines (spec /work/shared/docs/sere_vae.md).

Reference: Apostolopoulou, Rosenfeld, Dubrawski, "Self-Reflective Variational Autoencoder",
arXiv 2007.05166.
"""

from tfavi.models.maf import MAF
from tfavi.models.self_reflective import SelfReflectiveMAF, SelfReflectiveVAE
from tfavi.zoo.registry import ZooEntry, register

SERE_MNIST_MLP = dict(
    image_shape=(28, 28, 1),
    num_layers=10,
    latent_dim=10,
    hidden_units=256,
    encoder_units=256,
    num_hidden_layers=2,
    activation="elu",
    architecture="mlp",
    self_reflective=True,
)
"""7,940,398 weights: 10 layers x 10 latents, 10 raster blocks of 79 pixels (the last 73)."""

DLGM_MNIST_MLP = dict(SERE_MNIST_MLP, self_reflective=False, encoder_units=427)
"""7,921,479 weights: encoders widened from 256 to 427 units to match SeRe-VAE's budget."""

SERE_MNIST_RESNET = dict(SERE_MNIST_MLP, architecture="resnet", hidden_units=128, encoder_units=128)
"""9,935,022 weights: residual dense networks, convolutional ResNet encoders."""

# Smoke variants keep the data shapes (the smoke runs train on the real datasets) and shrink
# the depth and widths: 3 layers still have a first, a middle and a last layer.
_MNIST_SMOKE = dict(num_layers=3, hidden_units=16, encoder_units=16, num_hidden_layers=1)

SERE_MAF_CIFAR10 = dict(
    image_shape=(32, 32, 3),
    num_layers=5,
    latent_dim=40,
    num_flows=2,
    made_units=1024,
    hidden_units=512,
    num_hidden_layers=2,
    num_couplings=4,
    num_bins=8,
    spline_bound=3.0,
    activation="relu",
    logit_alpha=0.05,
)
"""56,619,724 weights: 5 layers x 40 latents, 5 raster blocks of 615 values (the last 612),
10 MADEs of 1024 units (2 per layer)."""

MAF_CIFAR10 = dict(
    image_shape=(32, 32, 3), num_flows=10, made_units=1024, activation="relu", logit_alpha=0.05
)
"""94,443,521 weights: one MAF of 10 MADEs of 1024 units over all 3072 values."""

_CIFAR10_SMOKE = dict(made_units=16, hidden_units=32, num_hidden_layers=1, num_couplings=2)

for name, family, model_class, kwargs, recipe, smoke in [
    (
        "sere_vae_mlp",
        "SeRe-VAE (MLP, affine bijectors)",
        SelfReflectiveVAE,
        SERE_MNIST_MLP,
        "sere_mnist",
        _MNIST_SMOKE,
    ),
    (
        "dlgm_mlp",
        "DLGM (SeRe-VAE ablation)",
        SelfReflectiveVAE,
        DLGM_MNIST_MLP,
        "sere_mnist",
        _MNIST_SMOKE,
    ),
    (
        "sere_vae_resnet",
        "SeRe-VAE (ResNet, affine bijectors)",
        SelfReflectiveVAE,
        SERE_MNIST_RESNET,
        "sere_mnist",
        _MNIST_SMOKE,
    ),
    (
        "sere_maf_cifar10",
        "SeRe-MAF (spline bijectors, conditional MAF)",
        SelfReflectiveMAF,
        SERE_MAF_CIFAR10,
        "sere_maf_cifar10",
        dict(_CIFAR10_SMOKE, num_layers=2, latent_dim=8),
    ),
    (
        "maf_cifar10",
        "MAF (SeRe-MAF baseline)",
        MAF,
        MAF_CIFAR10,
        "sere_maf_cifar10",
        dict(made_units=16, num_flows=2),
    ),
]:
    register(ZooEntry(name, family, model_class, kwargs, recipe, smoke))
