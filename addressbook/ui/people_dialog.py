"""People in the window: the People dialog (suggestions: Join, Not the same), Split in a
person's detail, editing a person everywhere, and their undo (Ctrl+Z).

`install_people(window)` wires it all into the main window in one call: `actionPeople` in the
Edit menu, the detail view's person mode (in "All contacts" a person's records show
together), the Split bar of the detail pane. Join and split are operations that return
their undo (`join`, `split`); each is pushed on the window's undo stack when it has one.
`edit_person` is what the window's save calls for a contact of a person: one patch,
fanned out to every record (addressbook.people.edit_person).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from addressbook.errors import AddressbookError
from addressbook.i18n import _, ngettext
from addressbook.model import FieldEdit, Patch
from addressbook.people import Suggestion, reason_text, suggestions
from addressbook.people import edit_person as fan_out_edit
from addressbook.store import ALL, Record, Store
from addressbook.store.people import Membership
from addressbook.ui.colours import readable_indicators

if TYPE_CHECKING:
    from addressbook.ui.main_window import MainWindow

IDS_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Done:
    """What a people operation did, in words, and how to take it back."""

    text: str  # translated: 'the join of Ada Lovelace'
    undo: Callable[[], None]
    kind: str  # 'join' | 'split' | 'dismiss' | 'edit'
    person: int | None = None


# -- operations (no widgets) ----------------------------------------------------------


def join(store: Store, ids: Sequence[int]) -> Done:
    """Join records into one person; its undo puts every touched record back as it was."""
    result = store.join(ids)
    name = _first_name(store, result.person)
    return Done(
        _("Join of {name}").format(name=name),
        lambda: store.restore_membership(result.before),
        "join",
        result.person,
    )


def split(store: Store, person: int) -> Done:
    """Split a person into its records; its undo joins them again (the same person id)."""
    name = _first_name(store, person)
    before = store.split(person)
    return Done(
        _("Split of {name}").format(name=name),
        lambda: store.restore_membership(before),
        "split",
        person,
    )


def dismiss(store: Store, ids: Sequence[int]) -> Done:
    """Say records are not the same person; its undo forgets that."""
    store.dismiss(ids)
    return Done(_("Not the same"), lambda: store.undismiss(ids), "dismiss")


def _first_name(store: Store, person: int) -> str:
    rows = store.rows(store.person_ids(person)[:1])
    return rows[0].display_name if rows else _("(no name)")


def edit_person(window: MainWindow, contact_id: int, patch: Patch) -> bool:
    """Save an edit of a person's record to every record of the person (one patch, fanned
    out, each record checked by its own service's rules); undoable as one. False: nothing
    was saved and the form stays open."""
    store = window.store
    person = store.person_of(contact_id)
    shown = list(window.detail.view.shown_records) or store.records([contact_id])
    if person is None or not any(r.id == contact_id for r in shown):
        shown = store.person_records(person) if person is not None else shown
    edited = next((r for r in shown if r.id == contact_id), None)
    opened = window.editor.opened()
    if edited is None:
        edited = store.get(contact_id)
        if edited is None:
            return False
    edited = Record(**{**vars(edited), "contact": opened})
    records = [edited if r.id == contact_id else r for r in shown]
    try:
        result = fan_out_edit(store, records, edited, patch)
    except AddressbookError as error:
        window.message_bar.show_message(str(error), "warning")
        return False
    done = [(o.record.id, o.patch) for o in result.outcomes if o.result and o.result.applied]

    def undo() -> None:
        for record_id, applied in done:
            inverse = Patch(tuple(FieldEdit(e.field, e.after, e.before) for e in applied.edits))
            store.apply_patch(record_id, inverse, moved="keep")

    name = patch.apply(opened).display_name
    _push(window, Done(_("Edit of {name}").format(name=name), undo, "edit", person))
    refused = result.refused
    if refused:
        first = refused[0]
        window.message_bar.show_message(
            _("{account}: {reason}").format(
                account=window.account_label(first.record.account), reason=first.refused[0]
            ),
            "warning",
        )
    return True


# -- the window -----------------------------------------------------------------------


def _push(window: Any, done: Done) -> None:
    """Put an operation on the window's undo stack (if the window has one)."""
    stack = getattr(window, "undo_stack", None)
    if stack is None:
        return
    from addressbook.ui.undo import UndoOperation

    def undo() -> None:
        done.undo()
        window.refresh()

    stack.push(UndoOperation(done.text, undo, done.kind))


