"""Finds a preset folder from a path or a name.

A name is looked up as `<folder>/<name>/` in `$TFAVI_PRESETS_DIR` (a folder of presets,
searched first) and then in the presets shipped with tfavi (`tfavi/presets/<name>/`). A
folder counts as a preset when it holds a `config.json`.
"""

import os

from tfavi.presets.preset_format import CONFIG_FILE

PRESETS_DIR_ENV = "TFAVI_PRESETS_DIR"
_SHIPPED = os.path.dirname(os.path.abspath(__file__))


def preset_dirs() -> list[str]:
    """The folders searched for a preset name, first match wins."""
    user = os.environ.get(PRESETS_DIR_ENV)
    return [user, _SHIPPED] if user else [_SHIPPED]


def preset_names() -> list[str]:
    """Names of the presets found in `preset_dirs()`."""
    return sorted(
        {
            name
            for folder in preset_dirs()
            if os.path.isdir(folder)
            for name in os.listdir(folder)
            if os.path.isfile(os.path.join(folder, name, CONFIG_FILE))
        }
    )


def find_preset(name_or_path: str) -> str:
    """The preset folder `name_or_path` (an existing folder) or named `name_or_path`."""
    if os.path.isdir(name_or_path):
        return name_or_path
    if os.sep in name_or_path or "/" in name_or_path:
        raise FileNotFoundError(f"No preset folder at {name_or_path!r}.")
    for folder in preset_dirs():
        candidate = os.path.join(folder, name_or_path)
        if os.path.isfile(os.path.join(candidate, CONFIG_FILE)):
            return candidate
    raise ValueError(_unknown_name_message(name_or_path))


def _unknown_name_message(name: str) -> str:
    from tfavi import zoo  # here, not above: the zoo imports the models, which import presets

    presets = ", ".join(preset_names()) or "none yet"
    where = " and ".join(repr(folder) for folder in preset_dirs())
    if name in zoo.names():
        return (
            f"The zoo model {name!r} has no trained preset (presets: {presets}; searched "
            f"{where}). Build it untrained with tfavi.zoo.build({name!r}), or train it with "
            f"`tfavi-train --model={name}` and save it with tfavi.presets.save_to_preset."
        )
    return (
        f"Unknown preset {name!r}: no such folder, and no preset of that name in {where}. "
        f"Presets: {presets}. Zoo models (tfavi.zoo.build): {', '.join(zoo.names())}."
    )
