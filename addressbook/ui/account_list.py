"""The left pane: All contacts, On this computer, then each account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from addressbook.i18n import _, ngettext
from addressbook.store import ALL, LOCAL
from addressbook.ui.colours import secondary_colour
from addressbook.ui.icons import icon

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass
class AccountEntry:
    """One line of the account list."""

    key: str | None  # ALL, LOCAL or an account name
    label: str
    icon_name: str
    contacts: int | None = 0  # None: not counted yet
    pending: int = 0
    last_sync: str | None = None  # ISO UTC
    error: str | None = None  # the last sync's failure, one sentence
    service: str | None = None
    offline: bool = False  # the last sync or push could not reach the service
    service_label: str = ""  # 'Xero (API 1.0)'

    def subtitle(self, now: datetime | None = None) -> str:
        """The second line: contacts, pending edits, last sync (numbers and dates localised)."""
        locale = QLocale()
        if self.contacts is None:
            parts = [_("counting…")]
        else:
            parts = [
                ngettext("{n} contact", "{n} contacts", self.contacts).format(
                    n=locale.toString(self.contacts)
                )
            ]
        if self.pending:
            parts.append(
                ngettext("{n} to send", "{n} to send", self.pending).format(
                    n=locale.toString(self.pending)
                )
            )
        if self.service is not None:
            if self.offline:
                parts.append(_("offline"))
            elif self.error:
                parts.append(_("sync failed"))
            else:
                parts.append(ago(self.last_sync, now) if self.last_sync else _("never synced"))
        return " · ".join(parts)

    def accessible(self) -> str:
        label = (
            _("{account}, {service} account").format(account=self.label, service=self.service_label)
            if self.service_label
            else self.label
        )
        text = f"{label}, {self.subtitle()}"
        if self.error:
            return _("{text}. Last sync failed: {error}").format(text=text, error=self.error)
        return text


def ago(iso: str | None, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', or the date in the user's locale."""
    if not iso:
        return _("never")
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - when).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("{n} min ago", "{n} min ago", minutes).format(n=minutes)
    if seconds < 86400:
        hours = int(seconds // 3600)
        return ngettext("{n} h ago", "{n} h ago", hours).format(n=hours)
    moment = QDateTime.fromSecsSinceEpoch(int(when.timestamp())).toLocalTime()
    return QLocale().toString(moment.date(), QLocale.FormatType.ShortFormat)


def fixed_entries(counts: dict[str, tuple[int, int]], known: bool = True) -> list[AccountEntry]:
    """The two entries always shown: All contacts and On this computer."""
    total = sum(c for c, _ in counts.values())
    pending = sum(p for _, p in counts.values())
    local = counts.get(LOCAL, (0, 0))
    return [
        AccountEntry(ALL, _("All contacts"), "all", total if known else None, pending),
        AccountEntry(LOCAL, _("On this computer"), "local", local[0] if known else None, 0),
    ]


class AccountListModel(QAbstractListModel):
    """The entries of the left pane."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[AccountEntry] = []

    def set_entries(self, entries: list[AccountEntry]) -> None:
        """Replace the entries (keys that stay keep their row if the order holds)."""
        if [e.key for e in entries] == [e.key for e in self._entries]:
            self._entries = entries
            if entries:
                self.dataChanged.emit(self.index(0), self.index(len(entries) - 1))
            return
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def entries(self) -> list[AccountEntry]:
        return list(self._entries)

    def row_of(self, key: str | None) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.key == key:
                return row
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.label
        if role == Qt.ItemDataRole.DecorationRole:
            return icon(entry.icon_name)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return entry.accessible()
        if role == KEY_ROLE:
            return entry.key
        if role == ENTRY_ROLE:
            return entry
        return None


class AccountDelegate(QStyledItemDelegate):
    """Service icon, name, a small second line, and a warning mark after a failed sync."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        metrics = QFontMetrics(option.font)  # type: ignore[attr-defined]
        return QSize(180, metrics.height() * 2 + 14)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        entry: AccountEntry | None = index.data(ENTRY_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # type: ignore[attr-defined]
        opt.icon = QIcon()  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if entry is None:
            return
        rect: QRect = opt.rect  # type: ignore[attr-defined]
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette: QPalette = opt.palette  # type: ignore[attr-defined]
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.WindowText
        painter.save()
        size = 22
        icon(entry.icon_name).paint(
            painter, QRect(rect.left() + 8, rect.center().y() - size // 2, size, size)
        )
        right = rect.right() - 8
        if entry.error or entry.offline:
            right -= 16
            icon("warning").paint(painter, QRect(right, rect.center().y() - 8, 16, 16))
            right -= 4
        metrics = QFontMetrics(opt.font)  # type: ignore[attr-defined]
        left = rect.left() + 8 + size + 8
        width = max(0, right - left)
        line = metrics.height()
        top = rect.top() + 6
        bold = QFont(opt.font)  # type: ignore[attr-defined]
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.color(role))
        bold_metrics = QFontMetrics(bold)
        painter.drawText(
            QRect(left, top, width, line),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            bold_metrics.elidedText(entry.label, Qt.TextElideMode.ElideRight, width),
        )
        small = QFont(opt.font)  # type: ignore[attr-defined]
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * 0.9)
        painter.setFont(small)
        if not selected:
            painter.setPen(secondary_colour(palette))
        painter.drawText(
            QRect(left, top + line + 2, width, line),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            QFontMetrics(small).elidedText(entry.subtitle(), Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()
