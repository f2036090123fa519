"""The suite's scheduling (tests/xdist_groups.py): tests sharing a fixture run in one worker,
and a test whose worker process dies runs once more, in a fresh worker, and only once."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.xdist_groups import CrashRerunGroupScheduling

ROOT = Path(__file__).resolve().parents[1]

SUITE = """
import os
from pathlib import Path

import pytest

OUT = Path(os.environ["SCHEDULING_OUT"])


def _record(name):
    (OUT / f"{name}.{os.getpid()}").touch()
    with open(OUT / "order", "a") as order:
        order.write(f"{os.getpid()} {name}\\n")


@pytest.fixture(scope="module")
def shared():
    return os.getpid()


@pytest.mark.parametrize("i", range(4))
def test_shares(shared, i):
    _record(f"shares{i}")
    assert shared == os.getpid()


@pytest.mark.parametrize("i", range(4))
def test_alone(i):
    _record(f"alone{i}")


def test_aborts_once():
    _record("aborts_once")
    if len(list(OUT.glob("aborts_once.*"))) == 1:
        os.abort()


def test_aborts_always():
    _record("aborts_always")
    os.abort()


def test_fails():
    _record("fails")
    assert False
"""


@pytest.mark.subprocess
def test_shared_fixtures_stay_in_one_worker_and_a_crash_reruns_once(tmp_path):
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_suite.py").write_text(SUITE)
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.xdist_groups", "-p", "no:cacheprovider"]
        + ["-n", "2", "--dist=loadgroup", "--reruns", "1", "--rerun-except", ".*", "-q"]
        + ["-o", "addopts=", str(tmp_path / "suite")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCHEDULING_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = result.stdout.strip().splitlines()[-1]
    for count in ("2 failed", "9 passed", "2 rerun"):
        assert re.search(rf"\b{count}\b", summary), result.stdout[-3000:]

    def pids(name):
        return {path.suffix for path in out.glob(f"{name}.*")}

    assert len(set().union(*(pids(f"shares{i}") for i in range(4)))) == 1
    assert len(pids("aborts_once")) == 2
    assert len(pids("aborts_always")) == 2
    assert len(pids("fails")) == 1
    order = [line.split() for line in (out / "order").read_text().splitlines()]
    for crashing in ("aborts_once", "aborts_always"):
        rerun = [i for i, (_, name) in enumerate(order) if name == crashing][1]
        assert order[rerun][0] not in {pid for pid, _ in order[:rerun]}, "rerun in a used worker"


class _Worker:
    shutting_down = False

    def __init__(self):
        self.sent = []

    def send_runtest_some(self, indices):
        self.sent.extend(indices)


def test_a_replacement_worker_gets_the_held_tests_once_its_collection_comes():
    """A crash's replacement worker can be rescheduled (when another worker's collection
    comes) before its own collection has come; it is then left alone until it has."""
    scheduler = CrashRerunGroupScheduling.__new__(CrashRerunGroupScheduling)
    scheduler.registered_collections, scheduler.assigned_work = {}, {}
    scheduler._seasoned = set()
    scheduler._held = [{"suite.py": {"suite.py::a": True, "suite.py::b": False}}]
    worker = _Worker()
    scheduler.assigned_work[worker] = {}
    scheduler._reschedule(worker)  # still collecting
    assert worker.sent == [] and scheduler._held
    scheduler.registered_collections[worker] = ["suite.py::a", "suite.py::b"]
    scheduler._reschedule(worker)
    assert worker.sent == [1] and not scheduler._held
    assert scheduler.assigned_work[worker] == {
        "suite.py": {"suite.py::a": True, "suite.py::b": False}
    }
