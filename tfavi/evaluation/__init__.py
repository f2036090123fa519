"""Evaluation: ELBO and importance-weighted log-likelihood, image grids."""

from tfavi.evaluation.evaluator import evaluate
from tfavi.evaluation.image_grid import image_grid, save_png
from tfavi.evaluation.image_writer import write_reconstructions, write_sample_grids
