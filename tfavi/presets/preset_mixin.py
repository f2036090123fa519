"""`from_preset`: the keras-hub way to build a model with its trained weights."""

import os

import keras

from tfavi.presets.preset_format import CONFIG_FILE, load_weights, read_config
from tfavi.presets.preset_lookup import find_preset


class PresetMixin:
    """Gives a model class `from_preset` (a base of every tfavi model)."""

    @classmethod
    def from_preset(cls, name_or_path: str):
        """The model saved in a preset folder, with its weights.

        Args:
            name_or_path: a preset folder written by `save_to_preset`, or the name of a
                preset in `$TFAVI_PRESETS_DIR` or shipped with tfavi (e.g. a zoo name).

        Example:
        >>> model = DeepAttentiveVAE.from_preset("runs/presets/attentive_vae_16")
        """
        folder = find_preset(name_or_path)
        config = read_config(folder)
        found = keras.saving.get_registered_object(config["registered_name"])
        if found is None:
            raise ValueError(
                f"The preset {folder!r} holds a {config['registered_name']!r}, which is not a "
                "registered class: import the package that defines it first."
            )
        if not issubclass(found, cls):
            wanted = "tfavi model" if cls is PresetMixin else cls.__name__
            raise TypeError(
                f"The preset {folder!r} holds a {found.__name__}, not a {wanted}: load it "
                f"with {found.__name__}.from_preset or tfavi.zoo.from_preset."
            )
        try:
            model = keras.saving.deserialize_keras_object(config)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(
                f"Cannot build a {found.__name__} from {os.path.join(folder, CONFIG_FILE)!r} "
                f"({error}): the preset is damaged; save it again."
            ) from error
        load_weights(model, folder)
        return model


def from_preset(name_or_path: str):
    """Any tfavi model saved as a preset folder; see `PresetMixin.from_preset`."""
    return PresetMixin.from_preset(name_or_path)
