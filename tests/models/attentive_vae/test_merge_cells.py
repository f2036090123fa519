import numpy as np

from tests.layer_checks import assert_config_round_trip, assert_keras_reload
from tfavi.models.attentive_vae.concat_conv2d import ConcatConv2D
from tfavi.models.attentive_vae.conv2d_sum import Conv2DSum


def _maps(channels, seed=0):
    return np.random.default_rng(seed).normal(size=(2, 3, 3, channels)).astype("float32")


def test_concat_conv2d_is_a_1x1_conv_of_the_concatenation():
    merge = ConcatConv2D(4)
    a, b = _maps(3), _maps(2, seed=1)
    out = merge([a, b]).numpy()
    expected = merge.conv(np.concatenate([a, b], axis=-1)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert merge.conv.kernel_size == 1 and merge.conv.use_bias


def test_conv2d_sum_adds_projections_or_the_input_itself():
    a, b = _maps(4), _maps(5, seed=1)
    same_width = Conv2DSum(4)
    np.testing.assert_allclose(same_width([a, b]).numpy(), a + same_width.conv_b(b).numpy(), 1e-5)
    assert same_width.conv_a is None
    projected = Conv2DSum(6)
    out = projected([a, b]).numpy()
    expected = projected.conv_a(a).numpy() + projected.conv_b(b).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_trailing_non_local_block_is_identity_at_initialisation():
    a, b = _maps(3), _maps(2, seed=1)
    with_block, without = ConcatConv2D(4, nonlocal_key_dim=2), ConcatConv2D(4)
    with_block.build([a.shape, b.shape])
    without.build([a.shape, b.shape])
    without.set_weights(with_block.conv.get_weights())
    np.testing.assert_allclose(with_block([a, b]).numpy(), without([a, b]).numpy(), 1e-6)


def test_serialization(tmp_path):
    for merge in (ConcatConv2D(4, nonlocal_key_dim=2), Conv2DSum(4, nonlocal_key_dim=2)):
        assert_config_round_trip(merge)
        assert_keras_reload(merge, [_maps(3), _maps(2, seed=1)], tmp_path, list_input=True)
