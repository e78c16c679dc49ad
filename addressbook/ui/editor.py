"""The contact form: names, typed emails/phones/addresses/web pages with add/remove rows, notes.

The form checks nothing itself: every problem comes from `addressbook.rules` (through the
`check` function the window gives it), shown as one types beside the field it concerns,
and Save stays disabled until they are fixed. On Save the window turns the form into a
`Patch` of the fields the user changed (`Patch.between(opened, form)`), so fields the
form does not show survive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
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

from addressbook.i18n import _
from addressbook.kinds import kind_word
from addressbook.model import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    URL_KINDS,
    Address,
    Contact,
    Email,
    Patch,
    Phone,
    Url,
)
from addressbook.ui.colours import problem_colour
from addressbook.ui.icons import icon

if TYPE_CHECKING:
    from addressbook.rules import Problem

# (contact as the form has it, the patch from what was opened) → the problems
CheckFunction = Callable[[Contact, Patch], "Sequence[Problem]"]


def _kind_combo(kinds: tuple[str, ...], current: str, name: str) -> QComboBox:
    combo = QComboBox()
    for kind in kinds:
        combo.addItem(kind_word(kind), kind)  # the words of addressbook/kinds.py
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.setAccessibleName(name)
    return combo


def _remove_button(what: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon("cancel"))
    button.setToolTip(what)
    button.setAccessibleName(what)
    button.setAutoRaise(True)
    return button


class WrappedLabel(QLabel):
    """A word-wrapped label as tall as its lines at the width it has (a form row).

    QLabel's own size hint wraps at a narrow guess, so a one-line sentence would get
    the height of four; this one asks for the height its text takes at its width.
    """

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        width = self.width() if self.width() > 80 else 420
        return QSize(hint.width(), self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.heightForWidth(self.width()) != self.height():
            self.updateGeometry()


class _EntryRow(QWidget):
    """One email, phone, address or web-page row; `changed` fires on every edit."""

    changed = Signal()
    remove_requested = Signal(QWidget)

    def focusables(self) -> list[QWidget]:
        """The row's fields in Tab order."""
        return []

    def value(self) -> object:
        raise NotImplementedError


class EmailRow(_EntryRow):
    """kind + address + remove."""

    def __init__(self, email: Email) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.kind = _kind_combo(EMAIL_KINDS, email.kind, _("Email kind"))
        self.address = QLineEdit(email.address)
        self.address.setPlaceholderText("name@example.com")
        self.address.setAccessibleName(_("Email address"))
        self.address.setAccessibleDescription(_("An email address of the contact"))
        self._mark = QAction(icon("warning"), "", self.address)
        self._marked = False
        self.remove = _remove_button(_("Remove this email"))
        layout.addWidget(self.kind)
        layout.addWidget(self.address, 1)
        layout.addWidget(self.remove)
        self.kind.currentIndexChanged.connect(self.changed)
        self.address.textChanged.connect(self.changed)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def focusables(self) -> list[QWidget]:
        return [self.kind, self.address, self.remove]

    def value(self) -> Email:
        return Email(address=self.address.text(), kind=str(self.kind.currentData()))

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
        self.address.setAccessibleDescription(problem or _("An email address of the contact"))


class PhoneRow(_EntryRow):
    """kind + number + remove."""

    def __init__(self, phone: Phone) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.kind = _kind_combo(PHONE_KINDS, phone.kind, _("Phone kind"))
        self.number = QLineEdit(phone.number)
        self.number.setPlaceholderText("+44 20 7946 0018")
        self.number.setAccessibleName(_("Phone number"))
        self.remove = _remove_button(_("Remove this phone"))
        layout.addWidget(self.kind)
        layout.addWidget(self.number, 1)
        layout.addWidget(self.remove)
        self.kind.currentIndexChanged.connect(self.changed)
        self.number.textChanged.connect(self.changed)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def focusables(self) -> list[QWidget]:
        return [self.kind, self.number, self.remove]

    def value(self) -> Phone:
        return Phone(number=self.number.text(), kind=str(self.kind.currentData()))


class UrlRow(_EntryRow):
    """kind + web address + remove."""

    def __init__(self, url: Url) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.kind = _kind_combo(URL_KINDS, url.kind, _("Web page kind"))
        self.url = QLineEdit(url.url)
        self.url.setPlaceholderText("https://example.com")
        self.url.setAccessibleName(_("Web address"))
        self.remove = _remove_button(_("Remove this web page"))
        layout.addWidget(self.kind)
        layout.addWidget(self.url, 1)
        layout.addWidget(self.remove)
        self.kind.currentIndexChanged.connect(self.changed)
        self.url.textChanged.connect(self.changed)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def focusables(self) -> list[QWidget]:
        return [self.kind, self.url, self.remove]

    def value(self) -> Url:
        return Url(url=self.url.text(), kind=str(self.kind.currentData()))