class _WindowPeople:
    """The detail view's questions about people, answered from the window."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def person_records(self, record: Record) -> list[Record] | None:
        window = self._window
        if record.person is None or window.model.account is not ALL:
            return None  # one account chosen: its records only
        return window.store.person_records(record.person)

    def account_label(self, account: str | None) -> str:
        return self._window.account_label(account)

    def service_of(self, account: str | None) -> str:
        config = self._window.accounts.get(account or "")
        return config.service if config is not None else ""


class PersonBar(QFrame):
    """Above a person's detail: what it is, and Split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.text = QLabel(_("These records are one person: an edit changes each of them."))
        self.text.setWordWrap(True)
        self.split_button = QPushButton(_("&Split"))
        self.split_button.setObjectName("splitButton")
        self.split_button.setToolTip(_("Make the records separate contacts again"))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.split_button)
        self.hide()


def install_people(window: MainWindow) -> None:
    """Wire people into the window (called once from its constructor)."""
    view = window.detail.view
    view.people = _WindowPeople(window)
    bar = PersonBar()
    layout = window.detail.view_page.layout()
    if layout is not None:
        layout.insertWidget(0, bar)  # type: ignore[attr-defined]
    window.person_bar = bar  # type: ignore[attr-defined]
    view.person_shown.connect(lambda person: bar.setVisible(person is not None))
    bar.split_button.clicked.connect(lambda: split_shown(window))
    window.model.account_labels = _Labels(window)  # type: ignore[assignment]

    action = QAction(_("&People…"), window)
    action.setObjectName("actionPeople")
    action.setToolTip(_("Records of several accounts that are probably one person"))
    action.setStatusTip(action.toolTip())
    action.triggered.connect(lambda: open_people(window))
    window.addAction(action)
    window.action_people = action  # type: ignore[attr-defined]
    menu = getattr(window, "edit_menu", None)
    if menu is not None:
        menu.addSeparator()
        menu.addAction(action)


