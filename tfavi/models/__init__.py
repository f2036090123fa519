"""Model families on the `HierarchicalVAE` contract, one folder each."""

from tfavi.models.attentive_vae import DeepAttentiveVAE as DeepAttentiveVAE
from tfavi.models.gaussian_vae import GaussianMLPVAE as GaussianMLPVAE
from tfavi.models.hierarchical_vae import HierarchicalVAE as HierarchicalVAE
from tfavi.models.self_reflective import SelfReflectiveMAF as SelfReflectiveMAF
from tfavi.models.self_reflective import SelfReflectiveVAE as SelfReflectiveVAE
