"""Self-Reflective VAE and SeRe-MAF (self-reflective variational inference, `sere_vae.md`)."""

from tfavi.models.self_reflective.self_reflective_maf import SelfReflectiveMAF as SelfReflectiveMAF
from tfavi.models.self_reflective.self_reflective_vae import SelfReflectiveVAE as SelfReflectiveVAE
