"""Searches read and painted ahead while the window is idle, for the first keys one types.

A first letter matches up to half the book and a second one still thousands: the two
answers that take longest to sort or filter. The one-letter answers (ui/readers.read_ahead),
then the two-letter ones of many hits are read in a worker soon after the list is first
painted, handed over one by one (read_progressively), and forgotten on every change of
the cache; typing further narrows them (ui/list_model). Then the first screen of each is
painted off screen (PaintAhead): its rows read, its text shaped, its glyphs drawn once.
While one types, both hold back (TYPING), and the garbage of the last keys is collected
once they stop (collect_young): the first keys cost what the later ones do.
"""

from __future__ import annotations

import gc
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTableView, QWidget

from addressbook.ui.list_model import ContactListModel
from addressbook.ui.readers import AHEAD, read_ahead, reader_store

# A two-letter search is read ahead when the index finds at least this many contacts for
# it (fewer are filtered out of the one-letter answer in ~3 ms at 100,000 contacts).
PAIR_HITS = 8000

# A few letters of the scripts an address book holds besides Latin: shaping them once makes
# Qt find (and load) the fallback font of each. Left to the first row painted with, say,
# Chinese text, that took ~10 ms of a keystroke's frame on the GUI thread.
SCRIPTS = "Āā Ωω Жж אב عر कख กข 中文 かな 한국 😀"

Answers = dict[tuple[str, str | None], "array[int]"]
_fonts_loaded = False

# After a keystroke the read-ahead (in a worker) and the painting ahead (on the GUI thread)
# wait this long: their Python would compete with the next key's for the GIL and the CPU.
TYPING_SECONDS = 0.35


class Typing:
    """When the user last typed (set on the GUI thread, read by workers)."""

    def __init__(self) -> None:
        self._until = 0.0

    def typed(self) -> None:
        """A key changed the search: background work holds back for a moment."""
        self._until = time.monotonic() + TYPING_SECONDS

    def busy(self) -> bool:
        """Keys came in just now."""
        return time.monotonic() < self._until

    def wait(self) -> None:
        """In a worker: sleep (the GIL let go) until the keys have stopped for a moment."""
        while (left := self._until - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))


TYPING = Typing()


def read_letters(path: Path, account: str | None, fonts: Sequence[QFont] = ()) -> Answers:
    """The one-letter answers (ui/readers.read_ahead); first, once a process, the fallback
    fonts of other scripts for `fonts` (fonts can be measured in a worker thread)."""
    load_script_fonts(fonts)
    return read_ahead(path, account, TYPING.wait)


def load_script_fonts(fonts: Sequence[QFont]) -> None:
    """Once a process: Qt finds (and loads) the fallback fonts of other scripts for
    `fonts` (fonts can be measured in a worker thread)."""
    global _fonts_loaded
    if not _fonts_loaded:
        _fonts_loaded = True
        for font in fonts:
            QFontMetrics(font).horizontalAdvance(SCRIPTS)


def read_pairs(path: Path, account: str | None, letters: Answers) -> Answers:
    """The two-letter answers of many hits, each the one-letter answer filtered."""
    store = reader_store(path)
    answers: Answers = {}
    for (letter, _account), ids in letters.items():
        if len(ids) < PAIR_HITS or len(letter) != 1:
            continue
        base: list[int] | None = None
        for second in AHEAD:
            pair = letter + second
            TYPING.wait()
            if store.hit_count(pair) < PAIR_HITS:
                continue
            if base is None:
                base = ids.tolist()
            answers[(pair, account)] = array("q", store.search_within(pair, base))
    return answers


def read_progressively(
    path: Path,
    account: str | None,
    fonts: Sequence[QFont],
    deliver: Callable[[Answers], None],
    stale: Callable[[], bool] = lambda: False,
) -> int:
    """In a worker: the one-letter answers, then the two-letter ones of many hits
    (read_pairs), each letter's handed to `deliver` (from this thread) as soon as it is
    read; it stops early once `stale()` says the cache changed. Returns how many answers
    were read.

    On a busy machine reading all of them takes longer than the second before one types;
    handed over one by one, the first keys find most of them. The letters come first: one
    the GUI thread must find itself costs it 10 ms and more, a pair 2–5 ms. The fonts of
    other scripts are loaded before (read_letters).
    """
    load_script_fonts(fonts)
    store = reader_store(path)
    letters: Answers = {}
    for letter in AHEAD:
        TYPING.wait()
        if stale():
            return len(letters)
        answer: Answers = {(letter, account): array("q", store.search_ids(letter, account))}
        letters.update(answer)
        deliver(answer)
    read = len(letters)
    for key, ids in letters.items():
        if stale():
            break
        pairs = read_pairs(path, account, {key: ids})
        if pairs:
            read += len(pairs)
            deliver(pairs)
    return read


