"""Runs a tool from the command line or in-process.

A tool is a module with `define_flags(flag_values)` and `run(flag_values)`. In-process, its
flags live in their own `FlagValues`, so several tools run one after another in one Python
process (a test, a notebook) without touching absl's global flags.
"""

import sys
from types import ModuleType

from absl import app, flags


def main(define_flags, run) -> None:
    """The command-line entry: absl's `app.run` with the tool's flags, `--help` included."""
    define_flags(flags.FLAGS)
    # `--help` lists the main program's key flags; a console script (`tfavi-train`) is not
    # the module that defined them.
    for flag in flags.FLAGS.get_key_flags_for_module(define_flags.__module__):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    app.run(lambda argv: run(flags.FLAGS))


def define_run_flags(flag_values: flags.FlagValues) -> None:
    """`--workdir` (required) and `--data_dir`: the flags of the tools that read a run. A
    tool lists them in its `--help` with `flags.adopt_module_key_flags(cli, flag_values)`."""
    flags.DEFINE_string(
        "workdir", None, "Run folder written by tools/train.py.", flag_values=flag_values
    )
    flags.DEFINE_string(
        "data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).", flag_values=flag_values
    )
    flags.mark_flag_as_required("workdir", flag_values=flag_values)


def call(tool: ModuleType, argv: list[str]) -> None:
    """Runs `tool` on the command line `argv` (program name first) in this process, e.g.
    `call(train, ["train.py", "--model=vae_mlp", "--smoke"])`."""
    flag_values = flags.FlagValues()
    tool.define_flags(flag_values)
    flag_values(argv)
    tool.run(flag_values)
