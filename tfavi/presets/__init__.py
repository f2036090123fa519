"""Presets: a model saved as a folder (config, weights, metadata), loaded by path or by name.

`save_to_preset(model, path)` writes a preset folder (format: `preset_format`),
`tfavi.zoo.save_run_as_preset(workdir, path)` one from a finished training run, and `check_preset`
measures a preset's test ELBO against its metadata;
`Model.from_preset(name_or_path)` and `tfavi.zoo.from_preset` load one. Trained presets ship
inside the package as `tfavi/presets/<zoo name>/`; `$TFAVI_PRESETS_DIR` adds a folder of
presets searched first (`preset_lookup`).
"""

from tfavi.presets.preset_check import TOLERANCE_NATS, PresetMismatch, check_preset
from tfavi.presets.preset_format import (
    CONFIG_FILE,
    METADATA_FILE,
    WEIGHTS_FILE,
    read_metadata,
    save_to_preset,
)
from tfavi.presets.preset_lookup import PRESETS_DIR_ENV, preset_names
from tfavi.presets.preset_mixin import PresetMixin, from_preset
