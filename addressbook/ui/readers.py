"""Read-only cache connections for worker threads (one per thread and file).

Background reads (account counts, the search re-run while a sync lands pages) use
these so the GUI thread's connection never waits on a long query.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Sequence
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


def family_ranks(path: Path) -> dict[int, int]:
    """contact id → its place when sorted by family name first (read in a worker).

    'Lovelace, Ada' before 'Turing, Alan'; a contact without a family name sorts by its
    name, as in the given-name order.
    """
    import sqlite3

    from addressbook.store.search import sort_key

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            """SELECT id, coalesce(json_extract(data, '$.family_name'), ''),
                      coalesce(json_extract(data, '$.given_name'), ''), display_name
               FROM contacts WHERE state <> 'deleted'"""
        ).fetchall()
    finally:
        conn.close()
    keyed = sorted(
        (sort_key(f"{family} {given}".strip() if family else name or ""), contact_id)
        for contact_id, family, given, name in rows
    )
    return {contact_id: rank for rank, (_key, contact_id) in enumerate(keyed)}


class OrderedSource:
    """The store as the contact list reads it, in the order the user chose.

    Given name first is the store's own order (free). Family name first re-sorts each
    result by ranks read in a worker (`family_ranks`); a contact newer than the ranks
    goes last until they are read again.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.ranks: dict[int, int] | None = None  # None: the store's order
        # One-letter searches read ahead in a worker while the window is idle (the store's
        # slowest: a letter matches a third of the book); forgotten on every change.
        self.ahead: dict[tuple[str, str | None], array[int]] = {}

    def forget(self) -> None:
        """The cache changed: the searches read ahead are stale."""
        self.ahead = {}

    def search_ids(self, query: str = "", account: str | None = None) -> Sequence[int]:
        """The answer in the chosen order: one read ahead is given as it is kept (an array,
        not copied into a list of tens of thousands on the keystroke)."""
        kept = self.ahead.get((query, account))
        ids: Sequence[int] = kept if kept is not None else self._store.search_ids(query, account)
        ranks = self.ranks
        if ranks is None:
            return ids
        last = len(ranks)
        return sorted(ids, key=lambda i: ranks.get(i, last))

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


AHEAD = "abcdefghijklmnopqrstuvwxyz"


def read_ahead(
    path: Path, account: str | None, between: Callable[[], None] | None = None
) -> dict[tuple[str, str | None], array[int]]:
    """The one-letter searches of an account filter (in a worker), as compact arrays;
    `between` is called before each (the worker waits there while the user types)."""
    answers: dict[tuple[str, str | None], array[int]] = {}
    for letter in AHEAD:
        if between is not None:
            between()
        answers[(letter, account)] = array("q", read_ids(path, letter, account))
    return answers
