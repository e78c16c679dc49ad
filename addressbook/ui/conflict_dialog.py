"""The conflict dialog: base, this computer and the service side by side; a choice per field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from addressbook.errors import AddressbookError
from addressbook.i18n import _
from addressbook.store import Conflict, Record
from addressbook.ui.colours import readable_indicators
from addressbook.ui.values import field_label, value_text

if TYPE_CHECKING:
    from addressbook.ui.context import WindowContext

DELETED = "deleted"
# A tint that reads on light and dark palettes alike: the side that changed a field.
CHANGED_STYLE = (
    "QRadioButton { background: rgba(230, 160, 0, 55); border-radius: 3px; padding: 3px; }"
)
SAME_STYLE = "QRadioButton { padding: 3px; }"


def apply_choices(
    window: WindowContext, record: Record, conflict: Conflict, choices: dict[str, str]
) -> str:
    """Settle the conflict with a choice per field, as a patch checked by rules.py.

    `resolve_fields` takes the service's value for the fields chosen 'remote' only; every
    other edit made here stays pending. Returns one line saying what was done.
    """
    from addressbook.sync.resolve import resolve_fields

    wanted = {f.field: choices.get(f.field, "local") for f in conflict.fields if f.field != DELETED}
    resolve_fields(window.store, record.id, wanted)
    return settled_text(record, wanted)


def settled_text(record: Record, choices: dict[str, str]) -> str:
    """The status line after a resolve (no ids, no commands)."""
    name = record.contact.display_name
    if any(side == "local" for side in choices.values()):
        return _("{name}: settled. Press Push to send what was kept here.").format(name=name)
    return _("{name}: settled with the service's values.").format(name=name)


class ConflictDialog(QDialog):
    """Choose, per field, which side of a conflict to keep — or keep both."""

    def __init__(self, window: WindowContext, record: Record, conflict: Conflict) -> None:
        super().__init__(window.dialog_parent())
        self.setObjectName("conflictDialog")
        self.setWindowTitle(_("Resolve: {name}").format(name=record.contact.display_name))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(860, min(640, 200 + 60 * len(conflict.fields)))
        self._window = window
        self._record = record
        self._conflict = conflict
        self.groups: dict[str, QButtonGroup] = {}
        self.result_text = ""
        self.deleted = bool(conflict.fields and conflict.fields[0].field == DELETED)

        intro = QLabel(self._intro())
        intro.setWordWrap(True)
        grid_widget = QWidget()
        grid = QGridLayout(grid_widget)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 1)
        for column, title in enumerate(
            ("", _("When last synced"), _("This computer"), window.account_label(conflict.account))
        ):
            header = QLabel(f"<b>{title}</b>")
            grid.addWidget(header, 0, column)
        row = 1
        for item in conflict.fields:
            if item.field == DELETED:
                continue
            grid.addWidget(
                QLabel(f"<b>{field_label(item.field)}</b>"), row, 0, Qt.AlignmentFlag.AlignTop
            )
            base = QLabel(value_text(item.field, item.base))
            base.setTextFormat(Qt.TextFormat.PlainText)
            base.setWordWrap(True)
            base.setStyleSheet("padding: 3px")
            base.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            grid.addWidget(base, row, 1, Qt.AlignmentFlag.AlignTop)
            group = QButtonGroup(self)
            for column, (side, value) in enumerate(
                (("local", item.local), ("remote", item.remote)), start=2
            ):
                button = QRadioButton(value_text(item.field, value).replace("&", "&&"))
                button.setObjectName(f"choice_{item.field}_{side}")
                button.setAccessibleName(
                    (
                        _("{field}: keep this computer's value")
                        if side == "local"
                        else _("{field}: keep the service's value")
                    ).format(field=field_label(item.field))
                )
                button.setStyleSheet(CHANGED_STYLE if value != item.base else SAME_STYLE)
                button.setProperty("side", side)
                group.addButton(button)
                grid.addWidget(button, row, column, Qt.AlignmentFlag.AlignTop)
                if side == "local":
                    button.setChecked(True)
                if self.deleted:
                    button.setEnabled(False)
            self.groups[item.field] = group
            row += 1
        grid.setRowStretch(row, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_widget)

        buttons = QDialogButtonBox()
        self.all_local = QPushButton(_("All from this &computer"))
        self.all_remote = QPushButton(_("All from the &service"))
        self.keep_both = QPushButton(_("Keep &both"))
        self.keep_both.setObjectName("keepBothButton")
        self.keep_both.setToolTip(
            _("Keep the service's version, and this computer's as a new contact")
        )
        self.apply = QPushButton(_("&Apply"))
        self.apply.setObjectName("applyButton")
        self.apply.setDefault(True)
        buttons.addButton(self.all_local, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.all_remote, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.keep_both, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.apply, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Cancel"))
        # after addButton, which shows the button again
        if self.deleted:
            self.all_local.setText(_("Keep this &computer's"))
            self.all_remote.setText(_("Keep the &service's"))
            self.apply.hide()
        buttons.rejected.connect(self.reject)
        self.all_local.clicked.connect(lambda: self._choose_all("local"))
        self.all_remote.clicked.connect(lambda: self._choose_all("remote"))
        self.keep_both.clicked.connect(lambda: self._finish("both"))
        self.apply.clicked.connect(lambda: self._finish(None))

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        readable_indicators(self)

    def _intro(self) -> str:
        name = self._record.contact.display_name
        if self.deleted:
            head = self._conflict.fields[0]
            if head.local:
                return _(
                    "{name} was deleted here and changed on the service. Keep the delete, or "
                    "the service's version?"
                ).format(name=name)
            return _(
                "{name} was changed here and deleted on the service. Keep this computer's "
                "version (sent as a new contact), or let it go?"
            ).format(name=name)
        return _(
            "{name} was changed here and on the service since the last sync. For each "
            "field, choose the value to keep (changed values are highlighted)."
        ).format(name=name)

    def choices(self) -> dict[str, str]:
        """field → 'local' or 'remote', as chosen."""
        chosen: dict[str, str] = {}
        for name, group in self.groups.items():
            button = group.checkedButton()
            chosen[name] = str(button.property("side")) if button is not None else "local"
        return chosen

    def choose(self, field: str, side: str) -> None:
        """Pick a side for one field (as a click would)."""
        for button in self.groups[field].buttons():
            if button.property("side") == side:
                button.setChecked(True)

    def _choose_all(self, side: str) -> None:
        if self.deleted:
            self._finish(side)
            return
        for name in self.groups:
            self.choose(name, side)

    def _finish(self, keep: str | None) -> None:
        from addressbook.sync.resolve import resolve

        try:
            if keep is None:
                self.result_text = apply_choices(
                    self._window, self._record, self._conflict, self.choices()
                )
            else:
                resolve(self._window.store, self._record.id, keep)
                self.result_text = settled_text(
                    self._record, {"": "remote" if keep == "remote" else "local"}
                )
        except AddressbookError as error:
            QMessageBox.warning(self, _("Cannot resolve"), str(error))
            return
        self._window.show_status(self.result_text)
        self._window.refresh()
        self.accept()
