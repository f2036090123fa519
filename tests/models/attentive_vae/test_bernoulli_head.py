import numpy as np
from scipy.stats import bernoulli

from tests.layer_checks import assert_config_round_trip, assert_keras_reload
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


def test_zero_padding_keeps_the_whole_image():
    logits, targets = _case()
    probs = 1 / (1 + np.exp(-logits))
    expected = bernoulli.logpmf(targets, probs).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(
        BernoulliHead(pad_size=0).log_prob(logits, targets).numpy(), expected, rtol=1e-5
    )


def test_samples_are_cropped_binary_with_the_right_mean():
    logits = np.full((4000, 5, 5, 1), 0.8, "float32")
    samples = BernoulliHead(pad_size=1).sample(logits, seed=1).numpy()
    assert samples.shape == (4000, 3, 3, 1) and set(np.unique(samples)) <= {0.0, 1.0}
    assert abs(samples.mean() - 1 / (1 + np.exp(-0.8))) < 0.01


def test_serialization(tmp_path):
    head = BernoulliHead(pad_size=1, kernel_size=1)
    assert_config_round_trip(head)
    assert_keras_reload(head, np.ones((1, 4, 4, 3), "float32"), tmp_path)
