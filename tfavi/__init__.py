"""tfavi: deep hierarchical variational autoencoders for Keras 3 and TensorFlow.

Importing tfavi registers every model and layer with Keras, so `keras.models.load_model`
needs no `custom_objects`.
"""

from tfavi import data, evaluation, models, training  # noqa: F401

__version__ = "0.1.0"
