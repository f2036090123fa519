import numpy as np
import pytest
from keras import ops
from scipy.stats import logistic

from tests.layer_checks import (
    assert_config_round_trip,
    assert_keras_reload,
    assert_same_outputs_and_gradients,
)
from tfavi.models.attentive_vae.discretized_logistic_mixture_head import (
    DiscretizedLogisticMixtureHead,
)

PIXELS = (2 * np.arange(256) / 255 - 1).astype("float32")


def _params(
    num_mixtures=1, red=(0.1, -1.0), green=(-0.3, -2.0), blue=(0.5, -1.5), c=(0.4, -0.3, 0.6)
):
    """One-pixel parameters with the official byte order, given (mean, log-scale) per colour."""
    logits = np.zeros(num_mixtures)
    per_mixture = np.zeros((num_mixtures, 9))
    per_mixture[:, :3] = np.arctanh(c)
    colours = np.array([[m] * num_mixtures + [s] * num_mixtures for m, s in (red, green, blue)])
    per_mixture[:, 3:] = colours.reshape(num_mixtures, 6)
    return np.concatenate([logits, per_mixture.reshape(-1)]).astype("float32").reshape(1, 1, 1, -1)


def test_unpack_follows_the_official_byte_order():
    head = DiscretizedLogisticMixtureHead()
    params = np.arange(50, dtype="float32").reshape(1, 1, 1, 50) / 100
    logits, means, log_scales, coefficients = (t.numpy()[0, 0, 0] for t in head.unpack(params))
    per_mixture = params[0, 0, 0, 5:].reshape(5, 9)
    per_colour = per_mixture[:, 3:].reshape(3, 10)
    np.testing.assert_allclose(logits, params[0, 0, 0, :5])
    np.testing.assert_allclose(coefficients, np.tanh(per_mixture[:, :3]).T, rtol=1e-6)
    np.testing.assert_allclose(means, per_colour[:, :5])
    np.testing.assert_allclose(log_scales, per_colour[:, 5:])


def test_likelihood_and_gradients_are_those_of_strided_slices():
    head = DiscretizedLogisticMixtureHead(num_mixtures=2)

    def unpack(params):
        per_mixture = ops.reshape(params[..., 2:], (2, 3, 3, 2, 9))
        per_colour = ops.reshape(per_mixture[..., 3:], (2, 3, 3, 3, 4))
        coefficients = ops.moveaxis(ops.tanh(per_mixture[..., :3]), -1, -2)
        return params[..., :2], per_colour[..., :2], per_colour[..., 2:], coefficients

    def reference(params, targets):
        logits, means, log_scales, c = unpack(params)
        x = targets[..., None]
        shifts = [0 * c[..., 0, :], c[..., 0, :] * x[..., 0, :]]
        shifts.append(c[..., 1, :] * x[..., 0, :] + c[..., 2, :] * x[..., 1, :])
        means = means + ops.stack(shifts, axis=-2)
        log_probs = head.bin_log_prob(x, means, ops.maximum(log_scales, -7.0))
        mixture = ops.sum(log_probs, axis=-2) + ops.log_softmax(logits, axis=-1)
        return ops.sum(ops.logsumexp(mixture, axis=-1), axis=(1, 2))

    rng = np.random.default_rng(0)
    params = rng.normal(size=(2, 3, 3, 20)).astype("float32")
    targets = rng.choice(PIXELS, size=(2, 3, 3, 3))
    assert_same_outputs_and_gradients(head.log_prob, reference, [params, targets])


def test_log_scales_are_floored():
    params = _params(red=(0.0, -20.0))
    log_scales = DiscretizedLogisticMixtureHead(num_mixtures=1).unpack(params)[2].numpy()
    assert log_scales[0, 0, 0, 0, 0] == -7.0


@pytest.mark.parametrize("mean", [-1.3, -0.98, 0.0, 0.4, 0.99, 1.2])
@pytest.mark.parametrize("log_scale", [-6.0, -3.0, -1.0, 0.5])
def test_likelihood_sums_to_one_over_the_256_values(mean, log_scale):
    head = DiscretizedLogisticMixtureHead()
    log_probs = head.bin_log_prob(PIXELS, np.float32(mean), np.float32(log_scale)).numpy()
    assert np.exp(log_probs.astype("float64")).sum() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("mean", [0.9, 0.98])
