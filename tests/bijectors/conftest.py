"""Every test in tests/bijectors starts from the same Keras weight initialization."""

import keras
import pytest


@pytest.fixture(autouse=True)
def _fixed_keras_seed():
    keras.utils.set_random_seed(0)
