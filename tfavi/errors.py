"""The errors a user can fix. The command-line tools print their message, with no traceback,
and exit with status 2; any other exception is a bug and keeps its traceback."""


class UserError(Exception):
    """An expected mistake: the message says what went wrong, which file or flag, and the fix."""


class ConfigError(UserError, ValueError):
    """A model name, config field, override or flag value that is not valid."""


class MissingFileError(UserError, FileNotFoundError):
    """A workdir, run file or dataset that is not there."""


class CorruptFileError(UserError, ValueError):
    """A run file that exists but cannot be read (truncated, garbled or from another tool)."""
