"""Runs a tool from the command line or in-process.

A tool is a module with `define_flags(flag_values)` and `run(flag_values)`. It imports tfavi,
and with it TensorFlow, inside `run`, so `--help` and flag errors answer at once. In-process,
its flags live in their own `FlagValues`, so several tools run one after another in one Python
process (a test, a notebook) without touching absl's global flags.
"""

import os
import sys
from types import ModuleType

from absl import flags, logging

_HELP = ("-h", "-?", "--help", "--helpshort", "--helpfull")
USER_ERROR_EXIT_CODE = 2


def main(define_flags, run) -> None:
    """The command-line entry. `--help` prints the tool's docstring and flags and exits 0; a
    bad flag or a `tfavi.errors.UserError` prints `error: <message>` to stderr and exits 2,
    with no traceback; any other exception keeps its traceback."""
    flag_values = flags.FLAGS
    _define_common_flags(flag_values)
    define_flags(flag_values)
    if any(arg in _HELP for arg in sys.argv[1:]):
        print(_usage(sys.modules[define_flags.__module__], flag_values))
        return
    try:
        flag_values(sys.argv)
    except flags.Error as error:
        _fail(f"{error} (see --help)")
    if flag_values.verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
    logging.use_absl_handler()
    from tfavi.errors import UserError

    try:
        _run(run, flag_values)
    except UserError as error:
        _fail(str(error))


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
    `call(train, ["train.py", "--model=vae_mlp", "--smoke"])`. Errors are raised."""
    flag_values = flags.FlagValues()
    _define_common_flags(flag_values)
    tool.define_flags(flag_values)
    flag_values(argv)
    _run(tool.run, flag_values)


def _define_common_flags(flag_values: flags.FlagValues) -> None:
    flags.DEFINE_bool(
        "verbose",
        False,
        "Show info logs, and TensorFlow's C++ logs unless TF_CPP_MIN_LOG_LEVEL is set.",
        flag_values=flag_values,
    )


def _run(run, flag_values: flags.FlagValues) -> None:
    logging.set_verbosity(logging.INFO if flag_values.verbose else logging.WARNING)
    run(flag_values)


def _usage(tool: ModuleType, flag_values: flags.FlagValues) -> str:
    """The tool's docstring and its flags (absl's module help, without the module name)."""
    flag_lines = flag_values.module_help(tool).partition("\n")[2]
    return f"{(tool.__doc__ or '').strip()}\n\nflags:\n{flag_lines}"


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(USER_ERROR_EXIT_CODE)
