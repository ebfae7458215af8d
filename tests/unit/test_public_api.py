"""The public surface: everything in ``dubbopy.__all__`` exists, and nothing else is advertised."""

from __future__ import annotations

import dubbopy


def test_all_names_exist_and_are_sorted_consistently() -> None:
    missing = [name for name in dubbopy.__all__ if not hasattr(dubbopy, name)]
    assert missing == []
    assert len(set(dubbopy.__all__)) == len(dubbopy.__all__)


def test_the_main_entry_points_are_public() -> None:
    for name in ("Server", "Client", "SyncClient", "RpcError", "StatusCode", "service", "interface", "method"):
        assert name in dubbopy.__all__


def test_decorators_are_not_shadowed_by_modules() -> None:
    # ``dubbopy.service``/``dubbopy.interface`` are decorators; the module behind them is dubbopy.interfaces
    assert callable(dubbopy.service)
    assert callable(dubbopy.interface)
    assert dubbopy.service.__module__ == "dubbopy.interfaces"
