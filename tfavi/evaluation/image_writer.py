"""Sample grids at several temperatures and reconstructions beside their inputs."""

import os

import numpy as np

from tfavi.evaluation.image_grid import image_grid, save_png


def write_sample_grids(model, directory: str, temperatures, num_images: int, seed: int) -> list:
    """Writes `samples_t<T>.png` for each temperature; returns the paths."""
    paths = []
    for temperature in temperatures:
        images = model.sample(num_images, temperature=temperature, seed=seed)
        path = os.path.join(directory, f"samples_t{temperature:.2f}.png")
        save_png(path, image_grid(images))
        paths.append(path)
    return paths


def write_reconstructions(model, images, directory: str) -> str:
    """Writes `reconstructions.png`: rows of inputs alternating with their reconstructions."""
    columns = min(8, len(images))
    images = np.asarray(images, np.float32)[: len(images) // columns * columns]
    recon = np.asarray(model.reconstruct(images), np.float32)
    pairs = []
    for start in range(0, len(images), columns):
        pairs += [images[start : start + columns], recon[start : start + columns]]
    path = os.path.join(directory, "reconstructions.png")
    save_png(path, image_grid(np.concatenate(pairs), columns=columns))
    return path
