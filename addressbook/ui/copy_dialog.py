"""Copy to account…: contacts (local or of another account) become new contacts there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from addressbook.errors import AddressbookError
from addressbook.i18n import _, ngettext
from addressbook.rules import check_new
from addressbook.store import Record
from addressbook.ui.icons import service_icon
from addressbook.ui.jobs import describe_error

if TYPE_CHECKING:
    from addressbook.ui.context import WindowContext


class CopyToAccountDialog(QDialog):
    """Choose the account (and the client where the service needs one)."""

    def __init__(self, window: WindowContext, records: Sequence[Record] | Record) -> None:
        super().__init__(window.dialog_parent())
        self.records = [records] if isinstance(records, Record) else list(records)
        self.setObjectName("copyDialog")
        first = self.records[0].contact.display_name
        self.setWindowTitle(
            _("Copy {name} to an account").format(name=first)
            if len(self.records) == 1
            else ngettext(
                "Copy {n} contact to an account",
                "Copy {n} contacts to an account",
                len(self.records),
            ).format(n=len(self.records))
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._window = window
        self._open = True  # False once closed: a late answer from a worker is dropped
        self.finished.connect(self._closed)
        self._record = self.records[0]
        sources = {r.account for r in self.records}
        self.account = QComboBox()
        self.account.setAccessibleName(_("Account"))
        for name, config in window.accounts.items():
            if sources != {name}:
                self.account.addItem(service_icon(config.service), window.account_label(name), name)
        self.client = QComboBox()
        self.client.setAccessibleName(_("Client"))
        self.client_label = QLabel(_("C&lient"))
        self.client_label.setBuddy(self.client)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        account_label = QLabel(_("&Account"))
        account_label.setBuddy(self.account)
        form.addRow(account_label, self.account)
        form.addRow(self.client_label, self.client)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Copy"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.account.currentIndexChanged.connect(lambda _i: self._account_changed())
        self._account_changed()

    def _closed(self, _result: int) -> None:
        self._open = False

    def _needs_client(self, name: str) -> bool:
        service = self._window.checker.service(name)
        return bool(service and service.rules.client_field)

    def _account_changed(self) -> None:
        name = self.account.currentData()
        needs = bool(name) and self._needs_client(name)
        self.client.setVisible(needs)
        self.client_label.setVisible(needs)
        self.client.clear()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not needs)
        self.note.setText(_("The copy is sent to the service at the next Push."))
        if needs:
            cached = self._window.checker.clients(name)
            if cached is not None:
                self._clients_loaded(name, cached)
                return
            self.note.setText(_("Loading the account's clients…"))
            config = self._window.accounts[name]

            def work() -> list[Any]:
                from addressbook.sync.jobs import open_connector

                with open_connector(config) as connector:
                    return [client.name for client in connector.clients()]

            self._window.tasks.run(
                work, lambda clients: self._clients_loaded(name, clients), self._clients_failed
            )

    def _clients_loaded(self, name: str, clients: list[str]) -> None:
        if not self._open or self.account.currentData() != name:
            return  # the user chose another account meanwhile
        self.client.addItems(clients)
        wanted = self._record.contact.organization.casefold()
        for index, client in enumerate(clients):
            if client.casefold() == wanted:
                self.client.setCurrentIndex(index)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(clients))
        self.note.setText(
            _("The copy belongs to the client chosen here; it is sent at the next Push.")
            if clients
            else _("This account has no clients yet: create one on the service first.")
        )

    def _clients_failed(self, error: BaseException) -> None:
        if not self._open:
            return
        self.note.setText(describe_error(str(self.account.currentData()), error)[0])

    def copy(self) -> None:
        """Create the copies in the chosen account (pending creates), checked by rules.py."""
        name = self.account.currentData()
        if not name:
            return
        service = self._window.checker.service(name)
        clients = [self.client.itemText(i) for i in range(self.client.count())] or None
        copies = []
        for record in self.records:
            if record.account == name:
                continue
            contact = replace(record.contact, status="active")
            if self.client.isVisible() and self.client.currentText():
                contact = replace(contact, organization=self.client.currentText())
            problems = check_new(contact, service, clients)
            if problems:
                self.note.setText(
                    _("{name}: {reason}").format(
                        name=contact.display_name, reason=problems[0].sentence
                    )
                )
                return
            copies.append(contact)
        try:
            with self._window.store.transaction():
                new_ids = [self._window.store.create(c, name) for c in copies]
                originals = [r.id for r in self.records if r.account != name]
                for original, copy_id in zip(originals, new_ids, strict=True):
                    self._window.store.join([original, copy_id])  # one person (people_dialog.py)
        except AddressbookError as error:
            self.note.setText(str(error))
            return
        self._window.refresh()
        self._window.show_status(
            ngettext(
                "Copied {n} contact to {account}; press Push to send it.",
                "Copied {n} contacts to {account}; press Push to send them.",
                len(new_ids),
            ).format(n=len(new_ids), account=name)
        )
        if new_ids:
            self._window.select_contact(new_ids[0])
        self.accept()
