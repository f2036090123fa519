"""Every preset shipped in `tfavi/presets/<zoo name>/` loads offline and scores its metadata.

The check (`tfavi.presets.check_preset`) measures the preset's test ELBO on the first 1,000
test images and compares it with the value stored when it was made, within
`TOLERANCE_NATS` (0.5 nats). With no preset shipped the parametrised test is skipped; the
check itself is tested on a smoke run's preset in `test_run_preset.py`.
"""

import os

import pytest

from benchmarks import render_tables
from tests.run_fixtures import needs_data
from tfavi import data, presets, zoo

SHIPPED = os.path.dirname(os.path.abspath(presets.__file__))
NAMES = sorted(
    name
    for name in os.listdir(SHIPPED)
    if os.path.isfile(os.path.join(SHIPPED, name, presets.CONFIG_FILE))
)
FILES = sorted([presets.CONFIG_FILE, presets.METADATA_FILE, presets.WEIGHTS_FILE])


@needs_data
@pytest.mark.parametrize("name", NAMES)
def test_a_shipped_preset_scores_its_metadata(name):
    folder = os.path.join(SHIPPED, name)
    metadata = presets.read_metadata(folder)
    assert metadata["zoo_name"] == name and name in zoo.names()
    assert {"dataset", "recipe", "seed", "epochs", "train_minutes"} <= set(metadata)
    test_images = data.num_examples(metadata["dataset"], "test")
    assert metadata["metrics"]["test_examples"] == test_images  # the whole test split
    assert metadata["metrics"]["num_importance_samples"] == 1000
    assert metadata["check"]["examples"] == 1000
    result = presets.check_preset(name)
    assert result["measured"] == pytest.approx(result["stored"], abs=presets.TOLERANCE_NATS)


def test_shipped_presets_hold_final_weights_only_and_stay_small():
    total = 0
    for name in NAMES:
        folder = os.path.join(SHIPPED, name)
        assert sorted(os.listdir(folder)) == FILES, name  # no checkpoints, no extra files
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in FILES)
    assert total < 100e6


def _readme_zoo_rows() -> dict:
    """The README's model-zoo table: zoo name -> its row's cells by column title."""
    with open(render_tables.README) as f:
        section = f.read().split("## Model zoo", 1)[1]
    lines = [line for line in section.split("\n\n")[1].splitlines() if line.startswith("|")]
    titles = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    return {row[0].strip("`"): dict(zip(titles, row, strict=True)) for row in rows}


def test_the_readme_zoo_table_says_which_entries_ship_a_preset():
    rows = _readme_zoo_rows()
    assert sorted(rows) == zoo.names()
    with_preset = sorted(
        name for name, row in rows.items() if row["trained preset"].startswith("yes")
    )
    assert with_preset == NAMES
    for name in NAMES:
        metadata = presets.read_metadata(os.path.join(SHIPPED, name))
        preset = rows[name]["trained preset"]
        assert f"{metadata['epochs']} epochs, {round(metadata['train_minutes'])} min" in preset
        assert f"{metadata['metrics']['test_log_px']:.2f}" in rows[name]["our result (test, nats)"]
