"""Model families on the `HierarchicalVAE` contract."""

from tfavi.models.deep_attentive_vae import DeepAttentiveVAE
from tfavi.models.gaussian_mlp_vae import GaussianMLPVAE
from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.models.self_reflective_maf import SelfReflectiveMAF
from tfavi.models.self_reflective_vae import SelfReflectiveVAE
