import numpy as np
import tensorflow as tf
from scipy.stats import bernoulli

from tests.layer_checks import (
    assert_config_round_trip,
    assert_keras_reload,
    assert_same_outputs_and_gradients,
)
from tfavi.models.attentive_vae.bernoulli_head import BernoulliHead


def _case(pad=2, size=6, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(2, size, size, 1)).astype("float32")
    targets = (rng.uniform(size=logits.shape) < 0.5).astype("float32")
    return logits, targets


def test_log_prob_sums_bernoulli_log_pmf_over_the_cropped_image():
    logits, targets = _case()
    head = BernoulliHead(pad_size=2)
    probs = 1 / (1 + np.exp(-logits[:, 2:-2, 2:-2]))
    expected = bernoulli.logpmf(targets[:, 2:-2, 2:-2], probs).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(head.log_prob(logits, targets).numpy(), expected, rtol=1e-5)
    padded = targets.copy()
    padded[:, :2] = 1 - padded[:, :2]
    np.testing.assert_allclose(head.log_prob(logits, padded).numpy(), expected, rtol=1e-5)


def test_crop_gives_the_likelihood_and_gradient_of_a_strided_slice():
    def reference(logits, targets):
        logits, targets = logits[:, 2:-2, 2:-2], targets[:, 2:-2, 2:-2]
        return tf.reduce_sum(targets * logits - tf.nn.softplus(logits), axis=(1, 2, 3))

    assert_same_outputs_and_gradients(
        BernoulliHead(pad_size=2).log_prob, reference, list(_case(size=7))
    )


def test_zero_padding_keeps_the_whole_image():
    logits, targets = _case()
    probs = 1 / (1 + np.exp(-logits))
    expected = bernoulli.logpmf(targets, probs).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(
        BernoulliHead(pad_size=0).log_prob(logits, targets).numpy(), expected, rtol=1e-5
    )


def test_location_is_the_probability_of_the_cropped_pixels():
    logits, _ = _case(pad=1, size=5)
    expected = 1 / (1 + np.exp(-logits[:, 1:-1, 1:-1]))
    np.testing.assert_allclose(BernoulliHead(pad_size=1).location(logits), expected, rtol=1e-6)


def test_serialization(tmp_path):
    head = BernoulliHead(pad_size=1, kernel_size=1)
    assert_config_round_trip(head)
    assert_keras_reload(head, np.ones((1, 4, 4, 3), "float32"), tmp_path)
