"""Following changes made by other processes: SQLite's `PRAGMA data_version`, polled.

The pragma answers from the connection's own memory (no read of the file's pages): it
changes when another connection — the command line, another window, a worker — has
committed. Polled once a second, idle costs nothing measurable (tests/perf/bench_gui.py).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger("addressbook.ui")

POLL_MS = 1000


class ChangeWatcher(QObject):
    """Emits `changed` when the cache file was written by any other connection."""

    changed = Signal()

    def __init__(self, path: Path, parent: QObject | None = None, interval_ms: int = POLL_MS):
        super().__init__(parent)
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._version = self._read()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _read(self) -> int | None:
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(
                    f"file:{self._path}?mode=ro", uri=True, check_same_thread=True
                )
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as error:
            log.info("cannot watch %s: %s", self._path, error)
            return None

    def poll(self) -> bool:
        """Look once; True (and `changed`) when another connection has written."""
        version = self._read()
        if version is None or version == self._version:
            return False
        self._version = version
        self.changed.emit()
        return True
