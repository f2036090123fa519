"""The default run leaves out the tests marked large, and the fixtures of the zoo-wide tests
work for the selected entries only; `--run_large` runs everything (tests/large_tests.py,
tests/zoo_coverage.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.export.conftest import smoke_model_key
from tests.zoo_coverage import CODE_PATHS, zoo_params
from tfavi import zoo

ROOT = Path(__file__).resolve().parents[1]

SUITE = """
import pytest

WORKED_FOR = []


@pytest.fixture(scope="module")
def shared(request):
    WORKED_FOR.extend(i.callspec.params["name"] for i in request.session.items)
    return WORKED_FOR


@pytest.mark.parametrize("name", ["small", pytest.param("big", marks=pytest.mark.large)])
def test_entry(name, shared):
    print(f"worked for {sorted(shared)}")
"""


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "flags, summary, worked_for",
    [
        ([], "1 passed, 1 deselected", "['small']"),
        (["--run_large"], "2 passed", "['big', 'small']"),
    ],
)
def test_large_tests_run_only_when_asked_for(flags, summary, worked_for, tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.large_tests", "-p", "no:cacheprovider"]
        + ["-o", "addopts=", "-o", "markers=large: big", "-q", "-s", *flags, str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip().splitlines()[-1].startswith(summary), result.stdout[-3000:]
    assert f"worked for {worked_for}" in result.stdout


def test_the_large_entries_are_twins_of_default_ones():
    """Each entry left out by default has the smoke model of an entry run by default, so every
    distinct SavedModel of the zoo is exported and served by default."""
    large = {p.values[0] for p in zoo_params() if p.marks}
    assert large == set(zoo.names()) - set(CODE_PATHS) and set(CODE_PATHS) < set(zoo.names())
    default_models = {smoke_model_key(name) for name in CODE_PATHS}
    for name in large:
        assert smoke_model_key(name) in default_models, name
