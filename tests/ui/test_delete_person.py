"""Delete on a person's row (one row for the records of several accounts): the question names
the person and its accounts, deletes from every account or from one, and Ctrl+Z brings back
all that was deleted, each record in its person again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from addressbook.model import Contact, Email, Phone
from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.main_window import MainWindow
from addressbook.ui.people_dialog import DeletePersonDialog


def _ada(phone: str = "+44 20 7946 0018", **extra: str) -> Contact:
    return Contact(
        display_name="Ada Lovelace",
        emails=[Email("ada@analytical.example")],
        phones=[Phone(phone, "work")],
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def book(addressbook_home: Path) -> Iterator[tuple[Store, list[int]]]:
    """Ada in Xero, in Harvest and on this computer (one person), and Grace alone."""
    with Store.default() as store:
        x = store.apply_remote("xero-demo", "X1", _ada(title="Countess"), {}, None)
        h = store.apply_remote("harvest-demo", "H1", _ada(phone="+44 20 7946 0099"), {}, None)
        local = store.create(_ada(notes="met at the lecture"))
        grace = store.create(Contact(display_name="Grace Hopper"))
        store.join([x, h, local])
        yield store, [x, h, local, grace]


@pytest.fixture
def window(qtbot: QtBot, book: tuple[Store, list[int]]) -> Iterator[MainWindow]:
    store, _ids = book
    win = MainWindow(store, window_settings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.tasks.wait(10000)
    win.close()


def when_modal(kind: type, act: Callable[[QWidget], None], seen: list[QWidget]) -> None:
    """When a modal widget of this type opens (soon), note it and act on it."""

    def attempt(tries: int = 0) -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None and isinstance(modal, kind):
            seen.append(modal)
            act(modal)
        elif tries < 300:
            QTimer.singleShot(10, lambda: attempt(tries + 1))

    QTimer.singleShot(0, attempt)


def press_delete(qtbot: QtBot, window: MainWindow) -> None:
    window.list_view.setFocus()
    qtbot.keyClick(window.list_view, Qt.Key.Key_Delete)


def ctrl_z(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()  # back from the question
    qtbot.waitUntil(window.isActiveWindow)
    window.list_view.setFocus()
    qtbot.keyClick(window.list_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def names(window: MainWindow) -> list[str]:
    model = window.model
    return [model.index(row).data() for row in range(model.rowCount())]


def one_person(store: Store, ids: list[int]) -> bool:
    people = {store.person_of(i) for i in ids}
    return len(people) == 1 and None not in people


def test_delete_a_person_from_every_account_then_undo(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, grace) = book
    assert names(window) == ["Ada Lovelace", "Grace Hopper"]
    assert window.select_contact(h)
    seen: list[QWidget] = []

    def check_and_delete(dialog: QWidget) -> None:
        assert isinstance(dialog, DeletePersonDialog)
        text = dialog.findChild(QWidget, "deletePersonText").text()  # type: ignore[union-attr]
        assert "Ada Lovelace" in text
        assert "xero-demo" in text and "harvest-demo" in text
        radios = dialog.findChildren(QRadioButton)
        assert len(radios) == 4  # every account, or only one of the three
        assert dialog.everywhere.isChecked()  # the default: what the row stands for
        dialog.findChild(QPushButton, "deleteButton").click()  # type: ignore[union-attr]

    when_modal(DeletePersonDialog, check_and_delete, seen)
    press_delete(qtbot, window)
    assert seen, "no question was asked"
    assert store.get(x).state == "deleted"  # type: ignore[union-attr]
    assert store.get(h).state == "deleted"  # type: ignore[union-attr]
    assert store.get(local) is None  # never on a service: gone
    assert names(window) == ["Grace Hopper"]
    assert "Deleted Ada Lovelace from 3 accounts." in window.undo_bar.text.text()
    assert window.undo_stack.top().text == "Delete of Ada Lovelace"  # type: ignore[union-attr]

    ctrl_z(qtbot, window)
    assert store.get(x).state == "synced"  # type: ignore[union-attr]
    assert store.get(h).state == "synced"  # type: ignore[union-attr]
    again = [r.id for r in store.records(store.search_ids("Ada")) if r.account is None]
    assert len(again) == 1 and store.get(again[0]).contact.notes == "met at the lecture"  # type: ignore[union-attr]
    assert one_person(store, [x, h, again[0]])  # all three in one person again
    assert names(window) == ["Ada Lovelace", "Grace Hopper"]
    assert window.detail.view.shown_person == store.person_of(x)
    assert not window.undo_stack.can_undo()
    assert grace in [r.id for r in store.records(store.search_ids("Grace"))]


def test_delete_a_person_from_one_account_only_then_undo(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, _grace) = book
    assert window.select_contact(x)
    seen: list[QWidget] = []

    def only_harvest(dialog: QWidget) -> None:
        assert isinstance(dialog, DeletePersonDialog)
        only = [b for b in dialog.only if b.property("contact_id") == h]
        assert len(only) == 1 and "harvest-demo" in only[0].text()
        only[0].setChecked(True)
        dialog.delete_button.click()

    when_modal(DeletePersonDialog, only_harvest, seen)
    press_delete(qtbot, window)
    assert seen
    assert store.get(h).state == "deleted"  # type: ignore[union-attr]
    assert store.get(x).state == "synced"  # type: ignore[union-attr]
    assert store.get(local).state == "local"  # type: ignore[union-attr]
    assert store.person_ids(store.person_of(x)) == sorted([x, local])  # type: ignore[arg-type]
    assert names(window) == ["Ada Lovelace", "Grace Hopper"]  # still one person
    assert "Deleted Ada Lovelace from harvest-demo" in window.undo_bar.text.text()

    ctrl_z(qtbot, window)
    assert store.get(h).state == "synced"  # type: ignore[union-attr]
    assert one_person(store, [x, h, local])
    assert len(store.person_ids(store.person_of(x))) == 3  # type: ignore[arg-type]


def test_cancel_deletes_nothing(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, _grace) = book
    assert window.select_contact(x)
    seen: list[QWidget] = []
    when_modal(DeletePersonDialog, lambda dialog: dialog.reject(), seen)  # type: ignore[attr-defined]
    press_delete(qtbot, window)
    assert seen
    assert [store.get(i).state for i in (x, h, local)] == ["synced", "synced", "local"]  # type: ignore[union-attr]
    assert not window.undo_stack.can_undo()


def test_several_rows_with_a_person_ask_once_and_undo_all(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, grace) = book
    window.list_view.setFocus()
    window.list_view.selectAll()
    assert len(window.selected_ids()) == 2  # two rows: Ada (three records) and Grace
    seen: list[QWidget] = []

    def everywhere(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        assert "4 contacts" in box.text() and "Ada Lovelace" in box.informativeText()
        box.findChild(QPushButton, "deleteEverywhere").click()  # type: ignore[union-attr]

    when_modal(QMessageBox, everywhere, seen)
    press_delete(qtbot, window)
    assert seen
    assert store.get(local) is None and store.get(grace) is None
    assert store.get(x).state == "deleted" and store.get(h).state == "deleted"  # type: ignore[union-attr]
    assert names(window) == []

    ctrl_z(qtbot, window)
    assert sorted(names(window)) == ["Ada Lovelace", "Grace Hopper"]
    ada = [r.id for r in store.records(store.search_ids("Ada"))]
    assert len(ada) == 3 and one_person(store, ada)


def test_in_one_account_delete_takes_that_record_without_asking(
    qtbot: QtBot, window: MainWindow, book: tuple[Store, list[int]]
) -> None:
    store, (x, h, local, _grace) = book
    window.model.set_filter("", "xero-demo")
    assert window.select_contact(x)
    press_delete(qtbot, window)  # a modal question would block here: none is asked
    assert store.get(x).state == "deleted"  # type: ignore[union-attr]
    assert store.get(h).state == "synced" and store.get(local).state == "local"  # type: ignore[union-attr]
    ctrl_z(qtbot, window)
    assert one_person(store, [x, h, local])


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_question_has_no_mnemonic_clash_and_speaks_german(
    qtbot: QtBot, addressbook_home: Path, request: pytest.FixtureRequest, language: str
) -> None:
    from tests.ui.test_keyboard import assert_no_clash, mnemonics

    if language == "de":
        request.getfixturevalue("german")
    with Store.default() as store:
        x = store.apply_remote("xero-demo", "X1", _ada(), {}, None)
        h = store.apply_remote("harvest-demo", "H1", _ada(), {}, None)
        person = store.join([x, h]).person
        win = MainWindow(store, window_settings())
        qtbot.addWidget(win)
        dialog = DeletePersonDialog(win, store.person_records(person))
        qtbot.addWidget(dialog)
        dialog.show()
        assert len(mnemonics(dialog)) >= 2
        assert_no_clash(dialog)
        if language == "de":
            assert dialog.everywhere.text() == "&Aus allen 2 Konten (jeder Datensatz)"
            assert dialog.delete_button.text() == "&Löschen"
        dialog.close()
        win.close()
