"""Deep attentive VAE and its NVAE baseline (Apostolopoulou et al., ICLR 2022), with the layers
only this family uses. Importing it registers them for `.keras` loading.
"""

from tfavi.models.attentive_vae.bernoulli_head import BernoulliHead as BernoulliHead
from tfavi.models.attentive_vae.concat_conv2d import ConcatConv2D as ConcatConv2D
from tfavi.models.attentive_vae.conv2d_sum import Conv2DSum as Conv2DSum
from tfavi.models.attentive_vae.deep_attentive_vae import DeepAttentiveVAE as DeepAttentiveVAE
from tfavi.models.attentive_vae.depthwise_attention import DepthwiseAttention as DepthwiseAttention
from tfavi.models.attentive_vae.discretized_logistic_mixture_head import (
    DiscretizedLogisticMixtureHead as DiscretizedLogisticMixtureHead,
)
from tfavi.models.attentive_vae.factorized_reduce import FactorizedReduce as FactorizedReduce
from tfavi.models.attentive_vae.gated_residual import GatedResidual as GatedResidual
from tfavi.models.attentive_vae.gaussian_parameter_bound import (
    GaussianParameterBound as GaussianParameterBound,
)
from tfavi.models.attentive_vae.gaussian_parameter_net import (
    GaussianParameterNet as GaussianParameterNet,
)
from tfavi.models.attentive_vae.layer_norm_gelu_residual import (
    LayerNormGeluResidual as LayerNormGeluResidual,
)
from tfavi.models.attentive_vae.non_local_block import NonLocalBlock as NonLocalBlock
from tfavi.models.attentive_vae.pre_activation_conv2d import (
    PreActivationConv2D as PreActivationConv2D,
)
from tfavi.models.attentive_vae.residual_block import ResidualBlock as ResidualBlock
from tfavi.models.attentive_vae.residual_cell import ResidualCell as ResidualCell
from tfavi.models.attentive_vae.residual_node import ResidualNode as ResidualNode
from tfavi.models.attentive_vae.squeeze_excite import SqueezeExcite as SqueezeExcite
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D as WeightNormConv2D
