"""The one decorator that registers tfavi's public Keras objects for serialization."""

import keras


def tfavi_export(cls):
    """Registers `cls` under the `tfavi>` namespace so `keras.models.load_model` finds it."""
    return keras.saving.register_keras_serializable(package="tfavi")(cls)
