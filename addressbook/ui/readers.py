"""Read-only cache connections for worker threads (one per thread and file).

Background reads (account counts, the search re-run while a sync lands pages) use
these so the GUI thread's connection never waits on a long query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from addressbook.store import Store, SyncState

_local = threading.local()


def reader_store(path: Path) -> Store:
    """This thread's own connection to the cache file at `path` (opened once)."""
    stores: dict[Path, Store] | None = getattr(_local, "stores", None)
    if stores is None:
        stores = _local.stores = {}
    store = stores.get(path)
    if store is None:
        store = stores[path] = Store(path)
    return store


@dataclass
class Overview:
    """What the left pane shows: counts per account and each account's sync state."""

    counts: dict[str, tuple[int, int]]
    states: dict[str, SyncState]


def read_overview(path: Path, accounts: list[str]) -> Overview:
    """Counts and sync states, read in a worker."""
    store = reader_store(path)
    return Overview(store.account_counts(), {name: store.sync_state(name) for name in accounts})


def read_ids(path: Path, query: str, account: str | None) -> list[int]:
    """The search, run in a worker."""
    return reader_store(path).search_ids(query, account)
