import keras
import numpy as np
import pytest

from tests.layer_checks import (
    assert_config_round_trip,
    assert_keras_reload,
    assert_same_outputs_and_gradients,
    built_num_trainable,
)
from tfavi.models.attentive_vae.factorized_reduce import FactorizedReduce
from tfavi.models.attentive_vae.residual_block import ResidualBlock, upsample_bilinear_align_corners
from tfavi.models.attentive_vae.residual_node import ResidualNode
from tfavi.models.attentive_vae.squeeze_excite import SqueezeExcite


def _inputs(shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


@pytest.mark.parametrize(
    "scale, output_shape", [(0, (2, 4, 4, 6)), (-2, (2, 2, 2, 12)), (2, (2, 8, 8, 3))]
)
def test_output_shapes_of_the_three_scales(scale, output_shape):
    block = ResidualBlock(scale, nonlocal_key_dim=2)
    assert block(_inputs((2, 4, 4, 6))).shape == output_shape
    assert block.compute_output_shape((2, 4, 4, 6)) == output_shape


def test_scale_zero_is_identity_plus_a_tenth_of_the_nodes():
    block = ResidualBlock(0)
    x = _inputs((2, 4, 4, 6))
    out = block(x, training=False).numpy()
    nodes = block.nodes[1](block.nodes[0](x, training=False), training=False).numpy()
    np.testing.assert_allclose(out, x + 0.1 * nodes, rtol=1e-5, atol=1e-6)


def test_downscaling_shortcut_is_factorized_reduce():
    block = ResidualBlock(-2, num_nodes=1)
    x = _inputs((1, 4, 4, 6))
    out = block(x, training=False).numpy()
    expected = block.factorized_reduce(x) + 0.1 * block.nodes[0](x, training=False)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert block.nodes[0].strides == 2


def test_upsampling_uses_nearest_nodes_and_bilinear_shortcut():
    block = ResidualBlock(2, num_nodes=1)
    x = _inputs((1, 2, 2, 4))
    nearest = x.repeat(2, axis=1).repeat(2, axis=2)
    out = block(x, training=False).numpy()
    shortcut = block.shortcut_conv(upsample_bilinear_align_corners(x))
    expected = shortcut + 0.1 * block.nodes[0](nearest, training=False)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert not block.shortcut_conv.use_bias


def test_bilinear_upsampling_aligns_corners():
    ramp = np.array([0.0, 3.0], "float32").reshape(1, 1, 2, 1).repeat(2, axis=1)
    out = upsample_bilinear_align_corners(ramp).numpy()[0, :, :, 0]
    np.testing.assert_allclose(out, np.tile([0.0, 1.0, 2.0, 3.0], (4, 1)), atol=1e-6)


def test_upsampling_shortcut_non_local_block_has_no_bias():
    block = ResidualBlock(2, nonlocal_key_dim=2)
    block.build((None, 2, 2, 4))
    assert block.shortcut_non_local.use_bias is False
    assert all(node.non_local.use_bias for node in block.nodes)


def test_invalid_scale_is_rejected():
    with pytest.raises(ValueError):
        ResidualBlock(4)


@pytest.mark.parametrize("filters, widths", [(276, [69, 69, 69, 69]), (10, [2, 2, 2, 4])])
def test_factorized_reduce_splits_the_output_width(filters, widths):
    reduce = FactorizedReduce(filters)
    assert reduce(_inputs((1, 4, 4, 3))).shape == (1, 2, 2, filters)
    assert [conv.filters for conv in reduce.convs] == widths


def test_factorized_reduce_reads_the_four_shifted_grids():
    reduce = FactorizedReduce(4, activation="linear")
    x = _inputs((1, 4, 4, 2))
    out = reduce(x).numpy()
    for index, shifted in enumerate(
        (x[:, ::2, ::2], x[:, 1::2, 1::2], x[:, ::2, 1::2], x[:, 1::2, ::2])
    ):
        conv = reduce.convs[index]
        expected = shifted @ keras.ops.convert_to_numpy(conv.kernel)[0, 0] + conv.bias.numpy()
        np.testing.assert_allclose(out[..., index : index + 1], expected, rtol=1e-5, atol=1e-6)


def test_factorized_reduce_gives_the_outputs_and_gradients_of_strided_slices():
    reduce = FactorizedReduce(8)
    x = _inputs((2, 6, 6, 3))
    reduce.build(x.shape)

    def reference(x):
        a = keras.activations.swish(x)
        shifted = (a, a[:, 1:, 1:], a[:, :, 1:], a[:, 1:, :])
        return keras.ops.concatenate(
            [conv(s) for conv, s in zip(reduce.convs, shifted, strict=True)], axis=-1
        )

    assert_same_outputs_and_gradients(reduce, reference, [x], reduce.trainable_weights)


def test_squeeze_excite_scales_channels_by_a_sigmoid_gate():
    layer = SqueezeExcite()
    x = np.abs(_inputs((2, 3, 3, 32))) + 0.1
    ratio = layer(x).numpy() / x
    assert np.all((ratio > 0) & (ratio < 1))
    np.testing.assert_allclose(ratio, ratio[:, :1, :1].repeat(3, 1).repeat(3, 2), rtol=1e-5)
    c, hidden = 32, 4
    assert built_num_trainable(SqueezeExcite(), (None, 3, 3, c)) == 2 * (c * hidden) + hidden + c


def test_squeeze_excite_only_on_the_last_node():
    block = ResidualBlock(0, num_nodes=3, use_se=True)
    block.build((None, 2, 2, 4))
    assert [node.squeeze_excite is not None for node in block.nodes] == [False, False, True]


def test_node_order_is_batch_norm_non_local_activation_conv():
    node = ResidualNode(3, nonlocal_key_dim=2, activation="linear")
    x = _inputs((2, 2, 2, 4))
    node.build(x.shape)
    node.non_local.gate.gamma.assign(0.5)
    normalised = node.batch_norm(x, training=False)
    expected = node.conv(node.non_local(normalised))
    np.testing.assert_allclose(
        node(x, training=False).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6
    )


def test_batch_norm_settings():
    node = ResidualNode(3, bn_momentum=0.95)
    assert node.batch_norm.momentum == 0.95 and node.batch_norm.epsilon == 1e-5


@pytest.mark.parametrize(
    "layer, input_shape",
    [
        (ResidualBlock(2, nonlocal_key_dim=2, use_se=True), (1, 2, 2, 8)),
        (ResidualBlock(-2, num_nodes=1), (1, 4, 4, 3)),
        (FactorizedReduce(6), (1, 4, 4, 3)),
        (SqueezeExcite(l2=0.0), (1, 2, 2, 3)),
        (ResidualNode(3, strides=2, nonlocal_key_dim=2, use_se=True), (1, 4, 4, 3)),
    ],
)
def test_serialization(layer, input_shape, tmp_path):
    assert_config_round_trip(layer)
    assert_keras_reload(layer, _inputs(input_shape), tmp_path)
