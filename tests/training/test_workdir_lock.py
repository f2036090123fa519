"""One trainer per workdir: the lock names its holder, refuses a second one, and is taken
over from a dead process."""

import json
import os
import socket
import subprocess

import pytest

from tfavi.training.workdir_lock import LOCK_FILE, WorkdirLock, WorkdirLocked


def _write_lock(workdir, pid, host=None):
    holder = {"host": host or socket.gethostname(), "pid": pid}
    (workdir / LOCK_FILE).write_text(json.dumps(holder))


def _dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_the_lock_holds_host_and_pid_and_goes_on_exit(tmp_path):
    with WorkdirLock(str(tmp_path)):
        holder = json.loads((tmp_path / LOCK_FILE).read_text())
        assert holder == {"host": socket.gethostname(), "pid": os.getpid()}
    assert not (tmp_path / LOCK_FILE).exists()
    assert os.listdir(tmp_path) == []


def test_a_second_holder_is_refused_naming_the_first(tmp_path):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        _write_lock(tmp_path, sleeper.pid)
        with pytest.raises(WorkdirLocked, match=rf"host {socket.gethostname()}, PID {sleeper.pid}"):
            with WorkdirLock(str(tmp_path)):
                pass
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_lock_of_another_host_is_never_taken_over(tmp_path):
    _write_lock(tmp_path, _dead_pid(), host="elsewhere")
    with pytest.raises(WorkdirLocked, match="host elsewhere"):
        with WorkdirLock(str(tmp_path)):
            pass


def test_a_dead_processes_lock_is_taken_over(tmp_path, capsys):
    dead = _dead_pid()
    _write_lock(tmp_path, dead)
    with WorkdirLock(str(tmp_path)):
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert f"PID {dead}" in capsys.readouterr().out
    assert os.listdir(tmp_path) == []


def test_an_unreadable_lock_is_an_error_naming_the_file(tmp_path):
    (tmp_path / LOCK_FILE).write_text("{garbled")
    with pytest.raises(WorkdirLocked, match=rf"{LOCK_FILE} is unreadable.*delete it"):
        with WorkdirLock(str(tmp_path)):
            pass
