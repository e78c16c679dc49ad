"""People in the window: the grouped list, a person's detail, the People dialog, Split, undo."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from addressbook.model import Contact, Email, Patch, Phone
from addressbook.store import ALL, FieldConflict, Store
from addressbook.ui.app import window_settings
from addressbook.ui.list_model import ACCOUNTS_ROLE, PERSON_ROLE, STATE_ROLE, ContactListModel
from addressbook.ui.main_window import MainWindow
from addressbook.ui.people_dialog import PeopleDialog, join, open_people, split


@pytest.fixture(autouse=True)
def fail_on_qt_warnings() -> Iterator[None]:
    caught: list[str] = []

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        serious = kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        if serious and not message.startswith("This plugin does not support"):
            caught.append(message)

    previous = qInstallMessageHandler(handler)
    yield
    qInstallMessageHandler(previous)
    assert not caught, caught


def _ada(name: str = "Ada Lovelace", phone: str = "+44 20 7946 0018", **extra: str) -> Contact:
    return Contact(
        display_name=name,
        emails=[Email("ada@analytical.example")],
        phones=[Phone(phone, "work")],
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def book(addressbook_home: Path) -> Iterator[tuple[Store, list[int]]]:
    """Ada in Xero and Harvest (one person after join), Ada on this computer, and Grace."""
    with Store.default() as store:
        x = store.apply_remote("xero-demo", "X1", _ada(title="Countess"), {}, None)
        h = store.apply_remote("harvest-demo", "H1", _ada(phone="+44 20 7946 0099"), {}, None)
        local = store.create(_ada())
        grace = store.create(Contact(display_name="Grace Hopper"))
        yield store, [x, h, local, grace]


@pytest.fixture
def window(qtbot: QtBot, book: tuple[Store, list[int]]) -> Iterator[MainWindow]:
    store, _ids = book
    win = MainWindow(store, window_settings())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.tasks.wait(10000)
    win.close()


def _names(model: ContactListModel) -> list[str]:
    return [model.index(r).data() for r in range(model.rowCount())]


def test_all_contacts_shows_one_row_per_person(
    qtmodeltester: ModelTester, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, grace) = book
    model = ContactListModel(store)
    model.set_filter("", ALL)
    assert model.rowCount() == 4
    store.join([x, h])
    model.refresh()
    qtmodeltester.check(model, force_py=True)
    assert _names(model) == ["Ada Lovelace", "Ada Lovelace", "Grace Hopper"]
    person_row = model.row_of(h)
    assert person_row is not None and model.row_of(x) == person_row  # either record finds it
    index = model.index(person_row)
    assert set(index.data(ACCOUNTS_ROLE)) == {"xero-demo", "harvest-demo"}
    assert index.data(PERSON_ROLE) == store.person_of(x)
    spoken = index.data(Qt.ItemDataRole.AccessibleTextRole)
    assert "xero-demo" in spoken and "harvest-demo" in spoken and "one person" in spoken
    alone = model.index(model.row_of(local))  # type: ignore[arg-type]
    assert "on this computer" in alone.data(Qt.ItemDataRole.AccessibleTextRole)
    model.set_filter("countess", ALL)  # a search that finds one of its records finds the person
    assert model.rowCount() == 1 and model.index(0).data(PERSON_ROLE) is not None
    model.set_filter("", "harvest-demo")  # one account: its records only
    qtmodeltester.check(model, force_py=True)
    assert [model.id_at(r) for r in range(model.rowCount())] == [h]
    assert model.index(0).data(ACCOUNTS_ROLE) == ("harvest-demo",)


def test_a_persons_row_is_marked_by_its_most_urgent_record(
    book: tuple[Store, list[int]],
) -> None:
    """A conflict on any record of a person marks the person's row (the bar says to look for
    the red sign), whichever record the row stands for; then an unsent edit; then nothing."""
    store, (x, h, _local, _grace) = book
    store.join([x, h])
    model = ContactListModel(store)
    model.set_filter("", ALL)
    row = model.row_of(x)
    assert row is not None and model.row_of(h) == row
    shown = model.id_at(row)
    other = h if shown == x else x
    index = model.index(row)
    assert index.data(STATE_ROLE) == "synced"
    seen = store.get(other).contact  # type: ignore[union-attr]
    store.apply_patch(other, Patch.setting(seen, title="Edited"))
    model.refresh()
    assert model.index(row).data(STATE_ROLE) == "modified"
    store.set_conflict(
        other,
        [FieldConflict("title", "", "Edited", "Theirs")],
        Contact(display_name="Ada Lovelace", title="Theirs"),
        {},
        "s2",
    )
    model.refresh()
    assert model.index(row).data(STATE_ROLE) == "conflict"
    assert "conflict" in model.index(row).data(Qt.ItemDataRole.AccessibleTextRole)
    model.set_filter("", store.get(shown).account)  # type: ignore[union-attr]
    assert model.index(0).data(STATE_ROLE) == "synced"  # one account: the record's own


def test_detail_shows_agreeing_fields_once_and_differing_ones_per_account(
    window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, _local, _grace) = book
    join(store, [x, h])
    window.refresh()
    assert window.select_contact(x)
    view = window.detail.view
    assert view.shown_person == store.person_of(x)
    html = view.toHtml()
    text = view.toPlainText()
    assert text.count("ada@analytical.example") == 1  # both hold it: shown once, no badge
    assert "+44 20 7946 0018" in text and "+44 20 7946 0099" in text
    line_x = next(line for line in text.splitlines() if "0018" in line)
    line_h = next(line for line in text.splitlines() if "0099" in line)
    assert "xero-demo" in line_x and "harvest-demo" not in line_x
    assert "harvest-demo" in line_h and "xero-demo" not in line_h
    assert "Countess" in text and "background-color" in html
    assert window.person_bar.isVisibleTo(window)  # type: ignore[attr-defined]
    window.search.setText("grace")  # another contact: a record's own detail, no Split
    window.select_contact(_grace)
    assert view.shown_person is None
    assert not window.person_bar.isVisibleTo(window)  # type: ignore[attr-defined]


def test_one_account_chosen_shows_the_record_alone(
    window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, _local, _grace) = book
    store.join([x, h])
    window.model.set_filter("", "xero-demo")
    window.select_contact(x)
    assert window.detail.view.shown_person is None
    assert "0099" not in window.detail.view.toPlainText()


def test_people_dialog_joins_and_dismisses_and_ctrl_z_undoes(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, _grace) = book
    action = window.findChild(type(window.action_undo), "actionPeople")
    assert action is not None
    action.trigger()
    dialog = window.findChild(PeopleDialog, "peopleDialog")
    assert dialog is not None
    assert dialog.list.count() == 1
    item = dialog.list.item(0)
    assert "same email" in item.text() and "xero-demo" in item.text()
    assert dialog.selected_ids() == [x, h, local]
    qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    person = store.person_of(x)
    assert person is not None and store.person_ids(person) == sorted(
        [x, h, local], key=lambda i: store.person_ids(person).index(i)
    )
    assert window.model.rowCount() == 2  # Ada once, Grace
    assert dialog.list.count() == 0 and dialog.empty.isVisibleTo(dialog)
    dialog.close()
    qtbot.keyClick(window.list_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.person_of(x) is None and window.model.rowCount() == 4
    # Not the same: remembered, and undone by Ctrl+Z too.
    dialog = open_people(window)
    dialog.dismiss_selected()
    assert dialog.list.count() == 0 and len(store.dismissed()) == 3
    dialog.close()
    window.undo()
    assert store.dismissed() == set()


def test_split_from_the_detail_and_undo(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, _local, _grace) = book
    person = join(store, [x, h]).person
    window.refresh()
    window.select_contact(h)
    button = window.findChild(QPushButton, "splitButton")
    assert button is not None and button.isVisibleTo(window)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert store.person_of(x) is None and store.person_of(h) is None
    assert window.model.rowCount() == 4
    window.undo()
    assert store.person_of(x) == store.person_of(h) == person
    assert window.model.rowCount() == 3


def test_split_and_join_operations_return_their_undo(book: tuple[Store, list[int]]) -> None:
    store, (x, h, local, _grace) = book
    first = join(store, [x, h])
    merged = join(store, [h, local])
    merged.undo()
    assert store.person_ids(first.person or 0) != [] and store.person_of(local) is None
    done = split(store, first.person or 0)
    done.undo()
    assert store.person_of(x) == store.person_of(h) == first.person


def test_editing_a_person_edits_every_record_and_undoes_as_one(
    window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, _grace) = book
    join(store, [x, h])
    window.refresh()
    window.select_contact(x)
    window.edit_contact()
    editor = window.editor
    wanted = replace(
        editor.opened(),
        title="Programmer",
        phones=[*editor.opened().phones, Phone("+44 7700 900123", "mobile")],
    )
    assert window.save_edit(wanted)
    for record_id in (x, h):
        record = store.get(record_id)
        assert record is not None and record.contact.title == "Programmer"
        assert "+44 7700 900123" in [p.number for p in record.contact.phones]
        assert record.state == "modified"
    harvest = store.get(h)
    assert harvest is not None and "+44 20 7946 0099" in [p.number for p in harvest.contact.phones]
    assert store.get(local).contact.title == ""  # type: ignore[union-attr]
    window.undo()
    for record_id in (x, h):
        record = store.get(record_id)
        assert record is not None and "+44 7700 900123" not in [
            p.number for p in record.contact.phones
        ]
        assert record.state == "synced"


def test_copy_to_account_makes_the_copy_part_of_the_person(
    qtbot: QtBot, book: tuple[Store, list[int]], keyring_file: Path
) -> None:
    from addressbook import accounts
    from addressbook.connectors.base import AccountConfig
    from addressbook.ui.copy_dialog import CopyToAccountDialog

    store, (x, h, _local, grace) = book
    accounts.add_account(AccountConfig("books", "xero", "https://api.xero.com/api.xro/2.0", {}), {})
    person = store.join([x, h]).person
    win = MainWindow(store, window_settings())
    qtbot.addWidget(win)
    for source, joined_with in ((h, person), (grace, None)):
        record = store.get(source)
        assert record is not None
        dialog = CopyToAccountDialog(win, record)
        dialog.account.setCurrentIndex(dialog.account.findData("books"))
        dialog.copy()
        copy_id = max(store.search_ids())
        copied = store.get(copy_id)
        assert copied is not None and copied.account == "books" and copied.state == "new"
        # A contact of no person and its copy become one (the same human in two accounts).
        expected = joined_with if joined_with is not None else store.person_of(source)
        assert copied.person == expected and copied.person is not None
        assert dialog.result() == dialog.DialogCode.Accepted
    assert len(store.person_ids(person)) == 3
    win.tasks.wait(10000)
    win.close()


def test_the_demo_offers_the_suggestions_once_after_its_first_sync(
    window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    from addressbook.ui.people_dialog import offer_suggestions

    dialog = offer_suggestions(window)
    assert dialog is not None and dialog.isVisible() and dialog.list.count() == 1
    dialog.close()
    assert offer_suggestions(window) is None  # once: later syncs do not ask again


def test_no_suggestions_no_dialog(qtbot: QtBot, addressbook_home: Path) -> None:
    from addressbook.ui.people_dialog import offer_suggestions

    with Store.default() as store:
        store.create(Contact(display_name="Grace Hopper"))
        win = MainWindow(store, window_settings())
        qtbot.addWidget(win)
        assert offer_suggestions(win) is None
        win.tasks.wait(10000)
        win.close()


def test_one_number_spaced_differently_is_shown_once(
    window: MainWindow, addressbook_home: Path
) -> None:
    with Store.default() as store:
        x = store.apply_remote("xero-demo", "X2", _ada("Bo Ek", phone="030 25551576"), {}, None)
        h = store.apply_remote("harvest-demo", "H2", _ada("Bo Ek", phone="03025551576"), {}, None)
        join(store, [x, h])
    window.refresh()
    assert window.select_contact(x)
    text = window.detail.view.toPlainText()
    phone_lines = [line for line in text.splitlines() if "2555" in line]
    assert len(phone_lines) == 1 and "demo" not in phone_lines[0]  # both hold it: no badge
