"""Copy to account…: a contact (local or of another account) becomes a new contact there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from addressbook.errors import AddressbookError
from addressbook.store import Record
from addressbook.ui.icons import service_icon
from addressbook.ui.jobs import describe_error

if TYPE_CHECKING:
    from addressbook.ui.main_window import MainWindow


class CopyToAccountDialog(QDialog):
    """Choose the account (and the client where the service needs one)."""

    def __init__(self, window: MainWindow, record: Record) -> None:
        super().__init__(window)
        self.setObjectName("copyDialog")
        self.setWindowTitle(f"Copy {record.contact.display_name} to an account")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._window = window
        self._record = record
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        for name, config in window.accounts.items():
            if name != record.account:
                self.account.addItem(service_icon(config.service), window.account_label(name), name)
        self.client = QComboBox()
        self.client.setAccessibleName("Client")
        self.client_label = QLabel("&Client")
        self.client_label.setBuddy(self.client)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Account", self.account)
        form.addRow(self.client_label, self.client)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Copy")
        self.buttons.accepted.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.account.currentIndexChanged.connect(lambda _i: self._account_changed())
        self._account_changed()

    def _needs_client(self, name: str) -> bool:
        from addressbook.connectors import connector_class

        try:
            return bool(connector_class(self._window.accounts[name].service).needs_client)
        except (ImportError, AddressbookError, KeyError):
            return False

    def _account_changed(self) -> None:
        name = self.account.currentData()
        needs = bool(name) and self._needs_client(name)
        self.client.setVisible(needs)
        self.client_label.setVisible(needs)
        self.client.clear()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not needs)
        self.note.setText("The copy is sent to the service at the next Push.")
        if needs:
            self.note.setText("Loading the account's clients…")
            config = self._window.accounts[name]

            def work() -> list[Any]:
                from addressbook.sync.jobs import open_connector

                with open_connector(config) as connector:
                    return connector.clients()

            self._window.tasks.run(
                work, lambda clients: self._clients_loaded(name, clients), self._clients_failed
            )

    def _clients_loaded(self, name: str, clients: list[Any]) -> None:
        if self.account.currentData() != name:
            return  # the user chose another account meanwhile
        for client in clients:
            self.client.addItem(client.name, client.id)
        wanted = self._record.contact.organization.casefold()
        for index, client in enumerate(clients):
            if client.name.casefold() == wanted:
                self.client.setCurrentIndex(index)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(clients))
        self.note.setText(
            "The copy belongs to the client chosen here; it is sent at the next Push."
            if clients
            else "This account has no clients yet: create one on the service first."
        )

    def _clients_failed(self, error: BaseException) -> None:
        self.note.setText(describe_error(str(self.account.currentData()), error)[0])

    def copy(self) -> None:
        """Create the copy in the chosen account (pending create)."""
        name = self.account.currentData()
        if not name:
            return
        contact = self._record.contact.copy()
        contact.status = "active"
        if self.client.isVisible() and self.client.currentText():
            contact.organization = self.client.currentText()
        try:
            new_id = self._window.store.create(contact, name)
        except AddressbookError as error:
            self.note.setText(str(error))
            return
        self._window.refresh()
        self._window.statusBar().showMessage(f"Copied to {name}; press Push to send it.", 10000)
        self._window.select_contact(new_id)
        self.accept()
