"""Which zoo entries the default test run takes end to end (export, serving, `.keras` reload,
the tools' smoke runs): one entry per code path. The others are twins of an entry below (the
same smoke model, exported and served as that entry's, with another recipe or another dataset
of the same pipeline) and carry the `large` mark: they run with `python -m pytest --run_large`
(keras-hub's convention), as the whole zoo.
"""

import pytest

from tfavi import zoo

CODE_PATHS = {
    "vae_mlp": "Gaussian MLP VAE, diagonal posterior, static binarized MNIST",
    "ggm_vae_diag": "the GGM family's diagonal posterior, 16 latents",
    "ggm_vae_chain": "chain (banded-Cholesky) posterior",
    "ggm_vae_grid": "grid posterior with a Gershgorin diagonal",
    "ggm_vae_extgrid": "extended-grid posterior",
    "ggm_vae_logit_normal": "logit-normal grid likelihood on grey-level MNIST",
    "maf_cifar10": "density model without latents",
    "sere_vae_mlp": "self-reflective MLP VAE, dynamically binarized MNIST",
    "dlgm_mlp": "the same hierarchy without self-reflection",
    "sere_vae_resnet": "self-reflective ResNet VAE",
    "sere_maf_cifar10": "SeRe-MAF, spline bijectors and conditional-MAF data layers",
    "attentive_vae_16": "attentive VAE, CIFAR-10, discretized-logistic-mixture head",
    "nvae_16": "the NVAE baseline: no depth-wise attention",
    "attentive_vae_omniglot_15": "attentive VAE, Bernoulli head, OMNIGLOT's chardata.mat",
    "attentive_vae_mnist_chain": "chain posteriors in every layer of the attentive hierarchy",
    "attentive_vae_mnist_extgrid": "extended-grid posteriors in every layer, dynamic MNIST",
}


def zoo_params(names=None) -> list:
    """`names` (default: the whole zoo) as pytest params; those outside CODE_PATHS are large."""
    return [
        pytest.param(name, marks=() if name in CODE_PATHS else pytest.mark.large)
        for name in (zoo.names() if names is None else names)
    ]


def selected_names(request, test_function) -> list:
    """The `name` params of `test_function`'s tests selected in this session."""
    return [
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "function", None) is test_function
    ]