class _Labels(dict[str, str]):
    """account → 'Name (Service)', asked of the window each time (accounts change)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self._window = window

    def get(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        return self._window.account_label(key) if key else default


def split_shown(window: MainWindow) -> None:
    """Split the person shown in the detail (undoable)."""
    person = window.detail.view.shown_person
    if person is None:
        return
    shown = window._shown_id
    try:
        done = split(window.store, person)
    except AddressbookError as error:
        window.message_bar.show_message(str(error), "warning")
        return
    _push(window, done)
    window.refresh()
    if shown is not None:
        window.select_contact(shown)
    window.show_status(_("Split: the records are separate contacts again."), 5000)


def open_people(window: MainWindow) -> PeopleDialog:
    """Show the People dialog (suggestions)."""
    dialog = PeopleDialog(window)
    dialog.open()
    return dialog


class PeopleDialog(QDialog):
    """Suggested people with their reasons: Join, or Not the same."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.setObjectName("peopleDialog")
        self.setWindowTitle(_("People"))
        self.resize(760, 500)
        intro = QLabel(
            _(
                "These records of different accounts look like one person. Join them to see "
                "and edit them once; nothing is joined until you say so."
            )
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("suggestionList")
        self.list.setAccessibleName(_("Suggested people"))
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.empty = QLabel(_("No suggestions: every likely person is joined or dismissed."))
        self.empty.setObjectName("noSuggestions")
        self.empty.setWordWrap(True)
        self.join_button = QPushButton(_("&Join"))
        self.join_button.setObjectName("joinButton")
        self.dismiss_button = QPushButton(_("&Not the Same"))
        self.dismiss_button.setObjectName("dismissButton")
        self.join_button.clicked.connect(self.join_selected)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.join_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(row)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.list.itemDoubleClicked.connect(lambda _item: self.join_selected())
        self.reload()

    def reload(self) -> None:
        """Read the suggestions again."""
        store = self._window.store
        self.list.clear()
        for suggestion in suggestions(store):
            self.list.addItem(self._item(store, suggestion))
        if self.list.count():
            self.list.setCurrentRow(0)
        self.empty.setVisible(self.list.count() == 0)
        self._update_buttons()

    def _item(self, store: Store, suggestion: Suggestion) -> QListWidgetItem:
        window = self._window
        rows = store.rows(suggestion.ids)
        if len({row.display_name for row in rows}) == 1:  # one name: say it once
            names = _("{name}, in {accounts}").format(
                name=rows[0].display_name or _("(no name)"),
                accounts=", ".join(window.account_label(row.account) for row in rows),
            )
        else:
            names = "  ·  ".join(
                _("{name} ({account})").format(
                    name=row.display_name or _("(no name)"),
                    account=window.account_label(row.account),
                )
                for row in rows
            )
        reasons = ", ".join(reason_text(r) for r in suggestion.reasons)
        item = QListWidgetItem(f"{names}\n{reasons}")
        item.setData(IDS_ROLE, list(suggestion.ids))
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{names}; {reasons}")
        return item

    def _update_buttons(self) -> None:
        chosen = self.list.currentItem() is not None
        self.join_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def selected_ids(self) -> list[int]:
        item = self.list.currentItem()
        return list(item.data(IDS_ROLE)) if item is not None else []

    def join_selected(self) -> None:
        """Join the chosen suggestion (undoable in the window)."""
        self._do(join)

    def dismiss_selected(self) -> None:
        """Never suggest the chosen records together again (undoable in the window)."""
        self._do(dismiss)

    def _do(self, operation: Callable[[Store, Sequence[int]], Done]) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        row = self.list.currentRow()
        try:
            done = operation(self._window.store, ids)
        except AddressbookError as error:
            self._window.message_bar.show_message(str(error), "warning")
            self.reload()
            return
        _push(self._window, done)
        self._window.refresh()
        self._window.show_status(done.text, 5000)
        self.reload()
        if self.list.count():
            self.list.setCurrentRow(min(row, self.list.count() - 1))


# -- deleting a person ------------------------------------------------------------------


@dataclass(frozen=True)
class DeleteChoice:
    """What a delete of the selected rows means, once the person was asked."""

    records: list[Record]  # every record to delete
    name: str | None = None  # the person's name when the rows were one person
    before: Membership | None = None  # the people of every record touched (the undo)


def _person_rows(window: MainWindow, records: Sequence[Record]) -> dict[int, list[Record]]:
    """person → its shown records, for each selected row that stands for a person."""
    people: dict[int, list[Record]] = {}
    model = window.model
    for record in records:
        row = model.row_of(record.id)
        person = model.person_at(row) if row is not None else None
        if person is not None and person not in people:
            members = window.store.person_records(person)
            if len(members) > 1:
                people[person] = members
    return people


def choose_delete(window: MainWindow, records: list[Record]) -> DeleteChoice | None:
    """The records a delete of these rows means. A row of a person (one row for several
    records) asks: from every account, or from one; None: the person cancelled."""
    people = _person_rows(window, records)
    store = window.store
    persons = {r.person for r in records if r.person is not None} | set(people)
    before: Membership = {
        contact_id: person
        for person in sorted(persons)
        for contact_id in store.person_ids(person, shown_only=False)
    }
    if not people:
        return DeleteChoice(records, None, before or None)
    everyone = {m.id for members in people.values() for m in members}
    if len(records) == 1 and len(people) == 1:
        members = next(iter(people.values()))
        dialog = DeletePersonDialog(window, members)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return DeleteChoice(dialog.chosen(), dialog.name, before)
        finally:
            dialog.deleteLater()  # one question per Delete, not one more child each time
    # several rows, some of them people: every record of each person goes, once asked
    names = [members[0].contact.display_name or _("(no name)") for members in people.values()]
    box = QMessageBox(window.dialog_parent())
    box.setObjectName("deletePeopleQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Delete"))
    count = len({r.id for r in records} | everyone)
    box.setText(
        ngettext(
            "Delete {n} contact from every account that has it?",
            "Delete {n} contacts from every account that has them?",
            count,
        ).format(n=count)
    )
    box.setInformativeText(
        ngettext(
            "{names} is one person with records in several accounts: each record goes.",
            "{names} are people with records in several accounts: each record goes.",
            len(names),
        ).format(names=", ".join(names))
    )
    delete = box.addButton(_("&Delete Everywhere"), QMessageBox.ButtonRole.DestructiveRole)
    delete.setObjectName("deleteEverywhere")
    cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    confirmed = box.clickedButton() is delete
    box.deleteLater()
    if not confirmed:
        return None
    seen = {r.id for r in records}
    extra = [m for members in people.values() for m in members if m.id not in seen]
    return DeleteChoice([*records, *extra], None, before)


def restore_people(store: Store, before: Membership | None, new_ids: dict[int, int]) -> None:
    """After an undone delete: the records are in their people again (a record made again
    has a new id: `new_ids` maps the old to it)."""
    if not before:
        return
    store.restore_membership({new_ids.get(c, c): p for c, p in before.items()})


