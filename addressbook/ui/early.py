"""What `addressbook gui` does before Qt has loaded (this module imports no Qt).

Importing PySide6 takes the window's first 100–150 ms. Meanwhile a thread opens the
cache and reads the contact list's order (about 30 ms of SQLite for 100,000 contacts,
which runs without the GIL), so the first paint does not wait for it. The store is then
handed to the GUI thread, which alone uses it from there on; its kept order is checked
against the file's version as always, so a change made meanwhile by another program is
read again, not shown stale.

The window's modules that do not use Qt are imported here too, before PySide6: once
loaded, PySide6 reads the source of every module imported after it (to learn whether it
opts into PySide's `__feature__` switches), a quarter of a millisecond or more each.
"""

from __future__ import annotations

import threading
from pathlib import Path

# The window's Qt-free modules, imported before PySide6 (see above).
import addressbook.accounts  # noqa: F401
import addressbook.connectors.base  # noqa: F401
import addressbook.logs  # noqa: F401
import addressbook.people  # noqa: F401
import addressbook.rules  # noqa: F401
import addressbook.ui.readers  # noqa: F401
import addressbook.wording  # noqa: F401
from addressbook.store import Store


class EarlyStore:
    """The cache opened, and its list order read, on a thread of its own."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._open, name="early-store", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            store = Store(self._path, handed_over=True)
            store.search_ids()  # kept by the store until the file changes
        except BaseException as error:  # raised again where the window asks for the store
            self._error = error
        else:
            self._store = store

    def store(self) -> Store:
        """The open store, for the calling thread from now on (waits for the reading)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store
