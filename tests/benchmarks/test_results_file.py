"""Results files: merges keep every cell, are idempotent, and are atomic."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import results_file

REPO = Path(__file__).resolve().parents[2]
WRITER = """
import sys
from benchmarks import results_file
path, writer = sys.argv[1], sys.argv[2]
for i in range(30):
    results_file.merge_cells(path, {f"{writer}/seed{i}": {"writer": writer, "i": i}})
"""


def test_merge_adds_and_replaces_cells_and_is_idempotent(tmp_path):
    path = str(tmp_path / "results" / "table.json")
    assert results_file.read_cells(path) == {}
    results_file.merge_cells(path, {"b/seed0": {"x": 1}, "a/seed0": {"x": 2}})
    results_file.merge_cells(path, {"b/seed0": {"x": 3}})
    first = Path(path).read_bytes()
    assert results_file.merge_cells(path, {"b/seed0": {"x": 3}}) == {
        "a/seed0": {"x": 2},
        "b/seed0": {"x": 3},
    }
    assert Path(path).read_bytes() == first
    assert list(json.loads(first)) == ["a/seed0", "b/seed0"]  # sorted: small diffs
    assert os.listdir(tmp_path / "results") == ["table.json"]


@pytest.mark.subprocess
def test_concurrent_writers_lose_no_cell(tmp_path):
    path = str(tmp_path / "table.json")
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, path, f"w{k}"], cwd=REPO) for k in range(4)
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    cells = results_file.read_cells(path)
    assert sorted(cells) == sorted(f"w{k}/seed{i}" for k in range(4) for i in range(30))
    assert os.listdir(tmp_path) == ["table.json"]


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = str(tmp_path / "table.json")
    results_file.merge_cells(path, {"a/seed0": {"x": 1}})
    before = Path(path).read_bytes()

    def fail(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        results_file.merge_cells(path, {"a/seed1": {"x": 2}})
    assert Path(path).read_bytes() == before
    assert os.listdir(tmp_path) == ["table.json"]