class AddressRow(_EntryRow):
    """kind, street lines, city, region, postcode, country + remove."""

    def __init__(self, address: Address) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 6)
        self.kind = _kind_combo(ADDRESS_KINDS, address.kind, _("Address kind"))
        self.lines = QPlainTextEdit("\n".join(address.lines))
        self.lines.setPlaceholderText(_("Street (one line per line)"))
        self.lines.setAccessibleName(_("Street lines"))
        self.lines.setTabChangesFocus(True)
        self.lines.setFixedHeight(self.lines.fontMetrics().height() * 3 + 12)
        self.city = self._field(address.city, _("City"))
        self.region = self._field(address.region, _("Region"))
        self.postcode = self._field(address.postcode, _("Postcode"))
        self.country = self._field(address.country, _("Country"))
        self.remove = _remove_button(_("Remove this address"))
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.lines, 0, 1, 1, 2)
        grid.addWidget(self.remove, 0, 3, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.city, 1, 1)
        grid.addWidget(self.region, 1, 2)
        grid.addWidget(self.postcode, 2, 1)
        grid.addWidget(self.country, 2, 2)
        self.kind.currentIndexChanged.connect(self.changed)
        self.lines.textChanged.connect(self.changed)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def _field(self, text: str, name: str) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setPlaceholderText(name)
        edit.setAccessibleName(name)
        edit.textChanged.connect(self.changed)
        return edit

    def focusables(self) -> list[QWidget]:
        return [
            self.kind,
            self.lines,
            self.city,
            self.region,
            self.postcode,
            self.country,
            self.remove,
        ]

    def value(self) -> Address:
        return Address(
            kind=str(self.kind.currentData()),
            lines=self.lines.toPlainText().split("\n"),
            city=self.city.text(),
            region=self.region.text(),
            postcode=self.postcode.text(),
            country=self.country.text(),
        )


class EntryList(QWidget):
    """A column of rows of one kind with an 'Add …' button under them."""

    changed = Signal()
    rows_changed = Signal()  # a row came or went (the Tab order is set again)

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

    def set_values(self, values: Sequence[object]) -> None:
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
        self.rows_changed.emit()
        self.changed.emit()
        return row

    def focusables(self) -> list[QWidget]:
        widgets: list[QWidget] = []
        for row in self._rows:
            widgets += row.focusables()
        return [*widgets, self.add_button]

    def first_field(self) -> QWidget:
        """Where the label's mnemonic (Alt+M for Emails) goes: the first row's field, or Add."""
        return self._rows[0].focusables()[1] if self._rows else self.add_button

    def _add_clicked(self) -> None:
        row = self.add_row()
        fields = row.focusables()
        if len(fields) > 1:
            fields[1].setFocus()

    def _remove(self, row: QWidget) -> None:
        if row in self._rows:
            self._rows.remove(row)  # type: ignore[arg-type]
            row.setParent(None)  # type: ignore[call-overload]
            row.deleteLater()
            self.add_button.setFocus()
            self.rows_changed.emit()
            self.changed.emit()

    def values(self) -> list[object]:
        return [row.value() for row in self._rows]


