"""Two test workers that share the machine's cores, without computing a fixture twice.

Tests that share a module- or session-scoped fixture (the exports of every zoo model, the zoo's
smoke runs) form one `xdist_group` and run in one worker; all other tests are spread one by
one (`--dist=loadgroup`). A test whose worker process TensorFlow kills runs once more in a
fresh worker when pytest-rerunfailures asks, which xdist's own `loadgroup` scheduler cannot do.
The hooks are imported by `tests/conftest.py`.
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
    """`--dist=loadgroup`, where a crashed test runs again only if a rerun plugin asks."""

    def remove_node(self, node):
        workload = self.assigned_work.pop(node)
        pending = [test for unit in workload.values() for test, done in unit.items() if not done]
        if not pending:
            return None
        crashed = pending[0]  # a worker runs its tests in the order they were sent
        for unit in workload.values():
            if crashed in unit:
                unit[crashed] = True
        self.workqueue.update(
            {scope: unit for scope, unit in workload.items() if not all(unit.values())}
        )
        for other in self.nodes:
            self._reschedule(other)
        return crashed

    def mark_test_pending(self, item: str) -> None:
        scope = self._split_scope(item)
        self.workqueue.setdefault(scope, {})[item] = False
        self.workqueue.move_to_end(scope, last=False)
        for node in self.nodes:
            self._reschedule(node)
