"""Test-set evaluation: ELBO and importance-weighted log-likelihood, in nats and bits/dim."""

import contextlib
import math

import keras
import numpy as np


def evaluate(
    model,
    dataset,
    num_importance_samples: int = 1000,
    chunk_size: int = 100,
    verbose: int = 1,
    seed: int | None = None,
) -> dict:
    """Averages over `dataset` (batches of images) the terms of the negative ELBO (one draw
    per example, as in training: `nelbo`, and for a latent-variable model `recon` and `kl`)
    and the importance-weighted log-likelihood with K samples.

    With a `seed` the noise starts from the state the model's generator has when built with
    that seed, and the generator is put back afterwards: the result depends only on the
    weights, the data and the seed. Returns nats per example and bits per dimension of both,
    and the example count.
    """
    context = _noise_seeded(model, seed) if seed is not None else contextlib.nullcontext()
    with context:
        return _evaluate(model, dataset, num_importance_samples, chunk_size, verbose)


@contextlib.contextmanager
def _noise_seeded(model, seed: int):
    state = model.noise_seed.state
    saved = keras.ops.convert_to_numpy(state)
    state.assign(keras.ops.convert_to_tensor([seed, 0], dtype=state.dtype))
    try:
        yield
    finally:
        state.assign(saved)


def _evaluate(model, dataset, num_importance_samples: int, chunk_size: int, verbose: int) -> dict:
    terms, log_likelihood = {}, []
    num_batches = int(dataset.cardinality())
    progress = keras.utils.Progbar(num_batches if num_batches >= 0 else None, verbose=verbose)
    for images in dataset:
        for name, values in model.elbo_terms(model(images, training=False)).items():
            terms.setdefault(name, []).append(np.asarray(values))
        log_likelihood.append(
            np.asarray(model.log_likelihood(images, num_importance_samples, chunk_size))
        )
        progress.add(
            1,
            [
                ("nelbo", float(np.mean(terms["nelbo"][-1]))),
                ("nll", -float(np.mean(log_likelihood[-1]))),
            ],
        )
    means = {name: float(np.mean(np.concatenate(values))) for name, values in terms.items()}
    nll_mean = -float(np.mean(np.concatenate(log_likelihood)))
    to_bits = 1.0 / (model.num_dimensions * math.log(2))
    return {
        "examples": sum(len(values) for values in terms["nelbo"]),
        "num_importance_samples": num_importance_samples,
        **means,
        "nll": nll_mean,
        "elbo_bits_per_dim": means["nelbo"] * to_bits,
        "nll_bits_per_dim": nll_mean * to_bits,
    }
