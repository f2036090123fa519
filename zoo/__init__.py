"""The model zoo: `zoo.build(name)`, `zoo.from_preset(name_or_path)`, `zoo.names()`,
`zoo.get(name)`, `zoo.resolve_config(name, ...)`, and `zoo.save_run_as_preset(workdir, path)`
to turn a finished training run into a preset.

Importing this package registers every family's named models.
"""

from tfavi.presets import from_preset
from tfavi.zoo import attentive_vae, gaussian_vae, sere_vae  # noqa: F401  (registers their entries)
from tfavi.zoo.builder import build
from tfavi.zoo.registry import ZooEntry, get, names, recipe_config, register, resolve_config
from tfavi.zoo.run_preset import save_run_as_preset
