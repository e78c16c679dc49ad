"""Painting a contact row: an initials badge, the name, the second line, state marks."""

from __future__ import annotations

import zlib

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from addressbook.ui.icons import icon
from addressbook.ui.list_model import PAINT_ROLE

PADDING = 6
MARK = 16

# Calm badge colours; white bold initials on each read at 4.5:1 or more (tests/ui/test_badges.py).
_BADGES = ("#3872bd", "#287d4f", "#b5562b", "#7b4fb3", "#b0417a", "#267882", "#8a6d1f", "#5b6770")


def initials(name: str) -> str:
    """One or two letters for the badge: 'Ada Lovelace' → 'AL', '王小明' → '王'."""
    words = [w for w in name.split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def marks_for(state: str | None, status: str | None) -> list[str]:
    """The icon names shown on a row for its sync state and its status."""
    marks = []
    if state == "conflict":
        marks.append("conflict")
    elif state in ("new", "modified", "deleted"):
        marks.append("pending")
    if status == "archived":
        marks.append("archived")
    elif status == "read-only":
        marks.append("read-only")
    return marks


# Row states whose background the style draws (selection, hover, the focus frame); a plain
# row has none, and painting it skips the style's item machinery (a tenth of a row's cost).
_STYLED = (
    QStyle.StateFlag.State_Selected
    | QStyle.StateFlag.State_MouseOver
    | QStyle.StateFlag.State_HasFocus
)
_WHITE = QColor("white")
# Texts kept elided (per font and width) and badges kept (per name): a keystroke paints
# many of the rows it painted before; the caches restart when full.
KEPT_TEXTS = 8192


class _Fonts:
    """The fonts a row is painted with, made from the view's font once."""

    def __init__(self, font: QFont) -> None:
        self.plain = QFont(font)
        self.badge = QFont(font)
        self.badge.setBold(True)
        self.italic = QFont(font)
        self.italic.setItalic(True)
        self.metrics = QFontMetrics(font)
        self.line = self.metrics.height()


class ContactDelegate(QStyledItemDelegate):
    """Two lines per contact; every row the same height, so the view can skip measuring."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # account name → service, for the small service mark shown in "All contacts"
        self.services: dict[str, str] = {}
        self.show_service = True
        self._fonts: dict[str, _Fonts] = {}  # QFont.key() → the row's fonts
        self._elided: dict[tuple[str, str, int], str] = {}  # (font key, text, width) → shown
        self._badges: dict[str, tuple[str, QColor]] = {}  # name → (initials, colour)

    def row_height(self, font: QFont) -> int:
        """The height of every row: two lines of text and padding."""
        return QFontMetrics(font).height() * 2 + PADDING * 3

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(200, self.row_height(option.font))  # type: ignore[attr-defined]

    def _fonts_of(self, font: QFont) -> tuple[str, _Fonts]:
        key = font.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            fonts = self._fonts[key] = _Fonts(font)
        return key, fonts

    def _elide(self, fonts: _Fonts, key: str, text: str, width: int) -> str:
        cached = (key, text, width)
        shown = self._elided.get(cached)
        if shown is None:
            if len(self._elided) >= KEPT_TEXTS:
                self._elided.clear()
            shown = fonts.metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            self._elided[cached] = shown
        return shown

    def _badge(self, name: str) -> tuple[str, QColor]:
        badge = self._badges.get(name)
        if badge is None:
            if len(self._badges) >= KEPT_TEXTS:
                self._badges.clear()
            colour = QColor(_BADGES[zlib.crc32(name.encode("utf-8")) % len(_BADGES)])
            badge = self._badges[name] = (initials(name), colour)
        return badge

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        flags = option.state  # type: ignore[attr-defined]
        widget = option.widget  # type: ignore[attr-defined]
        if flags & _STYLED:
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""  # type: ignore[attr-defined]
            style = widget.style() if widget is not None else QApplication.style()
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painted = index.data(PAINT_ROLE)
        if painted is None:  # gone from the cache since the search: its background only
            return
        name, secondary, state, status, accounts = painted

        rect: QRect = option.rect  # type: ignore[attr-defined]
        selected = bool(flags & _SELECTED)
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        text_role = _HIGHLIGHTED_TEXT if selected else _TEXT
        key, fonts = self._fonts_of(option.font)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(_ANTIALIASING)

        badge = rect.height() - 2 * PADDING
        badge_rect = QRect(rect.left() + PADDING, rect.top() + PADDING, badge, badge)
        letters, colour = self._badge(name)
        painter.setPen(_NO_PEN)
        painter.setBrush(colour)
        painter.drawEllipse(badge_rect)
        painter.setFont(fonts.badge)
        painter.setPen(_WHITE)
        painter.drawText(badge_rect, _CENTER, letters)

        marks = marks_for(state, status)
        if self.show_service:
            # A badge per account: a person's row shows each service it lives on.
            for account in accounts or (None,):
                service = self.services.get(account or "")
                if service:
                    marks.append(service)
        right = rect.right() - PADDING
        for mark in reversed(marks):
            right -= MARK
            icon(mark).paint(
                painter, QRect(right, rect.top() + (rect.height() - MARK) // 2, MARK, MARK)
            )
            right -= 4

        text_left = badge_rect.right() + PADDING + 2
        width = max(0, right - text_left - 2)
        line = fonts.line
        top = rect.top() + PADDING
        painter.setFont(fonts.italic if status == "archived" else fonts.plain)
        painter.setPen(palette.color(text_role))
        painter.drawText(
            QRect(text_left, top, width, line),
            _LEFT,
            self._elide(fonts, key, name, width),
        )
        if secondary and secondary != name:  # an organisation named as the contact says nothing new
            painter.setFont(fonts.plain)
            if not selected:
                painter.setPen(palette.color(_PLACEHOLDER_TEXT))
            painter.drawText(
                QRect(text_left, top + line + PADDING // 2, width, line),
                _LEFT,
                self._elide(fonts, key, secondary, width),
            )
        painter.restore()


# Qt's enum members, looked up once (each lookup and | of one is Python code, per row painted)
_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_CENTER = Qt.AlignmentFlag.AlignCenter
_NO_PEN = Qt.PenStyle.NoPen
_ANTIALIASING = QPainter.RenderHint.Antialiasing
_SELECTED = QStyle.StateFlag.State_Selected
_TEXT = QPalette.ColorRole.Text
_HIGHLIGHTED_TEXT = QPalette.ColorRole.HighlightedText
_PLACEHOLDER_TEXT = QPalette.ColorRole.PlaceholderText
