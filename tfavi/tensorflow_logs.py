"""Keeps TensorFlow's C++ log lines out of the terminal unless the user asks for them.

TensorFlow prints info lines while it loads (oneDNN, CUDA drivers) before its log level is
read, and an error line when a machine has no GPU (`failed call to cuInit`). Unless
`TF_CPP_MIN_LOG_LEVEL` is set, tfavi sets it to 3 and drops the lines of that format written
while TensorFlow loads; anything else written then (Python warnings, fatal errors) is kept.
"""

import contextlib
import os
import re
import sys
import tempfile

LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
_CPP_LOG_LINE = re.compile(
    rb"^([IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] |WARNING: All log messages before absl::)"
)


@contextlib.contextmanager
def quiet_cpp_logs():
    """Runs the block (which imports TensorFlow) with the C++ log lines filtered out, unless
    the user set `TF_CPP_MIN_LOG_LEVEL` or TensorFlow is already loaded."""
    if LEVEL_VARIABLE in os.environ or "tensorflow" in sys.modules:
        yield
        return
    os.environ[LEVEL_VARIABLE] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured if not _CPP_LOG_LINE.match(line)]
            os.write(2, b"".join(kept))
