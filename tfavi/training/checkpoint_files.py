"""Checkpoints found from their own files, written whole, and read with a fallback.

A checkpoint is `ckpt-<step>.index` plus its `ckpt-<step>.data-*` shards. The `checkpoint`
index file is kept up to date for TensorFlow's tools but never read: a missing or garbled one
changes nothing.
"""

import os
import re

import tensorflow as tf

from tfavi.errors import CorruptFileError

PREFIX = "ckpt"
_UNREADABLE_DIR = "unreadable"


class NoUsableCheckpoint(CorruptFileError):
    """Checkpoints exist but none can be restored."""


def checkpoint_steps(directory: str) -> list[int]:
    """The steps of the checkpoints in `directory` that have an index file, ascending."""
    if not tf.io.gfile.isdir(directory):
        return []
    pattern = re.compile(rf"{PREFIX}-(\d+)\.index")
    matches = (pattern.fullmatch(name) for name in tf.io.gfile.listdir(directory))
    return sorted(int(m.group(1)) for m in matches if m)


def checkpoint_path(directory: str, step: int) -> str:
    return os.path.join(directory, f"{PREFIX}-{step}")


def save(checkpoint: tf.train.Checkpoint, directory: str, step: int, keep: int = 2) -> str:
    """Writes `checkpoint` as `ckpt-<step>`, then drops all but the `keep` latest."""
    path = checkpoint.write(checkpoint_path(directory, step))
    kept = checkpoint_steps(directory)[-keep:]
    for old in checkpoint_steps(directory)[:-keep]:
        _remove(directory, old)
    _write_index(directory, step, kept)
    return path


def restore_latest(
    checkpoint: tf.train.Checkpoint, directory: str, usable=None, reader: bool = False
) -> tuple | None:
    """Restores the latest checkpoint that reads whole (and passes `usable()`, if given).

    Returns `(step, path)`, or None if `directory` holds no checkpoint. Unusable checkpoints
    newer than the restored one are reported in a warning naming both files and moved to
    `unreadable/`, unless `reader`: a process that must leave the folder alone (a tool, a
    follower worker), and that may restore only part of the checkpoint (`checkpoint` may hold
    only the model). Raises `NoUsableCheckpoint` if checkpoints exist but none restores.
    """
    failures = []
    for step in reversed(checkpoint_steps(directory)):
        path = checkpoint_path(directory, step)
        try:
            status = checkpoint.read(path).assert_existing_objects_matched()
            if reader:
                status.expect_partial()
            problem = None if usable is None or usable() else "its weights are not finite"
        except Exception as error:  # Any failure to read: try the previous one.
            problem = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        if problem is None:
            for bad_step, bad_path, reason in failures:
                print(
                    f"WARNING: cannot restore {bad_path} ({reason}); using {path} instead.",
                    flush=True,
                )
                if not reader:
                    _move_aside(directory, bad_step)
            return step, path
        failures.append((step, path, problem))
    if failures:
        details = "; ".join(f"{path}: {reason}" for _, path, reason in failures)
        raise NoUsableCheckpoint(
            f"No checkpoint in {directory!r} can be restored ({details}). Pass --restart "
            "(restart=True) to start the run over, or restore the files from a backup."
        )
    return None


def clean_leftovers(directory: str) -> list[str]:
    """Removes the `ckpt-<step>_temp/` folders of interrupted saves; returns their paths."""
    if not tf.io.gfile.isdir(directory):
        return []
    removed = []
    for name in tf.io.gfile.listdir(directory):
        name = name.rstrip("/")
        if re.fullmatch(rf"{PREFIX}-\d+_temp", name):
            removed.append(os.path.join(directory, name))
            tf.io.gfile.rmtree(removed[-1])
    return removed


def _write_index(directory: str, latest: int, kept: list[int]) -> None:
    """The `checkpoint` index file TensorFlow's tools read (paths relative to `directory`)."""
    lines = [f'model_checkpoint_path: "{PREFIX}-{latest}"']
    lines += [f'all_model_checkpoint_paths: "{PREFIX}-{step}"' for step in kept]
    path = os.path.join(directory, "checkpoint")
    with tf.io.gfile.GFile(f"{path}.tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    tf.io.gfile.rename(f"{path}.tmp", path, overwrite=True)


def _files(directory: str, step: int) -> list[str]:
    return tf.io.gfile.glob(f"{checkpoint_path(directory, step)}.*")


def _remove(directory: str, step: int) -> None:
    for path in _files(directory, step):
        tf.io.gfile.remove(path)


def _move_aside(directory: str, step: int) -> None:
    aside = os.path.join(directory, _UNREADABLE_DIR)
    tf.io.gfile.makedirs(aside)
    for path in _files(directory, step):
        tf.io.gfile.rename(path, os.path.join(aside, os.path.basename(path)), overwrite=True)
