"""The first keys typed: answers read and painted ahead, garbage collected while idle,
background work holding back while one types, and the rows painted as before.

(tests/perf/bench_gui.py measures them at 100,000 contacts; these guard the behaviour.)
"""

from __future__ import annotations

import gc
import threading
import time
from array import array
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from addressbook.model import Contact, Email
from addressbook.store import ALL, ListRow, Store
from addressbook.ui import ahead
from addressbook.ui.app import window_settings
from addressbook.ui.list_model import ContactListModel, _position
from addressbook.ui.main_window import MainWindow
from addressbook.ui.readers import OrderedSource, read_ahead


@pytest.fixture
def book(store: Store) -> Store:
    """The sample contacts and 300 more, many of them sharing their first letters."""
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


@pytest.fixture
def window(qtbot, book: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ahead, "PAIR_HITS", 40)  # the book is small: 40 hits are many here
    win = MainWindow(book, window_settings())
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.tasks.wait(10000)
    win.close()
    win.deleteLater()


def _fresh(store: Store, query: str) -> list[int]:
    model = ContactListModel(OrderedSource(store))
    model.set_filter(query, ALL)
    return model.ids()


def test_first_screens_of_the_answers_read_ahead_are_painted_ahead(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    _read_and_painted_ahead(qtbot, window)
    answers = [key for key in window.source.ahead if key[1] is ALL]
    assert window.paint_ahead.painted == len(answers) > 26  # the letters and the pairs
    with Store(window.store.path) as other:  # the store's own answers, on a connection of its own
        expected = {query: _fresh(other, query) for query in ("m", "ma")}
        first = {query: _first_name(other, query) for query in ("m", "ma")}
    read: list[int] = []
    real = window.store.rows

    def rows(ids: list[int]) -> list[ListRow]:
        read.append(len(ids))
        return real(ids)

    window.store.rows = rows  # type: ignore[method-assign]
    for key, query in (("m", "m"), ("a", "ma")):
        qtbot.keyClicks(window.search, key)
        window.list_view.viewport().repaint()
        # the same rows, in the same order, as the store's own search
        assert window.model.ids() == expected[query]
        assert window.model.index(0).data() == first[query]
    assert read == []  # their first screens' rows were in the cache: painted ahead


def _read_and_painted_ahead(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: ("ma", ALL) in window.source.ahead, timeout=10000)
    qtbot.waitUntil(
        lambda: not window.tasks.running and not window.paint_ahead.pending(), timeout=10000
    )


def _first_name(store: Store, query: str) -> str:
    model = ContactListModel(OrderedSource(store))
    model.set_filter(query, ALL)
    return str(model.index(0).data())


def test_painting_ahead_waits_while_one_types_and_stops_on_a_change(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    _read_and_painted_ahead(qtbot, window)
    window.paint_ahead.stop()
    qtbot.keyClicks(window.search, "x")  # a key: the painting ahead holds back
    assert ahead.TYPING.busy()
    window.paint_ahead.add([window.source.ahead[("m", ALL)]])
    qtbot.wait(ahead.PaintAhead.STEP_MS * 5)
    assert window.paint_ahead.painted == 0 and window.paint_ahead.pending()
    qtbot.waitUntil(lambda: window.paint_ahead.painted == 1, timeout=5000)
    window.paint_ahead.add([window.source.ahead[("s", ALL)]] * 3)
    window.refresh()  # the cache changed (what the watcher does): the queue is stale
    assert not window.paint_ahead.pending() and window.paint_ahead.painted == 0


def test_the_read_ahead_worker_waits_while_keys_come_in(book: Store) -> None:
    ahead.TYPING.typed()
    started = time.monotonic()
    done: list[float] = []
    worker = threading.Thread(
        target=lambda: done.append(bool(ahead.read_letters(book.path, ALL)) and time.monotonic())
    )
    worker.start()
    worker.join(30)
    assert done and done[0] - started >= ahead.TYPING_SECONDS * 0.9
    # what it read is the plain read-ahead's
    plain = read_ahead(book.path, ALL)
    assert {k: v.tolist() for k, v in ahead.read_letters(book.path, ALL).items()} == {
        k: v.tolist() for k, v in plain.items()
    }


def test_the_garbage_of_a_key_is_collected_once_idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    gc.collect()
    qtbot.keyClicks(window.search, "m")
    made = [[n] for n in range(300)]  # what a keystroke makes: young objects
    assert gc.get_count()[0] >= 300
    assert window._idle_gc.isActive()  # due once the keys stop
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        qtbot.waitUntil(lambda: not window._idle_gc.isActive(), timeout=2000)
    finally:
        gc.callbacks.remove(seen)
    assert collections  # it collected
    assert gc.get_count()[0] < 100  # the young generation is (nearly) empty for the next key
    assert len(made) == 300


def test_collect_young_collects_the_older_generations_when_they_are_due() -> None:
    gc.collect()
    _t0, t1, _t2 = gc.get_threshold()
    ahead.collect_young()
    assert gc.get_count()[1] == 1  # a young collection moves its survivors on
    for _n in range(t1):
        gc.collect(0)
    ahead.collect_young()  # the middle one was due: collected with it
    assert gc.get_count()[1] == 0


def test_an_answer_kept_as_an_array_is_shown_and_searched_as_a_list(book: Store) -> None:
    source = OrderedSource(book)
    source.ahead = {("m", ALL): array("q", book.search_ids("m", ALL))}
    model = ContactListModel(source)
    model.set_filter("m", ALL)
    assert model.ids() == book.search_ids("m", ALL)
    last = model.ids()[-1]
    assert model.row_of(last) == model.rowCount() - 1
    assert model.row_of(10**9) is None
    # ids whose bytes overlap two neighbours' are not found there
    tricky = array("q", [256, 1, 2**40 + 1])
    assert _position(tricky, 2**40 + 1) == 2
    assert _position(tricky, 2**32) is None
    assert _position(tricky, 1) == 1
    model.set_filter("ma", ALL)  # narrowed from the array: its order kept
    assert model.ids() == book.search_ids("ma", ALL)


def _paint_row(window: MainWindow, row: int, selected: bool, width: int = 300) -> QImage:
    view = window.list_view
    height = view.verticalHeader().defaultSectionSize()
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(view.palette().color(QPalette.ColorRole.Base))
    option = QStyleOptionViewItem()
    option.initFrom(view.viewport())
    option.state &= ~QStyle.StateFlag.State_HasFocus  # type: ignore[attr-defined]
    if selected:
        option.state |= QStyle.StateFlag.State_Selected  # type: ignore[attr-defined]
    option.font = view.font()  # type: ignore[attr-defined]
    option.widget = view  # type: ignore[attr-defined]
    option.rect = QRect(0, 0, width, height)  # type: ignore[attr-defined]
    painter = QPainter(image)
    view.itemDelegate().paint(painter, option, window.model.index(row))
    painter.end()
    return image


def test_rows_paint_their_name_badge_and_selection(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    base = window.list_view.palette().color(QPalette.ColorRole.Base)
    plain = _paint_row(window, 0, selected=False)
    height = plain.height()
    assert plain.pixelColor(plain.width() - 2, 2) == base  # a plain row: no background drawn
    badge = plain.pixelColor(6 + (height - 12) // 2, height // 2)
    assert badge != base and badge.alpha() == 255  # the initials' circle
    text = {plain.pixelColor(x, y).rgb() for x in range(height, 200) for y in range(height // 2)}
    assert len(text) > 3  # the name is drawn
    again = _paint_row(window, 0, selected=False)
    assert again == plain  # painted again from the kept elided text and badge: the same
    selected = _paint_row(window, 0, selected=True)
    palette = window.list_view.palette()
    highlights = [
        palette.color(group, QPalette.ColorRole.Highlight)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)
    ]
    corner = selected.pixelColor(selected.width() - 2, 2)
    assert any(_close(corner, h) for h in highlights), corner.name()
    narrow = _paint_row(window, 0, selected=False, width=120)
    assert narrow.width() == 120 and narrow != plain.copy(0, 0, 120, height)  # elided anew


def _close(a: QColor, b: QColor) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) < 24


def test_answers_are_handed_over_one_by_one_letters_first(
    book: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ahead, "PAIR_HITS", 40)
    handed: list[ahead.Answers] = []
    count = ahead.read_progressively(book.path, ALL, (), handed.append)
    sizes = [len(next(iter(answers))[0]) for answers in handed]
    assert sizes[:26] == [1] * 26 and set(sizes[26:]) == {2}  # the letters first, each alone
    every = {key: ids.tolist() for answers in handed for key, ids in answers.items()}
    letters = read_ahead(book.path, ALL)
    assert {k: v for k, v in every.items() if len(k[0]) == 1} == {
        k: v.tolist() for k, v in letters.items()
    }
    pairs = ahead.read_pairs(book.path, ALL, letters)
    assert {k: v for k, v in every.items() if len(k[0]) == 2} == {
        k: v.tolist() for k, v in pairs.items()
    }
    assert count == len(every) > 26
    # a change of the cache stops it
    assert ahead.read_progressively(book.path, ALL, (), handed.append, lambda: True) == 0


def test_painting_ahead_waits_for_the_reading(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    _read_and_painted_ahead(qtbot, window)
    window.paint_ahead.stop()
    window.paint_ahead.hold(True)  # the answers are being read
    window.paint_ahead.add([window.source.ahead[("m", ALL)]])
    qtbot.wait(ahead.PaintAhead.STEP_MS * 5)
    assert window.paint_ahead.painted == 0 and window.paint_ahead.pending()
    window.paint_ahead.hold(False)  # read: painted now
    qtbot.waitUntil(lambda: window.paint_ahead.painted == 1, timeout=5000)