class AfterFirstPaint(QObject):
    """Calls `then` (something quick: it runs inside the paint) when `widget` is first
    painted: for work that must not delay the first paint, nor wait for an idle second."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            self._then()
        return False


def collect_young() -> None:
    """Collect the garbage the last keys left, now that the window is idle.

    A collection starts when enough objects were made since the last one; about every
    second keystroke one landed inside it (0.3–0.9 ms). Collected while idle, with the
    older generations when theirs is nearly due, none falls due during the next keys.
    """
    _young, middle, old = gc.get_count()
    _t0, t1, t2 = gc.get_threshold()
    if middle >= t1 - 1:
        gc.collect(2 if old >= t2 - 1 else 1)
    else:
        gc.collect(0)


class PaintAhead(QObject):
    """Paints the first screen of each answer read ahead once, into an image no one sees:
    one answer per idle moment, on the GUI thread, never while the user types.

    The first keystroke that shows a row pays for reading it and for Qt shaping its text
    and drawing its glyphs (a script's font tables, a Chinese name's glyphs: up to 3 ms).
    Painted ahead, the rows are in the model's cache (shared with a twin model) and the
    glyphs in Qt's, and the first keys paint as fast as the later ones.
    """

    STEP_MS = 1  # between two steps (keys and paints come first)
    ROWS_PER_STEP = 4  # rows painted in one step (1–3 ms; a row of a new script's text more)

    def __init__(self, view: QTableView, model: ContactListModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._queue: list[Sequence[int]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.STEP_MS)
        self._timer.timeout.connect(self._step)
        self.painted = 0  # answers painted ahead (or empty) since the last change
        self._held = False
        self._current: tuple[ContactListModel, int, int] | None = None  # twin, next row, rows

    def add(self, answers: Iterable[Sequence[int]]) -> None:
        """Paint these answers' first screens soon (in the order given)."""
        self._queue.extend(answers)
        if self.pending() and not self._held and not self._timer.isActive():
            self._timer.start()

    def hold(self, held: bool) -> None:
        """While the answers are being read: painting competes with the reading for the GIL
        (both were slower), and a missing answer costs a key more than an unpainted one."""
        self._held = held
        if not held and self.pending() and not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """The cache changed: the answers queued are stale."""
        self._queue = []
        self._current = None
        self._timer.stop()
        self.painted = 0
        self._held = False

    def pending(self) -> bool:
        return bool(self._queue) or self._current is not None

    def _step(self) -> None:
        if not self.pending() or self._held:
            return
        if TYPING.busy():
            self._timer.start(int(TYPING_SECONDS * 1000))
            return
        if self._current is None:
            self._current = self._start(self._queue.pop(0))
        if self._current is not None:
            self._current = self._paint_some(*self._current)
        if self.pending():
            self._timer.start(self.STEP_MS)
        else:
            collect_young()

    def _start(self, ids: Sequence[int]) -> tuple[ContactListModel, int, int] | None:
        """A twin model showing the answer, and how many of its rows the view shows first."""
        self.painted += 1
        if not len(ids):  # nothing to paint (and a twin shown its own ids again would
            return None  # reload its rows: the cache it shares)
        view = self._view
        twin = self._model.twin()
        twin.apply_ids(ids)
        height = view.verticalHeader().defaultSectionSize()
        rows = min(twin.rowCount(), view.viewport().height() // max(1, height) + 1)
        return (twin, 0, rows) if rows > 0 and view.viewport().width() > 0 else None

    def _paint_some(
        self, twin: ContactListModel, first: int, rows: int
    ) -> tuple[ContactListModel, int, int] | None:
        """Paint a few of the answer's first rows off screen (a step stays a few ms: a key
        typed meanwhile waits for it); what is left for the next step."""
        view = self._view
        viewport = view.viewport()
        height = view.verticalHeader().defaultSectionSize()
        ratio = viewport.devicePixelRatioF()
        image = QImage(
            max(1, round(viewport.width() * ratio)),
            max(1, round(height * ratio)),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(ratio)
        option = QStyleOptionViewItem()
        option.initFrom(viewport)
        # a plain row (as most are): the selected one is painted by the style, as always
        option.state &= ~(QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_MouseOver)  # type: ignore[attr-defined]
        option.font = view.font()  # type: ignore[attr-defined]
        option.widget = view  # type: ignore[attr-defined]
        option.rect = QRect(0, 0, viewport.width(), height)  # type: ignore[attr-defined]
        delegate = view.itemDelegate()
        last = min(rows, first + self.ROWS_PER_STEP)
        painter = QPainter(image)
        try:
            for row in range(first, last):
                delegate.paint(painter, option, twin.index(row))
        finally:
            painter.end()
        return (twin, last, rows) if last < rows else None
