"""The contact form: names, typed emails/phones/addresses with add/remove rows, notes.

Problems (a malformed email, a missing name) are marked in place on the field, listed
under the form, and Save stays disabled until they are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from addressbook.model import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    Address,
    Contact,
    Email,
    Phone,
)
from addressbook.ui.icons import icon

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def email_problem(address: str) -> str | None:
    """Why an email address is malformed, or None if it looks right."""
    address = address.strip()
    if not address or EMAIL_PATTERN.match(address):
        return None
    return f"“{address}” is not an email address (expected name@example.com)."


def _kind_combo(kinds: tuple[str, ...], current: str, name: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(kinds))
    combo.setCurrentText(current if current in kinds else kinds[0])
    combo.setAccessibleName(name)
    return combo


def _remove_button(what: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon("cancel"))
    button.setToolTip(f"Remove this {what}")
    button.setAccessibleName(f"Remove {what}")
    button.setAutoRaise(True)
    return button


class _EntryRow(QWidget):
    """One email, phone or address row; `changed` fires on every edit."""

    changed = Signal()
    remove_requested = Signal(QWidget)


class EmailRow(_EntryRow):
    """kind + address + remove."""

    def __init__(self, email: Email) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.kind = _kind_combo(EMAIL_KINDS, email.kind, "Email kind")
        self.address = QLineEdit(email.address)
        self.address.setPlaceholderText("name@example.com")
        self.address.setAccessibleName("Email address")
        self._mark = QAction(icon("warning"), "", self.address)
        self._marked = False
        remove = _remove_button("email")
        layout.addWidget(self.kind)
        layout.addWidget(self.address, 1)
        layout.addWidget(remove)
        self.kind.currentTextChanged.connect(self.changed)
        self.address.textChanged.connect(self.changed)
        remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def value(self) -> Email:
        return Email(address=self.address.text(), kind=self.kind.currentText())

    def mark(self, problem: str | None) -> None:
        """Show (or clear) a problem on the address field itself."""
        # A hidden action still shows its icon button in QLineEdit: add and remove it instead.
        if problem is not None and not self._marked:
            self.address.addAction(self._mark, QLineEdit.ActionPosition.TrailingPosition)
        elif problem is None and self._marked:
            self.address.removeAction(self._mark)
        self._marked = problem is not None
        self._mark.setToolTip(problem or "")
        self.address.setToolTip(problem or "")
        self.address.setProperty("invalid", problem is not None)
        self.address.setAccessibleDescription(problem or "")


class PhoneRow(_EntryRow):
    """kind + number + remove."""

    def __init__(self, phone: Phone) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.kind = _kind_combo(PHONE_KINDS, phone.kind, "Phone kind")
        self.number = QLineEdit(phone.number)
        self.number.setPlaceholderText("+44 20 7946 0018")
        self.number.setAccessibleName("Phone number")
        remove = _remove_button("phone")
        layout.addWidget(self.kind)
        layout.addWidget(self.number, 1)
        layout.addWidget(remove)
        self.kind.currentTextChanged.connect(self.changed)
        self.number.textChanged.connect(self.changed)
        remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def value(self) -> Phone:
        return Phone(number=self.number.text(), kind=self.kind.currentText())


class AddressRow(_EntryRow):
    """kind, street lines, city, region, postcode, country + remove."""

    def __init__(self, address: Address) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 6)
        self.kind = _kind_combo(ADDRESS_KINDS, address.kind, "Address kind")
        self.lines = QPlainTextEdit("\n".join(address.lines))
        self.lines.setPlaceholderText("Street (one line per line)")
        self.lines.setAccessibleName("Street lines")
        self.lines.setTabChangesFocus(True)
        self.lines.setFixedHeight(self.lines.fontMetrics().height() * 3 + 12)
        self.city = self._field(address.city, "City")
        self.region = self._field(address.region, "Region")
        self.postcode = self._field(address.postcode, "Postcode")
        self.country = self._field(address.country, "Country")
        remove = _remove_button("address")
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.lines, 0, 1, 1, 2)
        grid.addWidget(remove, 0, 3, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.city, 1, 1)
        grid.addWidget(self.region, 1, 2)
        grid.addWidget(self.postcode, 2, 1)
        grid.addWidget(self.country, 2, 2)
        self.kind.currentTextChanged.connect(self.changed)
        self.lines.textChanged.connect(self.changed)
        remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def _field(self, text: str, name: str) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setPlaceholderText(name)
        edit.setAccessibleName(name)
        edit.textChanged.connect(self.changed)
        return edit

    def value(self) -> Address:
        return Address(
            kind=self.kind.currentText(),
            lines=self.lines.toPlainText().split("\n"),
            city=self.city.text(),
            region=self.region.text(),
            postcode=self.postcode.text(),
            country=self.country.text(),
        )


class EntryList(QWidget):
    """A column of rows of one kind with an 'Add …' button under them."""

    changed = Signal()

    def __init__(self, make_row: Callable[[object | None], _EntryRow], add_text: str) -> None:
        super().__init__()
        self._make_row = make_row
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._rows: list[_EntryRow] = []
        self.add_button = QPushButton(add_text)
        self.add_button.setAccessibleName(add_text)
        self.add_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self._layout.addWidget(self.add_button)
        self.add_button.clicked.connect(self._add_clicked)

    def rows(self) -> list[_EntryRow]:
        return list(self._rows)

    def set_values(self, values: list) -> None:  # type: ignore[type-arg]
        for row in self._rows:
            row.setParent(None)  # type: ignore[call-overload]
            row.deleteLater()
        self._rows = []
        for value in values:
            self.add_row(value)

    def add_row(self, value: object | None = None) -> _EntryRow:
        row = self._make_row(value)
        row.changed.connect(self.changed)
        row.remove_requested.connect(self._remove)
        self._layout.insertWidget(len(self._rows), row)
        self._rows.append(row)
        self.changed.emit()
        return row

    def _add_clicked(self) -> None:
        row = self.add_row()
        first = row.findChild(QLineEdit) or row.findChild(QPlainTextEdit)
        if first is not None:
            first.setFocus()

    def _remove(self, row: QWidget) -> None:
        if row in self._rows:
            self._rows.remove(row)  # type: ignore[arg-type]
            row.setParent(None)  # type: ignore[call-overload]
            row.deleteLater()
            self.add_button.setFocus()
            self.changed.emit()

    def values(self) -> list:  # type: ignore[type-arg]
        return [row.value() for row in self._rows]  # type: ignore[attr-defined]


class ContactEditor(QWidget):
    """The form. `save_requested` carries the edited contact; `cancelled` gives up."""

    save_requested = Signal(object)
    cancelled = Signal()
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactEditor")
        self._original = Contact()
        self._requires_email = False
        self._loading = False
        self.clients: list[str] = []

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)

        self.display_name = self._line("Display name", "Shown in the list")
        self.given_name = self._line("Given name")
        self.family_name = self._line("Family name")
        self.organization = self._line(
            "Organisation", "Company (or the client on Harvest/AcuInvoice)"
        )
        self.title = self._line("Job title")
        self.emails = EntryList(
            lambda v: EmailRow(v if isinstance(v, Email) else Email("")), "Add email"
        )
        self.phones = EntryList(
            lambda v: PhoneRow(v if isinstance(v, Phone) else Phone("")), "Add phone"
        )
        self.addresses = EntryList(
            lambda v: AddressRow(v if isinstance(v, Address) else Address()), "Add address"
        )
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.notes.fontMetrics().height() * 5 + 12)
        self.status = QComboBox()
        self.status.addItems(["active", "archived"])
        self.status.setAccessibleName("Status")
        self.problems = QLabel()
        self.problems.setObjectName("editorProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c5221f")
        self.problems.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Display name", self.display_name)
        form.addRow("&Given name", self.given_name)
        form.addRow("&Family name", self.family_name)
        form.addRow("&Organisation", self.organization)
        form.addRow("&Job title", self.title)
        form.addRow("Emails", self.emails)
        form.addRow("Phones", self.phones)
        form.addRow("Addresses", self.addresses)
        form.addRow("&Notes", self.notes)
        form.addRow("S&tatus", self.status)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.heading)
        body_layout.addLayout(form)
        body_layout.addWidget(self.problems)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.cancelled)
        cancel = QAction(self)
        cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        cancel.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        cancel.triggered.connect(self.cancelled)
        self.addAction(cancel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        layout.setContentsMargins(6, 6, 6, 6)

        for entries in (self.emails, self.phones, self.addresses):
            entries.changed.connect(self._on_changed)
        self.notes.textChanged.connect(self._on_changed)
        self.status.currentTextChanged.connect(self._on_changed)

    def _line(self, name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._on_changed)
        return edit

    # --- loading and reading ----------------------------------------------------------
    def load(self, contact: Contact, heading: str, requires_email: bool = False) -> None:
        """Fill the form with a contact; the form is clean afterwards."""
        self._loading = True
        self._original = contact.normalized()
        self._requires_email = requires_email
        self.heading.setText(heading)
        self.display_name.setText(contact.display_name)
        self.given_name.setText(contact.given_name)
        self.family_name.setText(contact.family_name)
        self.organization.setText(contact.organization)
        self.title.setText(contact.title)
        self.emails.set_values(list(contact.emails))
        self.phones.set_values(list(contact.phones))
        self.addresses.set_values(list(contact.addresses))
        self.notes.setPlainText(contact.notes)
        self.status.setCurrentText(contact.status if contact.status == "archived" else "active")
        self._loading = False
        self._on_changed()
        self.display_name.setFocus()

    def set_clients(self, names: list[str] | None) -> None:
        """Offer these client names for the organisation (None: the account has no clients)."""
        self.clients = list(names or [])
        if names is None:
            self.organization.setCompleter(None)  # type: ignore[arg-type]
            self.organization.setPlaceholderText("Company")
            return
        completer = QCompleter(names, self.organization)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.organization.setCompleter(completer)
        self.organization.setPlaceholderText(
            "The client it belongs to (required): start typing to choose"
            if names
            else "The client it belongs to (required)"
        )

    def contact(self) -> Contact:
        """The contact as the form has it now (normalised)."""
        return Contact(
            display_name=self.display_name.text(),
            given_name=self.given_name.text(),
            family_name=self.family_name.text(),
            organization=self.organization.text(),
            title=self.title.text(),
            emails=self.emails.values(),
            phones=self.phones.values(),
            addresses=self.addresses.values(),
            notes=self.notes.toPlainText(),
            status=self.status.currentText(),
        ).normalized()

    def is_dirty(self) -> bool:
        """True when the form differs from what was loaded."""
        return self.contact() != self._original

    # --- validation -------------------------------------------------------------------
    def problems_found(self) -> list[str]:
        """Every problem in the form, one sentence each (and marked on its field)."""
        found: list[str] = []
        for row in self.emails.rows():
            assert isinstance(row, EmailRow)
            problem = email_problem(row.address.text())
            row.mark(problem)
            if problem:
                found.append(problem)
        contact = self.contact()
        if not contact.display_name:
            found.append("Give the contact a name, an organisation or an email.")
        if self._requires_email and not contact.emails:
            found.append("This service needs an email address for every contact.")
        return found

    def _on_changed(self) -> None:
        if self._loading:
            return
        found = self.problems_found()
        self.problems.setText("\n".join(found))
        # An untouched new form is not scolded; Save just waits for a name.
        self.problems.setVisible(bool(found) and self.is_dirty())
        self.save_button.setEnabled(not found)
        self.validity_changed.emit(not found)

    def _save(self) -> None:
        if self.problems_found():
            return
        self.save_requested.emit(self.contact())
