"""Gaussian MLP VAE with diagonal or Gaussian-graphical-model posteriors (Peşte & Malagò)."""

from tfavi.models.gaussian_vae.gaussian_mlp_vae import GaussianMLPVAE as GaussianMLPVAE
