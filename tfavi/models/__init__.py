"""Model families, one folder each: density models (`DensityModel`) and, on top of them,
latent-variable models (`HierarchicalVAE`)."""

from tfavi.models.attentive_vae import DeepAttentiveVAE as DeepAttentiveVAE
from tfavi.models.density_model import DensityModel as DensityModel
from tfavi.models.gaussian_vae import GaussianMLPVAE as GaussianMLPVAE
from tfavi.models.hierarchical_vae import HierarchicalVAE as HierarchicalVAE
from tfavi.models.maf import MAF as MAF
from tfavi.models.self_reflective import SelfReflectiveMAF as SelfReflectiveMAF
from tfavi.models.self_reflective import SelfReflectiveVAE as SelfReflectiveVAE
