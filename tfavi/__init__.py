"""tfavi: deep hierarchical variational autoencoders for Keras 3 and TensorFlow.

Importing tfavi registers every model and layer with Keras, so `keras.models.load_model`
needs no `custom_objects`.
"""

from tfavi import (  # noqa: F401
    bijectors,
    data,
    distributions,
    evaluation,
    layers,
    linalg,
    models,
    training,
)

__version__ = "0.1.0"
