"""A committed results file: one JSON object of cells (`"<model>/seed<k>"` -> numbers).

Writers merge their cells under an exclusive lock and replace the file by a rename, so runs
that finish at the same time, or are killed while writing, never lose a cell. Pure Python.
"""

import contextlib
import fcntl
import json
import os
import tempfile


def read_cells(path: str) -> dict:
    """The cells of `path`, or none if the file does not exist yet."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def merge_cells(path: str, cells: dict) -> dict:
    """Adds or replaces `cells` in the file at `path` and returns all its cells.

    Merging the same cells twice gives the same file. The file's other cells are kept even
    when another process merges at the same time.
    """
    with _locked(path):
        merged = {**read_cells(path), **cells}
        text = json.dumps(dict(sorted(merged.items())), indent=2, sort_keys=True) + "\n"
        folder = os.path.dirname(os.path.abspath(path))
        handle, temporary = tempfile.mkstemp(prefix=".merge-", dir=folder)
        try:
            with os.fdopen(handle, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    return merged


@contextlib.contextmanager
def _locked(path: str):
    """Holds an exclusive lock on the file's folder (no lock file is left behind)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # Closing releases the lock.