class ContactEditor(QWidget):
    """The form. `save_requested` carries the edited contact; `cancelled` gives up.

    `escape_pressed` asks the window to ask (Save, Discard, Keep editing) when the form
    holds edits; an open list of suggestions is closed first.
    """

    save_requested = Signal(object)
    cancelled = Signal()
    escape_pressed = Signal()
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactEditor")
        self.setAccessibleName(_("Contact editor"))
        self._original = Contact()
        self._loading = False
        self.check: CheckFunction | None = None
        self.clients: list[str] = []

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.general_problem = self._problem_label("")

        self.display_name = self._line(_("Display name"), _("Shown in the list"))
        self.given_name = self._line(_("Given name"))
        self.family_name = self._line(_("Family name"))
        self.nickname = self._line(_("Nickname"))
        self.organization = self._line(
            _("Organisation"), _("Company (or the client on Harvest/AcuInvoice)")
        )
        self.title = self._line(_("Job title"))
        self.emails = EntryList(
            lambda v: EmailRow(v if isinstance(v, Email) else Email("")), _("Add email")
        )
        self.emails.setAccessibleName(_("Emails"))
        self.phones = EntryList(
            lambda v: PhoneRow(v if isinstance(v, Phone) else Phone("")), _("Add phone")
        )
        self.phones.setAccessibleName(_("Phones"))
        self.addresses = EntryList(
            lambda v: AddressRow(v if isinstance(v, Address) else Address()), _("Add address")
        )
        self.addresses.setAccessibleName(_("Addresses"))
        self.urls = EntryList(
            lambda v: UrlRow(v if isinstance(v, Url) else Url("")), _("Add web page")
        )
        self.urls.setAccessibleName(_("Web pages"))
        self.birthday = self._line(_("Birthday"), _("YYYY-MM-DD, or --MM-DD without a year"))
        self.categories = self._line(_("Categories"), _("Separated by commas"))
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName(_("Notes"))
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.notes.fontMetrics().height() * 5 + 12)
        self.notes.textChanged.connect(self._on_changed)
        self.status = QComboBox()
        self.status.addItem(_("active"), "active")
        self.status.addItem(_("archived"), "archived")
        self.status.setAccessibleName(_("Status"))
        self.status.currentIndexChanged.connect(self._on_changed)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.field_widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.problem_labels: dict[str, QLabel] = {"": self.general_problem}
        for name, label, widget in (
            ("display_name", _("Displa&y name"), self.display_name),
            ("given_name", _("&Given name"), self.given_name),
            ("family_name", _("Fami&ly name"), self.family_name),
            ("nickname", _("Nic&kname"), self.nickname),
            ("organization", _("&Organisation"), self.organization),
            ("title", _("&Job title"), self.title),
            ("emails", _("E&mails"), self.emails),
            ("phones", _("&Phones"), self.phones),
            ("addresses", _("Add&resses"), self.addresses),
            ("urls", _("&Web pages"), self.urls),
            ("birthday", _("&Birthday"), self.birthday),
            ("categories", _("&Categories"), self.categories),
            ("notes", _("&Notes"), self.notes),
            ("status", _("S&tatus"), self.status),
        ):
            buddy = QLabel(label)
            buddy.setBuddy(widget.first_field() if isinstance(widget, EntryList) else widget)
            self.form.addRow(buddy, widget)
            self.labels[name] = buddy
            problem = self._problem_label(name)
            self.form.addRow("", problem)  # under its field; the row shows only with a problem
            self.form.setRowVisible(problem, False)
            self.field_widgets[name] = widget
            self.problem_labels[name] = problem

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.heading)
        body_layout.addWidget(self.general_problem)
        body_layout.addLayout(self.form)
        body_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(body)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("Save"))  # Ctrl+S (below); Alt+V is the View menu
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        save = QAction(self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.triggered.connect(self._save_key)
        self.addAction(save)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setToolTip(_("Close the form without saving (Escape asks first)"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.cancelled)
        escape = QAction(self)
        escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        escape.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.triggered.connect(self._escape)
        self.addAction(escape)

        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.buttons)
        layout.setContentsMargins(6, 6, 6, 6)

        for entries in (self.emails, self.phones, self.addresses, self.urls):
            entries.changed.connect(self._on_changed)
            entries.rows_changed.connect(self.fix_tab_order)

    def _line(self, name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        if placeholder:
            edit.setAccessibleDescription(placeholder)
        edit.textChanged.connect(self._on_changed)
        return edit

    def _problem_label(self, field: str) -> QLabel:
        label = WrappedLabel()
        label.setObjectName(f"problem_{field or 'contact'}")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        policy.setHeightForWidth(True)  # as tall as its lines at the width it gets
        label.setSizePolicy(policy)
        label.hide()
        return label

    # --- loading and reading ----------------------------------------------------------
    def load(self, contact: Contact, heading: str) -> None:
        """Fill the form with a contact; the form is clean afterwards."""
        self._loading = True
        self._original = contact
        self.heading.setText(heading)
        self.display_name.setText(contact.display_name)
        self.given_name.setText(contact.given_name)
        self.family_name.setText(contact.family_name)
        self.nickname.setText(contact.nickname)
        self.organization.setText(contact.organization)
        self.title.setText(contact.title)
        self.emails.set_values(list(contact.emails))
        self.phones.set_values(list(contact.phones))
        self.addresses.set_values(list(contact.addresses))
        self.urls.set_values(list(contact.urls))
        self.birthday.setText(contact.birthday)
        self.categories.setText(", ".join(contact.categories))
        self.notes.setPlainText(contact.notes)
        self.status.setCurrentIndex(1 if contact.status == "archived" else 0)
        self._loading = False
        self.fix_tab_order()
        self._on_changed()
        self.display_name.setFocus()

    def opened(self) -> Contact:
        """The contact as it was when the form was filled."""
        return self._original

    def set_clients(self, names: list[str] | None) -> None:
        """Offer these client names for the organisation (None: the account has no clients)."""
        self.clients = list(names or [])
        if names is None:
            self.organization.setCompleter(None)  # type: ignore[arg-type]
            self.organization.setPlaceholderText(_("Company"))
            self._on_changed()
            return
        completer = QCompleter(names, self.organization)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.organization.setCompleter(completer)
        self.organization.setPlaceholderText(
            _("The client it belongs to (required): start typing to choose")
            if names
            else _("The client it belongs to (required)")
        )
        self._on_changed()

    def contact(self) -> Contact:
        """The contact as the form has it now (normalised); fields the form lacks as opened."""
        original = self._original
        return Contact(
            display_name=self.display_name.text(),
            given_name=self.given_name.text(),
            family_name=self.family_name.text(),
            organization=self.organization.text(),
            title=self.title.text(),
            emails=self.emails.values(),  # type: ignore[arg-type]
            phones=self.phones.values(),  # type: ignore[arg-type]
            addresses=self.addresses.values(),  # type: ignore[arg-type]
            notes=self.notes.toPlainText(),
            status=str(self.status.currentData())
            if original.status in ("active", "archived")
            else original.status,
            nickname=self.nickname.text(),
            birthday=self.birthday.text(),
            urls=self.urls.values(),  # type: ignore[arg-type]
            categories=[c.strip() for c in self.categories.text().split(",")],
            extra=list(original.extra),
        )

    def patch(self) -> Patch:
        """The fields the user changed, each with the value seen when the form opened."""
        return Patch.between(self._original, self.contact())

    def is_dirty(self) -> bool:
        """True when the form differs from what was loaded."""
        return bool(self.patch())

    # --- Tab order: the form's order, top to bottom, then Save and Cancel ----------------
    def focus_chain(self) -> list[QWidget]:
        """The focusable widgets in the order Tab visits them."""
        chain: list[QWidget] = []
        for widget in self.field_widgets.values():
            if isinstance(widget, EntryList):
                chain += widget.focusables()
            else:
                chain.append(widget)
        return [*chain, self.save_button, self.cancel_button]

    def fix_tab_order(self) -> None:
        for name, widget in self.field_widgets.items():
            if isinstance(widget, EntryList) and name in self.labels:
                self.labels[name].setBuddy(widget.first_field())
        chain = self.focus_chain()
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- problems, from addressbook.rules -----------------------------------------------
    def problems(self) -> list[Problem]:
        """Every problem of the form as it is now (none without a check function)."""
        if self.check is None:
            return []
        contact = self.contact()
        return list(self.check(contact, Patch.between(self._original, contact)))

    def show_problems(self, problems: Sequence[Problem], scold: bool = True) -> None:
        """Each problem's sentence beside its field (the whole contact's above the form)."""
        colour = problem_colour(self.palette()).name()
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            field = problem.field if problem.field in self.problem_labels else ""
            by_field.setdefault(field, []).append(problem.sentence)
        for field, label in self.problem_labels.items():
            sentences = by_field.get(field, [])
            label.setStyleSheet(f"color: {colour}")
            label.setText("\n".join(sentences))
            shown = bool(sentences) and scold
            if field:
                self.form.setRowVisible(label, shown)
            label.setVisible(shown)
            widget = self.field_widgets.get(field)
            if widget is not None:
                widget.setAccessibleDescription("\n".join(sentences))
        bad = {p.sentence for p in problems if p.field == "emails"}
        for row in self.emails.rows():
            assert isinstance(row, EmailRow)
            mine = [
                s for s in bad if row.address.text().strip() and row.address.text().strip() in s
            ]
            row.mark(mine[0] if mine and scold else None)

    def problems_found(self) -> list[str]:
        """Every problem's sentence, shown in the form."""
        problems = self.problems()
        self.show_problems(problems)
        return [p.sentence for p in problems]

    def _on_changed(self) -> None:
        if self._loading:
            return
        problems = self.problems()
        # An untouched new form is not scolded; Save just waits for a name.
        self.show_problems(problems, scold=self.is_dirty())
        self.save_button.setEnabled(not problems)
        self.validity_changed.emit(not problems)

    def completer_open(self) -> bool:
        completer = self.organization.completer()
        popup = completer.popup() if completer is not None else None
        return popup is not None and popup.isVisible()

    def _escape(self) -> None:
        if self.completer_open():
            popup = self.organization.completer().popup()
            if popup is not None:
                popup.hide()
            return
        self.escape_pressed.emit()

    def _save_key(self) -> None:
        if self.save_button.isEnabled():
            self._save()

    def _save(self) -> None:
        if self.problems_found():
            return
        self.save_requested.emit(self.contact())