class DeletePersonDialog(QDialog):
    """Delete a person of several records: from every account, or from one of them."""

    def __init__(self, window: MainWindow, records: Sequence[Record]) -> None:
        super().__init__(window.dialog_parent())
        self.setObjectName("deletePersonDialog")
        self.setWindowTitle(_("Delete"))
        self.setMinimumWidth(520)  # the accounts' names on few lines, each choice on one
        self.records = list(records)
        self.name = records[0].contact.display_name or _("(no name)")
        accounts = ", ".join(window.account_label(r.account) for r in records)
        text = QLabel(
            _("{name} is one person with records in {accounts}. Delete it from:").format(
                name=self.name, accounts=accounts
            )
        )
        text.setObjectName("deletePersonText")
        text.setWordWrap(True)
        self.everywhere = QRadioButton(
            ngettext(
                "&All {n} account (every record)", "&All {n} accounts (every record)", len(records)
            ).format(n=len(records))
        )
        self.everywhere.setObjectName("deleteEverywhere")
        self.everywhere.setChecked(True)
        self.only: list[QRadioButton] = []
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.everywhere)
        for record in records:
            account = window.account_label(record.account)
            own = record.contact.display_name or _("(no name)")
            button = QRadioButton(
                _("Only {account}").format(account=account)
                if own == self.name
                else _("Only {account} (its record “{name}”)").format(account=account, name=own)
            )
            button.setObjectName("deleteOnly")
            button.setProperty("contact_id", record.id)
            self.only.append(button)
            layout.addWidget(button)
        note = QLabel(_("Ctrl+Z brings back whatever is deleted."))
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.delete_button = buttons.addButton(_("&Delete"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.delete_button.setObjectName("deleteButton")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        readable_indicators(self)
        self.everywhere.setFocus()

    def chosen(self) -> list[Record]:
        """The records the choice deletes."""
        for button, record in zip(self.only, self.records, strict=True):
            if button.isChecked():
                return [record]
        return list(self.records)


# -- the demo -------------------------------------------------------------------------

# Set by tests/people/screenshots.py: a folder for the people screenshots (then quit).
PEOPLE_SHOTS_ENV = "ADDRESSBOOK_PEOPLE_SCREENSHOTS"


def offer_suggestions(window: MainWindow) -> PeopleDialog | None:
    """After the demo's first sync: show the People dialog once, if there are suggestions."""
    if getattr(window, "_people_offered", False):
        return None
    window._people_offered = True  # type: ignore[attr-defined]
    if not suggestions(window.store):
        return None
    dialog = open_people(window)
    folder = os.environ.get(PEOPLE_SHOTS_ENV)
    if folder:
        _PeopleTour(window, dialog, Path(folder)).start()
    return dialog


def join_suggested(window: MainWindow) -> int:
    """Join every suggestion (the screenshots: the demo's people as a user would join them)."""
    store = window.store
    joined = store.join_many([s.ids for s in suggestions(store)])
    window.refresh()
    return len(joined)


class _PeopleTour:
    """Screenshots of the People dialog, the grouped list and a person's detail."""

    def __init__(self, window: MainWindow, dialog: PeopleDialog, folder: Path) -> None:
        self.window, self.dialog, self.folder = window, dialog, folder
        folder.mkdir(parents=True, exist_ok=True)

    def _later(self, *steps: Callable[[], object]) -> None:
        from PySide6.QtCore import QTimer

        def run() -> None:
            steps[0]()
            if len(steps) > 1:
                self._later(*steps[1:])

        QTimer.singleShot(500, run)

    def _save(self, widget: QWidget, name: str) -> None:
        widget.grab().save(str(self.folder / f"{name}.png"))

    def start(self) -> None:
        self._later(
            lambda: self._save(self.dialog, "people-dialog"),
            self._join_all,
            lambda: self._save(self.window, "people-list"),
            self._show_person,
            lambda: self._save(self.window, "person-detail"),
            self._quit,
        )

    def _join_all(self) -> None:
        join_suggested(self.window)
        self.dialog.close()
        self.window.list_view.setFocus()

    def _show_person(self) -> None:
        model = self.window.model
        for row in range(model.rowCount()):
            contact_id = model.id_at(row)
            if model.person_at(row) is not None and contact_id is not None:
                self.window.select_contact(contact_id)
                return

    def _quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.instance().quit()  # type: ignore[union-attr]
