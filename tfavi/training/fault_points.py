"""Named points where a test kills or interrupts a run on purpose.

`TFAVI_FAULT=<point>` (or `<point>@<n>` for its n-th visit) makes the process die with
`os._exit(KILLED_EXIT_CODE)` when the run reaches that point, as a kill -9 would leave it;
`TFAVI_FAULT_ACTION=raise` raises `InjectedFault` instead, for tests that stay in one process,
and `TFAVI_FAULT_ACTION=pause` waits there until killed (a trainer that holds its workdir).
Unset, a point costs one dictionary lookup.
"""

import collections
import os
import signal

KILLED_EXIT_CODE = 86
_visits = collections.Counter()


class InjectedFault(RuntimeError):
    """Raised at a fault point when `TFAVI_FAULT_ACTION=raise`."""


def reach(point: str) -> None:
    """Dies here if `TFAVI_FAULT` names `point` and this is the chosen visit."""
    wanted = os.environ.get("TFAVI_FAULT")
    if not wanted:
        return
    name, _, visit = wanted.partition("@")
    if name != point:
        return
    _visits[point] += 1
    if _visits[point] != int(visit or 1):
        return
    action = os.environ.get("TFAVI_FAULT_ACTION", "exit")
    if action == "raise":
        raise InjectedFault(f"injected fault at {point!r}")
    if action == "pause":
        signal.pause()
    os._exit(KILLED_EXIT_CODE)


def reset() -> None:
    """Forgets the visits counted so far (between runs in one process)."""
    _visits.clear()
