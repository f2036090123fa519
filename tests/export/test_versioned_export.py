"""Numbered version folders, written atomically; tools/export.py on a workdir."""

import os
from pathlib import Path

import pytest
import tensorflow as tf

from tests.export.conftest import recorded_limits
from tfavi import zoo
from tfavi.errors import ConfigError
from tfavi.export import export_saved_model
from tfavi.export.versioned_export import NonFiniteWeightsError
from tfavi.tools import cli, export
from tfavi.training import run_directory


def test_two_exports_give_versions_1_and_2(vae_mlp, tmp_path):
    first = export_saved_model(vae_mlp.model, str(tmp_path / "vae_mlp"))
    second = export_saved_model(vae_mlp.model, str(tmp_path / "vae_mlp"))
    assert (first, second) == (str(tmp_path / "vae_mlp" / "1"), str(tmp_path / "vae_mlp" / "2"))
    assert sorted(os.listdir(tmp_path / "vae_mlp")) == ["1", "2"]
    assert (Path(second) / "saved_model.pb").is_file()


def test_an_interrupted_export_leaves_no_version_folder(vae_mlp, tmp_path, monkeypatch):
    def interrupted_save(obj, export_dir, **kwargs):
        Path(export_dir).mkdir()
        (Path(export_dir) / "saved_model.pb").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(tf.saved_model, "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        export_saved_model(vae_mlp.model, str(tmp_path / "vae_mlp"))
    assert os.listdir(tmp_path / "vae_mlp") == []


def test_a_model_with_non_finite_weights_is_not_exported(tmp_path):
    model = zoo.build("vae_mlp", smoke=True)
    weight = model.trainable_weights[-1]
    weight.assign(tf.fill(weight.shape, float("nan")))
    with pytest.raises(NonFiniteWeightsError, match=rf"non-finite weights \({weight.path}\)"):
        export_saved_model(model, str(tmp_path / "vae_mlp"))
    assert not (tmp_path / "vae_mlp").exists()


@pytest.fixture
def workdir(vae_mlp, tmp_path):
    """A finished `vae_mlp` smoke run."""
    workdir = tmp_path / "run"
    run_directory.save_or_check_config(zoo.resolve_config("vae_mlp", smoke=True), str(workdir))
    vae_mlp.model.save(workdir / run_directory.MODEL_FILE)
    return workdir


def test_export_tool_writes_the_next_version_of_a_workdir(workdir, tmp_path, capsys):
    base_path = tmp_path / "exports" / "vae_mlp"
    (base_path / "1").mkdir(parents=True)
    cli.call(export, ["export.py", f"--workdir={workdir}", f"--export_dir={base_path}"])
    assert f"to {base_path / '2'}" in capsys.readouterr().out
    assert (base_path / "2" / "saved_model.pb").is_file()


def test_export_tool_records_the_limits_of_its_flags(workdir, tmp_path):
    base_path = tmp_path / "exports" / "vae_mlp"
    limits = ["--max_batch_size=8", "--max_num_samples=3", "--max_temperature=2.5"]
    cli.call(export, ["export.py", f"--workdir={workdir}", f"--export_dir={base_path}", *limits])
    assert recorded_limits(base_path / "1") == {
        "max_batch_size": 8,
        "max_importance_samples": 10_000,
        "max_num_samples": 3,
        "max_temperature": 2.5,
    }


@pytest.mark.parametrize(
    "flag, message",
    [
        ("--max_batch_size=0", r"--max_batch_size must be an integer in \[1, 2147483647\]"),
        ("--max_temperature=inf", r"--max_temperature must be a finite positive number"),
    ],
)
def test_export_tool_refuses_limits_out_of_range_before_loading(tmp_path, flag, message):
    with pytest.raises(ConfigError, match=message):
        cli.call(export, ["export.py", f"--workdir={tmp_path}", "--export_dir=x", flag])
