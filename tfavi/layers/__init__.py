"""Keras layers of tfavi; importing this package registers them for `.keras` loading."""

from tfavi.layers.bernoulli_head import BernoulliHead as BernoulliHead
from tfavi.layers.concat_conv2d import ConcatConv2D as ConcatConv2D
from tfavi.layers.conditioner_network import ConditionerNetwork as ConditionerNetwork
from tfavi.layers.conv2d_sum import Conv2DSum as Conv2DSum
from tfavi.layers.depthwise_attention import DepthwiseAttention as DepthwiseAttention
from tfavi.layers.discretized_logistic_mixture_head import (
    DiscretizedLogisticMixtureHead as DiscretizedLogisticMixtureHead,
)
from tfavi.layers.factorized_reduce import FactorizedReduce as FactorizedReduce
from tfavi.layers.gated_residual import GatedResidual as GatedResidual
from tfavi.layers.gaussian_parameter_bound import GaussianParameterBound as GaussianParameterBound
from tfavi.layers.gaussian_parameter_net import GaussianParameterNet as GaussianParameterNet
from tfavi.layers.layer_norm_gelu_residual import LayerNormGeluResidual as LayerNormGeluResidual
from tfavi.layers.made import MADE as MADE
from tfavi.layers.masked_dense import MaskedDense as MaskedDense
from tfavi.layers.non_local_block import NonLocalBlock as NonLocalBlock
from tfavi.layers.pre_activation_conv2d import PreActivationConv2D as PreActivationConv2D
from tfavi.layers.residual_block import ResidualBlock as ResidualBlock
from tfavi.layers.residual_cell import ResidualCell as ResidualCell
from tfavi.layers.residual_node import ResidualNode as ResidualNode
from tfavi.layers.squeeze_excite import SqueezeExcite as SqueezeExcite
from tfavi.layers.weight_norm_conv2d import WeightNormConv2D as WeightNormConv2D
