"""`--run_large`: the tests marked `large` run only when asked for; the default run leaves
them out (deselects them), so session fixtures built for the selected tests skip their work."""

import pytest


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--run_large",
        action="store_true",
        help="also run the tests marked large (the whole zoo end to end, full-size models)",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    if config.getoption("run_large"):
        return
    kept, large = [], []
    for item in items:
        (large if item.get_closest_marker("large") else kept).append(item)
    if large:
        config.hook.pytest_deselected(items=large)
        items[:] = kept
