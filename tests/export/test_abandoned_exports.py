"""An export killed half-way leaves a temporary folder; the next export removes it if its
process died on this host, and leaves live or foreign ones alone."""

import os
import socket
import subprocess

from tfavi.export.versioned_export import remove_abandoned_exports


def test_only_folders_of_dead_processes_on_this_host_are_removed(tmp_path):
    finished = subprocess.Popen(["true"])
    finished.wait()
    host = socket.gethostname()
    names = {
        f".incomplete-1-{host}-{finished.pid}": False,
        f".incomplete-2-{host}-{os.getpid()}": True,
        f".incomplete-3-elsewhere-{finished.pid}": True,
        "1": True,
    }
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "saved_model.pb").write_bytes(b"")
    removed = remove_abandoned_exports(str(tmp_path))
    assert removed == [str(tmp_path / f".incomplete-1-{host}-{finished.pid}")]
    assert sorted(os.listdir(tmp_path)) == sorted(n for n, kept in names.items() if kept)
