import numpy as np

from tests.layer_checks import assert_config_round_trip, assert_keras_reload
from tfavi.models.attentive_vae.residual_cell import ResidualCell


def _inputs(shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def test_stem_sets_the_width_and_blocks_follow_their_scales():
    cell = ResidualCell([0, -2], stem_filters=4, nonlocal_key_dim=2)
    assert cell(_inputs((2, 8, 8, 3))).shape == (2, 4, 4, 8)
    assert cell.compute_output_shape((2, 8, 8, 3)) == (2, 4, 4, 8)
    assert cell.stem.kernel_size == 3 and cell.stem.use_bias


def test_without_stem_the_width_follows_the_input():
    cell = ResidualCell([2, 0, 0])
    assert cell(_inputs((1, 2, 2, 6))).shape == (1, 4, 4, 3)
    assert cell.stem is None and len(cell.blocks) == 3


def test_cell_is_the_composition_of_stem_and_blocks():
    cell = ResidualCell([0, 0], stem_filters=3)
    x = _inputs((1, 4, 4, 2))
    out = cell(x, training=False).numpy()
    expected = cell.blocks[1](cell.blocks[0](cell.stem(x), training=False), training=False)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-6)


def test_serialization(tmp_path):
    for cell, shape in (
        (ResidualCell([0, -2], stem_filters=4, nonlocal_key_dim=2, use_se=True), (1, 4, 4, 1)),
        (ResidualCell([2, 0], nonlocal_key_dim=2, bn_momentum=0.95), (1, 2, 2, 4)),
    ):
        assert_config_round_trip(cell)
        assert_keras_reload(cell, _inputs(shape), tmp_path, training=False)
