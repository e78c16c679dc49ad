"""Searches read ahead in a worker while the window is idle, for the first keys one types.

A first letter matches up to half the book and a second one still thousands: the two
answers that take longest to sort or filter. The one-letter answers (ui/readers.read_ahead),
then the two-letter ones of many hits (here) are read once the window is idle, and
forgotten on every change of the cache; typing further narrows them (ui/list_model).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

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


def read_letters(path: Path, account: str | None, fonts: Sequence[QFont] = ()) -> Answers:
    """The one-letter answers (ui/readers.read_ahead); first, once a process, the fallback
    fonts of other scripts for `fonts` (fonts can be measured in a worker thread)."""
    global _fonts_loaded
    if not _fonts_loaded:
        _fonts_loaded = True
        for font in fonts:
            QFontMetrics(font).horizontalAdvance(SCRIPTS)
    return read_ahead(path, account)


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
            if store.hit_count(pair) < PAIR_HITS:
                continue
            if base is None:
                base = ids.tolist()
            answers[(pair, account)] = array("q", store.search_within(pair, base))
    return answers


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
