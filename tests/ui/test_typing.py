"""Typing in the search box: every key shows the store's own answer, never a stale one.

The list filters the answer it shows when a longer query narrows it (list_model), keeps
rows by contact id while one types, and re-reads both whenever the cache changes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from addressbook.model import Contact, Email
from addressbook.store import ALL, LOCAL, Store
from addressbook.ui.app import window_settings
from addressbook.ui.list_model import SECONDARY_ROLE, ContactListModel
from addressbook.ui.main_window import MainWindow
from addressbook.ui.readers import OrderedSource, family_ranks
from tests.edits import rewrite

TYPED = ["m", "ma", "mar", "mari", "maria", "maria ", "maria s", "maria sm", "maria s", "maria"]
TYPED += ["mari", "mar", "ma", "m", "", "s", "sm", "smi", "smith", "smit", "sm", "s", ""]


@pytest.fixture
def book(store: Store) -> Store:
    """The sample contacts and 300 more whose names share their first letters."""
    given = ["Maria", "Mario", "Mara", "Marama", "Mark", "Smith", "Sam", "Ria", "Mia", "Sue"]
    family = ["Smith", "Smithers", "Marsh", "Samuels", "Maier", "Ross", "Ma", "Mariani"]
    store.create_many(
        Contact(
            given_name=given[n % len(given)],
            family_name=family[(n * 7) % len(family)],
            organization="Mars Ltd" if n % 11 == 0 else "",
            emails=[Email(f"{n}.m@smith.example")] if n % 13 == 0 else [],
        )
        for n in range(300)
    )
    return store


def _fresh(
    store: Store, query: str, account: str | None, ranks: dict[int, int] | None
) -> list[int]:
    """The list a new model shows (no earlier answers to narrow)."""
    source = OrderedSource(store)
    source.ranks = ranks
    model = ContactListModel(source)
    model.set_filter(query, account)
    return model.ids()


@pytest.mark.parametrize("order", ["given", "family"])
@pytest.mark.parametrize("account", [ALL, LOCAL])
def test_every_key_shows_the_stores_answer(book: Store, order: str, account: str | None) -> None:
    source = OrderedSource(book)
    source.ranks = family_ranks(book.path) if order == "family" else None
    model = ContactListModel(source)
    narrowed: list[str] = []
    real_within = book.search_within

    def within(query: str, base: list[int]) -> list[int]:
        narrowed.append(query)
        return real_within(query, base)

    book.search_within = within  # type: ignore[method-assign]
    for query in TYPED:
        model.set_filter(query, account)
        assert model.ids() == _fresh(book, query, account, source.ranks), query
        assert model.rowCount() == len(model.ids())
    # Typing on filtered the answer shown ('smit' the one of 'smi'); erasing found the
    # earlier answers kept.
    assert narrowed == [
        "ma",
        "mar",
        "mari",
        "maria",
        "maria s",
        "maria sm",
        "sm",
        "smi",
        "smith",
        "smit",
    ]
    assert model.rowCount() == book.count(account)


def test_rows_kept_while_typing_are_read_again_after_a_change(book: Store) -> None:
    model = ContactListModel(book)
    model.set_filter("mars", ALL)
    row = next(r for r in range(model.rowCount()) if model.index(r).data(SECONDARY_ROLE))
    contact_id = model.id_at(row)
    assert contact_id is not None and model.index(row).data(SECONDARY_ROLE) == "Mars Ltd"
    with Store(book.path) as other:  # another process renames the organisation
        rewrite(other, contact_id, Contact(display_name="Moved Away", organization="Mars Ltd 2"))
    model.set_filter("mar", ALL)  # typing does not know yet: kept rows may show
    model.refresh()  # what the window does when the watcher sees the change
    row = model.row_of(contact_id)
    assert row is not None and model.index(row).data(SECONDARY_ROLE) == "Mars Ltd 2"
    assert model.index(row).data(Qt.ItemDataRole.DisplayRole) == "Moved Away"


@pytest.fixture
def window(qtbot, book: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(book, window_settings())
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.tasks.wait(10000)
    win.close()
    win.deleteLater()


def _names(win: MainWindow) -> list[str]:
    return [win.model.index(r).data() for r in range(win.model.rowCount())]


def test_a_contact_added_elsewhere_while_typing_appears(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(window.search, "ma")
    with Store(window.store.path) as other:  # the command line adds one meanwhile
        other.create(Contact(display_name="Marama Newcomer"))
    qtbot.keyClicks(window.search, "r")  # narrowed from an answer older than the change
    qtbot.waitUntil(lambda: "Marama Newcomer" in _names(window), timeout=5000)
    qtbot.waitUntil(lambda: not window.refresh_pending(), timeout=5000)
    assert window.model.ids() == _fresh(window.store, "mar", ALL, None)
    qtbot.keyClicks(window.search, "am")  # and typing on keeps it
    assert "Marama Newcomer" in _names(window)
    assert window.model.ids() == _fresh(window.store, "maram", ALL, None)


def test_a_background_answer_never_replaces_a_newer_keystroke(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.refresh_pending(), timeout=5000)
    qtbot.keyClicks(window.search, "ma")
    window._refresh_in_background()  # a re-run of 'ma' in a worker (a change landed)
    assert window.refresh_pending()
    qtbot.keyClicks(window.search, "ria")  # typed before the worker answers
    applied: list[int] = []
    window.model.modelReset.connect(lambda: applied.append(window.model.rowCount()))
    qtbot.waitUntil(lambda: not window.refresh_pending(), timeout=5000)
    assert window.model.query == "maria"
    assert window.model.ids() == _fresh(window.store, "maria", ALL, None)
    assert applied == []  # the worker's answer for 'ma' was not shown


def test_two_letter_answers_read_ahead_are_the_stores(
    book: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from addressbook.ui import ahead
    from addressbook.ui.readers import read_ahead

    monkeypatch.setattr(ahead, "PAIR_HITS", 40)  # the book is small: 40 hits are many here
    for account in (ALL, LOCAL):
        letters = read_ahead(book.path, account)
        pairs = ahead.read_pairs(book.path, account, letters)
        assert {"ma", "sm", "sa"} <= {query for query, _account in pairs}
        for (query, where), ids in pairs.items():
            assert where == account and len(query) == 2
            assert ids.tolist() == book.search_ids(query, account), query


def test_the_window_types_on_from_the_answers_read_ahead(
    qtbot, book: Store, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui import ahead

    monkeypatch.setattr(ahead, "PAIR_HITS", 40)
    win = MainWindow(book, window_settings())
    win.show()
    qtbot.waitUntil(lambda: ("ma", ALL) in win.source.ahead, timeout=10000)
    asked: list[str] = []
    real = book.search_ids

    def search_ids(query: str = "", account: str | None = ALL) -> list[int]:
        asked.append(query)
        return real(query, account)

    book.search_ids = search_ids  # type: ignore[method-assign]
    for key in ["m", "a", "r", "\b", "\b", "\b"]:
        if key == "\b":
            qtbot.keyClick(win.search, Qt.Key.Key_Backspace)
        else:
            qtbot.keyClicks(win.search, key)
        query = win.search.text()
        shown = win.model.ids()
        typed = len(asked)
        assert shown == _fresh(book, query, ALL, None), query
        del asked[typed:]  # the check's own searches
    assert win.search.text() == ""
    assert asked == []  # 'm' and 'ma' read ahead, 'mar' narrowed, the rest kept
    win.tasks.wait(10000)
    win.close()
    win.deleteLater()


def test_workers_keep_the_gil_briefly_and_start_up_objects_are_frozen(window: MainWindow) -> None:
    import gc
    import sys

    from addressbook.ui.tasks import GIL_SWITCH_SECONDS

    assert sys.getswitchinterval() <= GIL_SWITCH_SECONDS
    assert gc.get_freeze_count() > 0


def test_letters_are_read_with_the_other_scripts_fonts_in_a_worker(qtbot, book: Store) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFont

    from addressbook.ui import ahead
    from addressbook.ui.readers import read_ahead
    from addressbook.ui.tasks import TaskManager

    tasks = TaskManager()
    got: list[ahead.Answers] = []
    ahead._fonts_loaded = False  # as in a process of its own
    tasks.run(lambda: ahead.read_letters(book.path, ALL, (QFont(),)), got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    tasks.wait(10000)
    assert ahead._fonts_loaded  # measured once (no Qt warning: fonts work in a worker)
    assert {key: ids.tolist() for key, ids in got[0].items()} == {
        key: ids.tolist() for key, ids in read_ahead(book.path, ALL).items()
    }
