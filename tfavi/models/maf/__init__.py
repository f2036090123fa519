"""The masked autoregressive flow (MAF) on images, a density model without latents."""

from tfavi.models.maf.maf import MAF as MAF
