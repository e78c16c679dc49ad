"""Painting a contact row: an initials badge, the name, the second line, state marks."""

from __future__ import annotations

import zlib

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from addressbook.ui.icons import icon
from addressbook.ui.list_model import (
    ACCOUNT_ROLE,
    ACCOUNTS_ROLE,
    SECONDARY_ROLE,
    STATE_ROLE,
    STATUS_ROLE,
)

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


class ContactDelegate(QStyledItemDelegate):
    """Two lines per contact; every row the same height, so the view can skip measuring."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # account name → service, for the small service mark shown in "All contacts"
        self.services: dict[str, str] = {}
        self.show_service = True

    def row_height(self, font: QFont) -> int:
        """The height of every row: two lines of text and padding."""
        return QFontMetrics(font).height() * 2 + PADDING * 3

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(200, self.row_height(option.font))  # type: ignore[attr-defined]

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name = opt.text  # type: ignore[attr-defined]
        opt.text = ""  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = opt.rect  # type: ignore[attr-defined]
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette: QPalette = opt.palette  # type: ignore[attr-defined]
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        badge = rect.height() - 2 * PADDING
        badge_rect = QRect(rect.left() + PADDING, rect.top() + PADDING, badge, badge)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_BADGES[zlib.crc32(name.encode("utf-8")) % len(_BADGES)]))
        painter.drawEllipse(badge_rect)
        badge_font = QFont(opt.font)  # type: ignore[attr-defined]
        badge_font.setBold(True)
        painter.setFont(badge_font)
        painter.setPen(QColor("white"))
        painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, initials(name))

        marks = marks_for(index.data(STATE_ROLE), index.data(STATUS_ROLE))
        if self.show_service:
            # A badge per account: a person's row shows each service it lives on.
            accounts = index.data(ACCOUNTS_ROLE) or (index.data(ACCOUNT_ROLE),)
            for account in accounts:
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
        metrics = QFontMetrics(opt.font)  # type: ignore[attr-defined]
        width = max(0, right - text_left - 2)
        line = metrics.height()
        top = rect.top() + PADDING
        name_font = QFont(opt.font)  # type: ignore[attr-defined]
        if index.data(STATUS_ROLE) == "archived":
            name_font.setItalic(True)
        painter.setFont(name_font)
        painter.setPen(palette.color(text_role))
        painter.drawText(
            QRect(text_left, top, width, line),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(name, Qt.TextElideMode.ElideRight, width),
        )
        secondary = index.data(SECONDARY_ROLE) or ""
        if secondary and secondary != name:  # an organisation named as the contact says nothing new
            painter.setFont(opt.font)  # type: ignore[attr-defined]
            colour = palette.color(text_role)
            if not selected:
                colour = palette.color(QPalette.ColorRole.PlaceholderText)
            painter.setPen(colour)
            painter.drawText(
                QRect(text_left, top + line + PADDING // 2, width, line),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(secondary, Qt.TextElideMode.ElideRight, width),
            )
        painter.restore()
