"""PNG grids of images."""

import math
import os

import numpy as np
import tensorflow as tf


def image_grid(images, columns: int | None = None, padding: int = 1) -> np.ndarray:
    """Tiles [N, H, W, C] images in [0, 1] into one uint8 [rows*(H+p), cols*(W+p), C] image."""
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.ones(
        [rows * (h + padding) + padding, columns * (w + padding) + padding, c], np.float32
    )
    for i, image in enumerate(images):
        top, left = (
            padding + (i // columns) * (h + padding),
            padding + (i % columns) * (w + padding),
        )
        grid[top : top + h, left : left + w] = image
    return np.round(grid * 255).astype(np.uint8)


def save_png(path: str, grid: np.ndarray) -> None:
    tf.io.gfile.makedirs(os.path.dirname(path) or ".")
    tf.io.write_file(f"{path}.tmp", tf.io.encode_png(grid))
    tf.io.gfile.rename(f"{path}.tmp", path, overwrite=True)
