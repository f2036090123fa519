"""One training process per workdir: a lock file naming its holder (host and PID)."""

import errno
import json
import os
import socket

from tfavi.errors import UserError

LOCK_FILE = "train.lock"


class WorkdirLocked(UserError, RuntimeError):
    """Another live process trains in this workdir."""


class WorkdirLock:
    """Holds `<workdir>/train.lock` while a run writes the workdir.

    The lock appears whole (written to a temporary file, then hard-linked into place), so a
    reader never sees it half-written. A lock whose holder died on this host is taken over.
    Workdirs on remote filesystems (`gs://...`) are not locked.

    Example:
        with WorkdirLock("runs/vae_mlp"):
            ...  # train
    """

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.path = os.path.join(workdir, LOCK_FILE)
        self._held = False

    def __enter__(self) -> "WorkdirLock":
        if "://" in self.workdir:
            return self
        os.makedirs(self.workdir, exist_ok=True)
        while not self._try_create():
            holder = _read_holder(self.path)
            if holder is None:
                continue  # Released between our attempt and the read: try again.
            if not _is_dead(holder):
                raise WorkdirLocked(
                    f"Another trainer (host {holder.get('host')}, PID {holder.get('pid')}) is "
                    f"running in {self.workdir!r}. Wait for it to finish or stop it; if no such "
                    f"process runs, delete {self.path}."
                )
            _take_away(self.path, holder)
        self._held = True
        return self

    def __exit__(self, *exc_info) -> None:
        if self._held and _read_holder(self.path) == _me():
            os.remove(self.path)
        self._held = False

    def _try_create(self) -> bool:
        tmp = f"{self.path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(_me(), f)
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        finally:
            os.remove(tmp)


def _me() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _read_holder(path: str) -> dict | None:
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    try:
        holder = json.loads(text)
    except json.JSONDecodeError:
        holder = None
    if not isinstance(holder, dict):
        raise WorkdirLocked(
            f"The lock file {path} is unreadable ({text[:80]!r}). If no trainer runs in this "
            "workdir, delete it."
        )
    return holder


def _is_dead(holder: dict) -> bool:
    return process_is_dead(holder.get("host"), holder.get("pid"))


def process_is_dead(host, pid) -> bool:
    """True if process `pid` ran on this host (`host`) and is gone."""
    if host != socket.gethostname() or not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno == errno.ESRCH
    return False


def _take_away(path: str, holder: dict) -> None:
    """Moves a dead holder's lock aside. Of two processes doing so at once, the slower one
    may move the faster one's new lock: it checks what it moved and puts a live lock back."""
    aside = f"{path}.{os.getpid()}.stale"
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    moved = _read_holder(aside)
    if moved != holder:
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
    else:
        print(
            f"Took over the lock of a dead trainer (host {holder['host']}, PID {holder['pid']}).",
            flush=True,
        )
    os.remove(aside)
