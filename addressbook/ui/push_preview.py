"""Push preview: per account and contact, what will change on the service (old → new)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from addressbook.i18n import N_, _, ngettext
from addressbook.ui.icons import icon, service_icon
from addressbook.ui.values import field_label, value_text

if TYPE_CHECKING:
    from addressbook.sync import PlannedChange
    from addressbook.ui.context import WindowContext

ID_ROLE = Qt.ItemDataRole.UserRole + 1
TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
OP_TEXT = {
    "create": N_("will be created"),
    "update": N_("will be updated"),
    "delete": N_("will be deleted"),
    "archive": N_("will be archived (the service cannot delete)"),
}


def load_plans(window: WindowContext, names: list[str] | None) -> dict[str, list[PlannedChange]]:
    """account → its planned changes, from the cache alone (no network)."""
    from addressbook.sync import plan_push

    plans: dict[str, list[PlannedChange]] = {}
    for name in window.accounts:
        if names is not None and name not in names:
            continue
        service = window.checker.service(name)
        can_delete = service.can_delete if service is not None else True
        plan = plan_push(window.store, name, can_delete)
        if plan:
            plans[name] = plan
    return plans


class PushPreviewDialog(QDialog):
    """The pending changes, with Push all / Push selected / Discard selected."""

    def __init__(self, window: WindowContext, names: list[str] | None = None) -> None:
        super().__init__(window.dialog_parent())
        self.setObjectName("pushPreview")
        self.setWindowTitle(_("Send changes to the services"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(760, 520)
        self._window = window
        self._names = names
        self._open = True  # False once closed: late answers from workers are dropped
        self.finished.connect(self._closed)
        # (account, remote id, field) → the row whose "now" column a reading fills in
        self._now_rows: dict[tuple[str, str, str], QTreeWidgetItem] = {}
        self._reading: set[str] = set()
        self._unreachable: set[str] = set()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("pushTree")
        self.tree.setAccessibleName(_("Pending changes"))
        self.tree.setAccessibleDescription(
            _("Each contact with its changed fields: the value when last synced, and the new one")
        )
        self.tree.setColumnCount(3)
        # The cache knows the service's values as of the last sync; the dialog asks each
        # service for its values now, and says which the column shows.
        self.tree.setHeaderLabels([_("Change"), _("When last synced"), _("Will become")])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemChanged.connect(self._on_item_changed)

        buttons = QDialogButtonBox()
        self.push_all = QPushButton(icon("push"), _("Push &All"))
        self.push_all.setObjectName("pushAllButton")
        self.push_selected = QPushButton(_("Push &Selected"))
        self.push_selected.setObjectName("pushSelectedButton")
        self.push_selected.setToolTip(_("Send only the ticked contacts; the others stay here."))
        self.discard = QPushButton(icon("delete"), _("&Discard Selected…"))
        self.discard.setObjectName("discardButton")
        buttons.addButton(self.push_all, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.push_selected, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.discard, QDialogButtonBox.ButtonRole.DestructiveRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(_("Close"))
        buttons.rejected.connect(self.reject)
        self.push_all.clicked.connect(self._push_all)
        self.push_selected.clicked.connect(self._push_selected)
        self.discard.clicked.connect(self._discard_selected)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        """Read the outbox again and show it."""
        self.plans = load_plans(self._window, self._names)
        self.tree.blockSignals(True)
        self.tree.clear()
        self._now_rows = {}
        bold = QFont(self.font())
        bold.setBold(True)
        muted = QBrush(self.palette().color(QPalette.ColorRole.PlaceholderText))
        total = 0
        for name, plan in self.plans.items():
            config = self._window.accounts[name]
            top = QTreeWidgetItem([self._window.account_label(name)])
            top.setIcon(0, service_icon(config.service))
            top.setFont(0, bold)
            top.setFlags(
                top.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
            )
            top.setCheckState(0, Qt.CheckState.Checked)
            self.tree.addTopLevelItem(top)
            for change in plan:
                total += 1
                what = _(OP_TEXT[change.op]) if change.op in OP_TEXT else change.op
                item = QTreeWidgetItem(
                    [
                        _("{name} — {what}").format(
                            name=change.display_name or _("(no name)"), what=what
                        )
                    ]
                )
                item.setData(0, ID_ROLE, change.contact_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked)
                if change.state == "conflict":
                    item.setIcon(0, icon("conflict"))
                    item.setToolTip(
                        0, _("Changed on both sides: resolve the conflict first; it is skipped.")
                    )
                top.addChild(item)
                for field in change.changes:
                    row = QTreeWidgetItem(
                        [
                            f"{field_label(field.field)}",
                            value_text(field.field, field.old),
                            value_text(field.field, field.new),
                        ]
                    )
                    row.setForeground(1, muted)
                    for column in range(3):
                        # a value of several lines (phones, an address) makes the row tall:
                        # a centred label would seem to belong to the row above
                        row.setTextAlignment(column, TOP_LEFT)
                    row.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.addChild(row)
                    if change.remote_id and change.op != "create":
                        self._now_rows[(name, change.remote_id, field.field)] = row
            top.setExpanded(True)
        for top in self._tops():
            for child in self._children(top):
                child.setExpanded(True)
        self.tree.blockSignals(False)
        if total:
            self.summary.setText(
                ngettext(
                    "{n} change waits to be sent.", "{n} changes wait to be sent.", total
                ).format(n=total)
                + " "
                + _(
                    "Nothing is sent until you press Push. Untick what you want to keep here "
                    "for now."
                )
            )
        else:
            self.summary.setText(
                _("Nothing to send: every edit made here is on the services already.")
            )
        for button in (self.push_all, self.push_selected, self.discard):
            button.setEnabled(bool(total))
        self.read_now()

    # --- the service's values now ----------------------------------------------------------
    def read_now(self) -> None:
        """Ask each account's service for the records about to change (in workers)."""
        from addressbook.sync.jobs import open_connector

        wanted: dict[str, set[str]] = {}
        for account, remote_id, _field in self._now_rows:
            wanted.setdefault(account, set()).add(remote_id)
        for account, remote_ids in wanted.items():
            config = self._window.accounts.get(account)
            if config is None or account in self._reading:
                continue
            self._reading.add(account)
            ids = sorted(remote_ids)

            def work(config: Any = config, ids: list[str] = ids) -> dict[str, Any]:
                with open_connector(config) as connector:
                    return connector.get_many(ids)

            self._window.tasks.run(work, self._reader(account), self._failure(account))
        self._update_now_header()

    def _reader(self, account: str) -> Callable[[Any], None]:
        return lambda found: self._read(account, found)

    def _failure(self, account: str) -> Callable[[BaseException], None]:
        return lambda error: self._not_read(account, error)

    def _read(self, account: str, found: dict[str, Any]) -> None:
        self._reading.discard(account)
        if not self._open:
            return
        self._unreachable.discard(account)
        for (name, remote_id, field), row in self._now_rows.items():
            remote = found.get(remote_id)
            if name != account or remote is None or isinstance(remote, Exception):
                continue
            now = remote.contact.get(field)
            text = value_text(field, now)
            if text != row.text(1):
                row.setToolTip(1, _("Changed on the service since the last sync"))
                font = row.font(1)
                font.setBold(True)
                row.setFont(1, font)
            row.setText(1, text)
        self._update_now_header()

    def _not_read(self, account: str, error: BaseException) -> None:
        self._reading.discard(account)
        if not self._open:
            return
        self._unreachable.add(account)
        for (name, _remote_id, _field), row in self._now_rows.items():
            if name == account:
                row.setToolTip(
                    1, _("As of the last sync: the service could not be reached just now.")
                )
        self._update_now_header()

    def _update_now_header(self) -> None:
        header = self.tree.headerItem()
        if header is None:
            return
        if self._reading:
            header.setText(1, _("When last synced (reading the service…)"))
        elif self._unreachable or not self._now_rows:
            header.setText(1, _("When last synced"))
        else:
            header.setText(1, _("On the service now"))

    def _closed(self, _result: int) -> None:
        self._open = False

    def _tops(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    @staticmethod
    def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        children = (item.child(i) for i in range(item.childCount()))
        return [child for child in children if child is not None]

    def checked(self) -> dict[str, list[int]]:
        """account → ticked contact ids."""
        chosen: dict[str, list[int]] = {}
        for name, top in zip(self.plans, self._tops(), strict=True):
            children = self._children(top)
            ids = [
                int(c.data(0, ID_ROLE))
                for c in children
                if c.checkState(0) == Qt.CheckState.Checked
            ]
            if ids:
                chosen[name] = ids
        return chosen

    def _on_item_changed(self, _item: QTreeWidgetItem, _column: int) -> None:
        any_checked = bool(self.checked())
        self.discard.setEnabled(any_checked)
        self.push_selected.setEnabled(any_checked)

    def _push_all(self) -> None:
        self._window.jobs.push(list(self.plans))
        self.accept()

    def _push_selected(self) -> None:
        chosen = self.checked()
        if chosen:
            ids = [i for group in chosen.values() for i in group]
            self._window.jobs.push(list(chosen), ids)
        self.accept()

    def _discard_selected(self) -> None:
        chosen = self.checked()
        count = sum(len(ids) for ids in chosen.values())
        if not count:
            return
        answer = QMessageBox.question(
            self,
            _("Discard changes"),
            ngettext(
                "Discard {n} change made here?", "Discard {n} changes made here?", count
            ).format(n=count)
            + " "
            + _("The contacts go back to how the service has them."),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Discard:
            return
        with self._window.store.transaction():
            for ids in chosen.values():
                for contact_id in ids:
                    self._window.store.discard(contact_id)
        self._window.refresh()
        self.reload()
