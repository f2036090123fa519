"""Trainable-weight counts of the official models' components (spec section 9)."""

import keras
import pytest

from tests.layer_checks import built_num_trainable
from tfavi.models.attentive_vae.bernoulli_head import BernoulliHead
from tfavi.models.attentive_vae.concat_conv2d import ConcatConv2D
from tfavi.models.attentive_vae.conv2d_sum import Conv2DSum
from tfavi.models.attentive_vae.discretized_logistic_mixture_head import (
    DiscretizedLogisticMixtureHead,
)
from tfavi.models.attentive_vae.gated_residual import GatedResidual
from tfavi.models.attentive_vae.gaussian_parameter_net import GaussianParameterNet
from tfavi.models.attentive_vae.layer_norm_gelu_residual import LayerNormGeluResidual
from tfavi.models.attentive_vae.residual_cell import ResidualCell


def _maps(channels, size=16):
    return (1, size, size, channels)


CELLS = {
    "cifar_attentive_preproc": (
        ResidualCell([0, -2], 138, nonlocal_key_dim=32),
        _maps(3, 32),
        1_596_214,
    ),
    "cifar_attentive_encoder_cell": (ResidualCell(nonlocal_key_dim=32), _maps(276), 3_124_840),
    "cifar_attentive_decoder_cell": (ResidualCell(nonlocal_key_dim=32), _maps(316), 4_083_240),
    "cifar_attentive_last_decoder_cell": (ResidualCell(nonlocal_key_dim=32), _maps(296), 3_588_040),
    "cifar_attentive_postproc": (ResidualCell([2, 0]), _maps(276), 897_690),
    "nvae_preproc": (ResidualCell([0, -2], 128), _maps(3, 32), 1_219_456),
    "nvae_encoder_and_decoder_cell": (ResidualCell(), _maps(256), 2_363_392),
    "nvae_postproc": (ResidualCell([2, 0]), _maps(256), 772_480),
    "omniglot_preproc": (ResidualCell([0, 0, -2], 36), _maps(1, 32), 120_852),
    "omniglot_encoder_cell": (ResidualCell(), _maps(72), 187_776),
    "omniglot_decoder_cell": (ResidualCell(), _maps(88), 280_192),
    "omniglot_last_decoder_cell": (ResidualCell(), _maps(80), 231_680),
    "omniglot_postproc": (ResidualCell([2, 0, 0], nonlocal_key_dim=8), _maps(72), 108_042),
}

MERGES = {
    "cifar_attentive_decoder_merge": (ConcatConv2D(316), [_maps(276), _maps(20)], 94_168),
    "cifar_attentive_last_decoder_merge": (ConcatConv2D(296), [_maps(276), _maps(20)], 88_208),
    "cifar_attentive_final_merge": (ConcatConv2D(276), [_maps(276), _maps(20)], 82_248),
    "cifar_attentive_encoder_merge": (Conv2DSum(276), [_maps(256), _maps(276)], 147_936),
    "nvae_decoder_and_final_merge": (ConcatConv2D(256), [_maps(256), _maps(20)], 71_168),
    "nvae_encoder_merge": (Conv2DSum(256), [_maps(256), _maps(256)], 66_048),
    "omniglot_decoder_merge": (ConcatConv2D(88, 8), [_maps(72), _maps(20)], 17_634),
    "omniglot_last_decoder_merge": (ConcatConv2D(80, 8), [_maps(72), _maps(20)], 15_394),
    "omniglot_final_merge": (ConcatConv2D(72, 8), [_maps(72), _maps(20)], 13_282),
    "omniglot_encoder_merge": (Conv2DSum(72, 8), [_maps(64), _maps(72)], 16_594),
}

PRIOR = dict(kernel_size=1, activation="elu")
POSTERIOR = dict(kernel_size=3, activation=None)
INITIAL_POSTERIOR = dict(kernel_size=3, num_convs=2, activation="elu")
NETS = {
    "cifar_attentive_prior": (GaussianParameterNet(**PRIOR, noise_stddev=1e-3), _maps(276), 11_120),
    "cifar_attentive_posterior": (GaussianParameterNet(**POSTERIOR), _maps(276), 99_440),
    "cifar_attentive_initial_posterior": (
        GaussianParameterNet(**INITIAL_POSTERIOR),
        _maps(276),
        176_168,
    ),
    "nvae_prior": (GaussianParameterNet(**PRIOR), _maps(256), 10_320),
    "nvae_posterior": (GaussianParameterNet(**POSTERIOR), _maps(256), 92_240),
    "nvae_initial_posterior": (GaussianParameterNet(**INITIAL_POSTERIOR), _maps(256), 158_288),
    "omniglot_prior": (GaussianParameterNet(**PRIOR), _maps(72), 2_960),
    "omniglot_posterior": (GaussianParameterNet(**POSTERIOR), _maps(72), 26_000),
    "omniglot_initial_posterior": (GaussianParameterNet(**INITIAL_POSTERIOR), _maps(72), 31_328),
    # GGM posteriors (zoo attentive_vae_mnist_chain / _extgrid): 20 or 40 more 3x3 outputs.
    "omniglot_chain_posterior": (
        GaussianParameterNet(**POSTERIOR, num_coupling_maps=1),
        _maps(72),
        39_000,
    ),
    "omniglot_extended_grid_initial_posterior": (
        GaussianParameterNet(**INITIAL_POSTERIOR, num_coupling_maps=2),
        _maps(72),
        57_328,
    ),
    "cifar_attentive_head": (DiscretizedLogisticMixtureHead(), _maps(138, 32), 62_200),
    "nvae_head": (DiscretizedLogisticMixtureHead(), _maps(128, 32), 57_700),
    "omniglot_head": (BernoulliHead(), _maps(36, 32), 326),
}


@pytest.mark.parametrize("name", sorted(CELLS | MERGES | NETS))
def test_component_parameter_count(name):
    layer, input_shape, expected = (CELLS | MERGES | NETS)[name]
    assert built_num_trainable(layer, input_shape) == expected


def _attention_extras(context_width, value_width):
    """Decoder: LN-GELU on the context and the attention output, LN on the newest value and
    the gate. Encoder: LN-GELU on the attention output and the encoder feature, and the gate."""
    decoder = [LayerNormGeluResidual(), LayerNormGeluResidual(), keras.layers.LayerNormalization()]
    encoder = [LayerNormGeluResidual(), LayerNormGeluResidual()]
    decoder_count = sum(built_num_trainable(ln, _maps(context_width)) for ln in decoder)
    encoder_count = sum(built_num_trainable(ln, _maps(value_width)) for ln in encoder)
    gate = built_num_trainable(GatedResidual(), (_maps(1), _maps(1)))
    return decoder_count + gate, encoder_count + gate, gate


def test_cifar_attentive_attention_extras():
    assert _attention_extras(276, 256) == (1_657, 1_025, 1)


def test_omniglot_attention_extras():
    decoder, _, encoder_gate = _attention_extras(72, 64)
    assert (decoder, encoder_gate) == (433, 1)
