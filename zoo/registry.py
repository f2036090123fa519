"""Named models: a zoo name resolves to a model class, its arguments, and its recipe."""

import dataclasses
import importlib
import inspect

import keras

from tfavi.errors import ConfigError
from tfavi.training.train_config import TrainConfig, apply_overrides


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """A named model.

    Args:
        name: the zoo name users pass to `--model`.
        family: model family shown in the README's zoo table.
        model_class: the `DensityModel` subclass (e.g. a `HierarchicalVAE`).
        model_kwargs: its constructor arguments.
        recipe: module under `configs/` whose `get_config()` is the training recipe.
        smoke_model_kwargs: argument changes of the tiny smoke variant.
    """

    name: str
    family: str
    model_class: type
    model_kwargs: dict
    recipe: str
    smoke_model_kwargs: dict = dataclasses.field(default_factory=dict)


_ENTRIES: dict[str, ZooEntry] = {}


def register(entry: ZooEntry) -> ZooEntry:
    if entry.name in _ENTRIES:
        raise ValueError(f"Zoo name {entry.name!r} is registered twice.")
    _ENTRIES[entry.name] = entry
    return entry


def names() -> list[str]:
    return sorted(_ENTRIES)


def get(name: str) -> ZooEntry:
    if name not in _ENTRIES:
        raise ConfigError(
            f"Unknown model {name!r}. Available models: {', '.join(names())}. "
            "Pass one of them to --model."
        )
    return _ENTRIES[name]


def recipe_config(entry: ZooEntry, smoke: bool = False) -> TrainConfig:
    """The entry's recipe (or its smoke variant) as a `TrainConfig`."""
    recipe = importlib.import_module(f"tfavi.configs.{entry.recipe}")
    return recipe.get_smoke_config() if smoke else recipe.get_config()


def resolve_config(name: str, smoke: bool = False, overrides=()) -> TrainConfig:
    """Recipe defaults, then the model, then `field=value` overrides, in that order."""
    entry = get(name)
    model = dict(entry.model_kwargs)
    if smoke:
        model.update(entry.smoke_model_kwargs)
    config = recipe_config(entry, smoke).replace(
        model_name=name,
        model_class=keras.saving.get_registered_name(entry.model_class),
        model=model,
    )
    return apply_overrides(config, overrides, _constructor_arguments(entry.model_class))


def _constructor_arguments(model_class: type) -> set[str]:
    arguments = set()
    for cls in model_class.__mro__:
        if cls is keras.Model:
            break
        arguments |= {
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
        }
    return arguments - {"seed"}
