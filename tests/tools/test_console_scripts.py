"""Every console script in setup.cfg names a tool's `main`, and a checkout runs the tools."""

import configparser
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("train", "evaluate", "sample", "export", "visualize")


def _console_scripts() -> dict[str, str]:
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    lines = setup["options.entry_points"]["console_scripts"].strip().splitlines()
    return dict(tuple(part.strip() for part in line.split("=")) for line in lines)


def test_each_tool_has_a_console_script_calling_its_main():
    scripts = _console_scripts()
    assert scripts == {f"tfavi-{tool}": f"tfavi.tools.{tool}:main" for tool in TOOLS}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function)), target


@pytest.mark.subprocess
def test_a_checkouts_tool_script_prints_its_flags(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "train.py"), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "--model" in result.stdout and "--[no]smoke" in result.stdout, result.stdout[-2000:]
