"""`build(name)`: a zoo model, built, in one line of Python."""

import keras

from tfavi.errors import ConfigError
from tfavi.training.run_directory import build_model
from tfavi.zoo.registry import _constructor_arguments, get, resolve_config


def build(name: str, *, smoke: bool = False, seed: int | None = None, **model_overrides):
    """The zoo model `name` with its variables created (untrained).

    The same model `tfavi-train --model=<name>` trains: the entry's arguments, then the smoke
    variant's changes if `smoke`, then `model_overrides`.

    Args:
        name: a zoo name, e.g. `attentive_vae_16` (see `tfavi.zoo.names()`).
        smoke: build the tiny variant of the recipe's smoke test.
        seed: if given, seeds the initialisation (`keras.utils.set_random_seed`) and the
            sampling noise; else the recipe's seed seeds the noise.
        **model_overrides: constructor arguments replacing the entry's.

    Example:
    >>> model = tfavi.zoo.build("vae_mlp", latent_dim=8)
    """
    entry = get(name)
    valid = _constructor_arguments(entry.model_class)
    unknown = sorted(set(model_overrides) - valid)
    if unknown:
        raise ConfigError(
            f"Unknown argument(s) {', '.join(map(repr, unknown))} for {name!r}. "
            f"{entry.model_class.__name__} takes: {', '.join(sorted(valid))}."
        )
    config = resolve_config(name, smoke=smoke)
    config = config.replace(model={**config.model, **model_overrides})
    if seed is not None:
        keras.utils.set_random_seed(seed)
        config = config.replace(seed=seed)
    return build_model(config)
