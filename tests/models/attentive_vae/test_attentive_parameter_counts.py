"""The zoo's attentive VAEs have exactly the official models' Keras trainable-weight counts
(spec section 9: `trainable_weights`, which includes the model-level context layer norms)."""

import numpy as np
import pytest

from tfavi import zoo
from tfavi.models import DeepAttentiveVAE


def _num_trainable(name: str) -> int:
    model = DeepAttentiveVAE(**zoo.get(name).model_kwargs)
    model.build((1, *model.image_shape))
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def test_omniglot_model_count():
    assert _num_trainable("attentive_vae_omniglot_15") == 7_875_675


@pytest.mark.parametrize(
    "name, expected", [("attentive_vae_16", 118_974_679), ("nvae_16", 79_206_420)]
)
def test_cifar10_model_counts(name, expected):
    assert _num_trainable(name) == expected