def test_official_threshold_counts_the_top_bin_twice(mean):
    head = DiscretizedLogisticMixtureHead(edge_threshold=0.99)
    log_scale = np.float32(-3.0)
    total = np.exp(
        head.bin_log_prob(PIXELS, np.float32(mean), log_scale).numpy().astype("float64")
    ).sum()
    top_bin_mass = 1 - logistic.cdf(1 - 1 / 255, loc=mean, scale=np.exp(log_scale))
    assert total - 1 == pytest.approx(top_bin_mass, rel=1e-3)
    assert total > 1


def test_rgb_pixel_likelihood_sums_to_one():
    """With one component and only c0 set, (R, G) is independent of B, so the sum over all
    256^3 pixels is sum_{r,g} P(r, g, b0) * sum_b P(r0, g0, b) / P(r0, g0, b0)."""
    head = DiscretizedLogisticMixtureHead(num_mixtures=1)
    params = _params(red=(0.97, -3.0), green=(-0.5, -2.5), c=(0.6, 0.0, 0.0))
    red, green = np.meshgrid(PIXELS, PIXELS, indexing="ij")
    red_green = np.stack([red, green, np.full_like(red, PIXELS[7])], axis=-1)[None]
    blue = np.stack([np.full(256, PIXELS[200]), np.full(256, PIXELS[100]), PIXELS], -1)[None, None]
    p_red_green = np.exp(head.pixel_log_prob(params, red_green).numpy().astype("float64"))
    p_blue = np.exp(head.pixel_log_prob(params, blue).numpy().astype("float64"))
    total = p_red_green.sum() * p_blue.sum() / p_blue[0, 0, 7]
    assert total == pytest.approx(1.0, abs=1e-4)


def test_autoregressive_means_and_mixture_weights_against_scipy():
    head = DiscretizedLogisticMixtureHead(num_mixtures=2)
    params = _params(num_mixtures=2)
    params[..., 1] = np.log(3.0)  # component weights 1/4 and 3/4, both components equal
    x = np.array([PIXELS[140], PIXELS[90], PIXELS[160]], "float32")
    c0, c1, c2 = 0.4, -0.3, 0.6
    means = [0.1, -0.3 + c0 * x[0], 0.5 + c1 * x[0] + c2 * x[1]]
    scales = np.exp([-1.0, -2.0, -1.5])
    bins = [
        logistic.cdf(v + 1 / 255, m, s) - logistic.cdf(v - 1 / 255, m, s)
        for v, m, s in zip(x, means, scales, strict=True)
    ]
    log_prob = head.log_prob(params, x.reshape(1, 1, 1, 3)).numpy()
    np.testing.assert_allclose(log_prob, [np.log(bins).sum()], rtol=1e-4)


def test_location_is_the_best_component_with_the_clipped_rgb_coupling():
    head = DiscretizedLogisticMixtureHead(num_mixtures=2)
    params = _params(num_mixtures=2, red=(1.3, -7.0), green=(-0.3, -7.0), blue=(0.1, -7.0))
    params[..., 0] = 50.0  # the first component is the most probable
    params[..., 2 + 9 : 2 + 9 + 3] = np.arctanh(-0.9)  # the second one has other coefficients
    red = 1.0  # clipped before it shifts green and blue
    green = -0.3 + 0.4 * red
    blue = 0.1 - 0.3 * red + 0.6 * green
    np.testing.assert_allclose(
        head.location(params).numpy()[0, 0, 0], (np.array([red, green, blue]) + 1) / 2, rtol=1e-6
    )


def test_serialization(tmp_path):
    head = DiscretizedLogisticMixtureHead(num_mixtures=2, kernel_size=1, edge_threshold=0.99)
    assert_config_round_trip(head)
    assert_keras_reload(head, np.ones((1, 2, 2, 3), "float32"), tmp_path)
