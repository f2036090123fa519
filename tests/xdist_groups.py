"""Two test workers that share the machine's cores, without computing a fixture twice.

Tests that share a module- or session-scoped fixture (the exports of every zoo model, the zoo's
smoke runs) form one `xdist_group` and run in one worker; all other tests are spread one by
one (`--dist=loadgroup`). A test whose worker process TensorFlow kills runs once more, in the
fresh worker that replaces it, when pytest-rerunfailures asks; xdist's own `loadgroup`
scheduler cannot reschedule it, and another used worker may crash on it again.
`tests/conftest.py` loads it as a plugin.
"""

import pytest
from xdist.scheduler import LoadGroupScheduling

_SHARED_SCOPES = ("package", "module", "session")


@pytest.hookimpl(tryfirst=True)  # before xdist names each test's group
def pytest_collection_modifyitems(items) -> None:
    """Marks each test that uses a wide-scoped fixture with that fixture's group.

    A fixture is cached per definition, named by its `baseid` (its conftest's directory or its
    module); a test using several is grouped by the widest. pytest's own fixtures (`baseid`
    "") are shared by every test and group none.
    """
    for item in items:
        baseids = [
            definitions[-1].baseid
            for definitions in item._fixtureinfo.name2fixturedefs.values()
            if definitions[-1].scope in _SHARED_SCOPES and definitions[-1].baseid
        ]
        if baseids:
            item.add_marker(pytest.mark.xdist_group(min(baseids, key=len)))


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return CrashRerunGroupScheduling(config, log)
    return None


class CrashRerunGroupScheduling(LoadGroupScheduling):
    """`--dist=loadgroup`, where a crashed test runs again only if a rerun plugin asks, and
    then in a fresh worker: the crashes depend on what the process ran before.

    The unfinished tests of a crashed worker (its whole group) are held for the worker that
    replaces it, the crashed test among them only if a rerun is asked for.
    """

    def __init__(self, config, log=None):
        super().__init__(config, log)
        self._held = []  # per crashed worker, its unfinished {scope: {nodeid: done}}
        self._seasoned = set()  # workers that were given tests

    def _held_tests(self) -> int:
        return sum(self._pending_of(workload) for workload in self._held)

    @property
    def tests_finished(self) -> bool:
        return not self._held_tests() and super().tests_finished

    @property
    def has_pending(self) -> bool:
        return bool(self._held_tests()) or super().has_pending

    def remove_node(self, node):
        workload = self.assigned_work.pop(node)
        pending = [test for unit in workload.values() for test, done in unit.items() if not done]
        if not pending:
            return None
        crashed = pending[0]  # a worker runs its tests in the order they were sent
        for unit in workload.values():
            if crashed in unit:
                unit[crashed] = True
        self._held.append(workload)
        return crashed

    def mark_test_pending(self, item: str) -> None:
        self._held[-1][self._split_scope(item)][item] = False

    def _assign_work_unit(self, node) -> None:
        self._seasoned.add(node)
        super()._assign_work_unit(node)

    def _reschedule(self, node) -> None:
        if node not in self.registered_collections:
            return  # a replacement worker still collecting: scheduled when its collection comes
        while self._held and not self._pending_of(self._held[0]):
            self._held.pop(0)
        if node not in self._seasoned and self._held and not node.shutting_down:
            self._seasoned.add(node)
            collection = self.registered_collections[node]
            for scope, unit in self._held.pop(0).items():
                if all(unit.values()):
                    continue
                self.assigned_work[node][scope] = unit
                node.send_runtest_some(
                    [collection.index(test) for test, done in unit.items() if not done]
                )
            return
        super()._reschedule(node)
