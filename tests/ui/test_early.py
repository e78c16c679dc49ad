"""The cache opened, and the list's order read, on a thread while Qt loads (ui/early.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from addressbook.errors import StoreError
from addressbook.model import Contact
from addressbook.store import Store
from addressbook.ui.early import EarlyStore

ROOT = Path(__file__).resolve().parents[2]


def _filled(path: Path, names: list[str]) -> None:
    with Store(path) as store:
        store.create_many([Contact(display_name=name) for name in names])


def _statements(store: Store) -> list[str]:
    said: list[str] = []
    store._conn.set_trace_callback(said.append)  # what SQLite is asked from here on
    return said


def test_the_order_read_on_the_thread_is_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "contacts.sqlite3"
    _filled(path, ["Zoe", "Ada", "Mia"])
    store = EarlyStore(path).store()  # used on this thread from now on
    said = _statements(store)
    ids = store.search_ids()
    assert [store.get(i).contact.display_name for i in ids] == ["Ada", "Mia", "Zoe"]  # type: ignore[union-attr]
    assert not [s for s in said if "ORDER BY sort_key" in s], said  # the thread's answer
    store.close()


def test_a_change_made_meanwhile_is_read_not_shown_stale(tmp_path: Path) -> None:
    path = tmp_path / "contacts.sqlite3"
    _filled(path, ["Zoe", "Ada"])
    early = EarlyStore(path)
    early._thread.join()  # the order is read …
    with Store(path) as other:  # … then another program adds a contact
        other.create(Contact(display_name="Bea"))
    store = early.store()
    names = [store.get(i).contact.display_name for i in store.search_ids()]  # type: ignore[union-attr]
    assert names == ["Ada", "Bea", "Zoe"]
    store.close()


def test_a_damaged_cache_says_so_where_the_window_asks(tmp_path: Path) -> None:
    path = tmp_path / "contacts.sqlite3"
    path.write_bytes(b"not an address book, " * 200)
    early = EarlyStore(path)
    with pytest.raises(StoreError, match="damaged or is not an address book"):
        early.store()
    assert path.read_bytes() == b"not an address book, " * 200  # left as it was


def test_the_store_is_the_calling_threads_after_the_hand_over(tmp_path: Path) -> None:
    path = tmp_path / "contacts.sqlite3"
    store = EarlyStore(path).store()
    store.create(Contact(display_name="Written here"))  # writes from this thread work
    assert store.count() == 1
    store.close()


def test_the_window_opens_on_the_early_store(tmp_path: Path) -> None:
    """`addressbook gui`, as a person starts it: the list is painted with the cache's rows."""
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=str(ROOT), ADDRESSBOOK_HOME=str(home))
    env.update(QT_QPA_PLATFORM="offscreen", ADDRESSBOOK_REPORT_PAINT="1")
    (home / "data").mkdir(parents=True)
    _filled(home / "data" / "contacts.sqlite3", ["Ada", "Zoe"])
    result = subprocess.run(
        [sys.executable, "-m", "addressbook", "gui", "--quit-after", "0.3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "list-painted" in result.stderr
