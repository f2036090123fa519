"""Numbered version folders, written atomically; tools/export.py on a workdir."""

import os
from pathlib import Path

import pytest
import tensorflow as tf

from tfavi import zoo
from tfavi.export import export_saved_model
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


def test_export_tool_writes_the_next_version_of_a_workdir(vae_mlp, tmp_path, capsys):
    workdir = tmp_path / "run"
    run_directory.save_or_check_config(zoo.resolve_config("vae_mlp", smoke=True), str(workdir))
    vae_mlp.model.save(workdir / run_directory.MODEL_FILE)
    base_path = tmp_path / "exports" / "vae_mlp"
    (base_path / "1").mkdir(parents=True)
    cli.call(export, ["export.py", f"--workdir={workdir}", f"--export_dir={base_path}"])
    assert f"to {base_path / '2'}" in capsys.readouterr().out
    assert (base_path / "2" / "saved_model.pb").is_file()
