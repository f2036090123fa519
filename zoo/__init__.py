"""The model zoo: `zoo.get(name)`, `zoo.names()`, `zoo.resolve_config(name, ...)`.

Importing this package registers every family's named models.
"""

from tfavi.zoo import attentive_vae, gaussian_vae, sere_vae  # noqa: F401  (registers their entries)
from tfavi.zoo.registry import ZooEntry, get, names, recipe_config, register, resolve_config
