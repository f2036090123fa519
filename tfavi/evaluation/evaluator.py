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
    """Averages over `dataset` (batches of images) the negative ELBO (one posterior sample per
    example, as in training) and the importance-weighted log-likelihood with K samples.

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
    nelbo, recon, kl, log_likelihood, count = [], [], [], [], 0
    num_batches = int(dataset.cardinality())
    progress = keras.utils.Progbar(num_batches if num_batches >= 0 else None, verbose=verbose)
    for images in dataset:
        outputs = model(images, training=False)
        batch_kl = np.sum(outputs["kl"], axis=-1)
        recon.append(-np.asarray(outputs["recon_log_prob"]))
        kl.append(batch_kl)
        nelbo.append(recon[-1] + batch_kl)
        log_likelihood.append(
            np.asarray(model.log_likelihood(images, num_importance_samples, chunk_size))
        )
        count += len(nelbo[-1])
        progress.add(
            1, [("nelbo", float(np.mean(nelbo[-1]))), ("nll", -float(np.mean(log_likelihood[-1])))]
        )
    to_bits = 1.0 / (model.num_dimensions * math.log(2))
    nelbo_mean = float(np.mean(np.concatenate(nelbo)))
    nll_mean = -float(np.mean(np.concatenate(log_likelihood)))
    return {
        "examples": count,
        "num_importance_samples": num_importance_samples,
        "nelbo": nelbo_mean,
        "recon": float(np.mean(np.concatenate(recon))),
        "kl": float(np.mean(np.concatenate(kl))),
        "nll": nll_mean,
        "elbo_bits_per_dim": nelbo_mean * to_bits,
        "nll_bits_per_dim": nll_mean * to_bits,
    }
