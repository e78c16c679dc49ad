"""The main window over a real cache: names, search, details, editing, delete/undo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QWidget,
)

from addressbook import paths
from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.editor import EmailRow
from addressbook.ui.main_window import MainWindow
from tests.ui.helpers import answer_modal, find


@pytest.fixture
def window(qtbot, store: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if win.isVisible():
        win.editor.cancelled.emit()  # leave no editor open: closing must not ask
        win.close()


def names(win: MainWindow) -> list[str]:
    return [win.model.index(r).data() for r in range(win.model.rowCount())]


def select(win: MainWindow, name: str) -> int:
    contact_id = win.store.search_ids(name)[0]
    assert win.select_contact(contact_id)
    return contact_id


def test_widgets_have_their_names(window: MainWindow) -> None:
    find(window, QLineEdit, "searchField")
    find(window, QAbstractItemView, "contactList")
    find(window, QWidget, "contactDetail")
    find(window, QListView, "accountList")
    for name in (
        "actionNew",
        "actionEdit",
        "actionDelete",
        "actionSync",
        "actionPush",
        "actionAccounts",
    ):
        action = find(window, QAction, name)
        assert action.text() and action.toolTip()
    for widget in (window.search, window.list_view, window.account_view, window.detail):
        assert widget.accessibleName()


def test_typing_in_search_filters_the_list(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert len(names(window)) == 5
    qtbot.keyClicks(window.search, "bletch")
    assert names(window) == ["Alan Turing"]
    window.search.clear()
    qtbot.keyClicks(window.search, "zzzz")
    assert names(window) == []
    empty = find(window, QLabel, "emptyState")
    assert window.list_stack.currentWidget() is window.empty_page and empty.isVisible()
    assert "zzzz" in empty.text()
    assert not window.first_run.isVisible()  # not a first run: no account/import buttons


def test_find_shortcut_focuses_search(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.list_view.setFocus()
    window.action_find.trigger()
    assert window.search.hasFocus()
    assert (
        window.action_find.shortcut().matches(window.action_find.shortcut())
        and not window.action_find.shortcut().isEmpty()
    )


def test_detail_shows_every_field_with_links(window: MainWindow) -> None:
    select(window, "ada")
    html = window.detail.view.toHtml()
    text = window.detail.view.toPlainText()
    for expected in (
        "Ada Lovelace",
        "Programmer",
        "Analytical Engines Ltd",
        "ada@example.com",
        "+44 20 7946 0018",
        "07700 900123",
        "London",
        "SW1Y 4JH",
        "Likes poetry",
        "On this computer",
    ):
        assert expected in text
    assert "mailto:ada@example.com" in html
    assert "tel:+442079460018" in html
    assert "openstreetmap.org/search?query=12+St+James" in html


def test_new_contact_validates_email_in_place(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.action_new.trigger()
    editor = window.editor
    assert window.detail.currentWidget() is editor
    qtbot.keyClicks(editor.display_name, "Katherine Johnson")
    qtbot.mouseClick(editor.emails.add_button, Qt.MouseButton.LeftButton)
    row = editor.emails.rows()[0]
    assert isinstance(row, EmailRow)
    qtbot.keyClicks(row.address, "katherine@nasa")
    assert not editor.save_button.isEnabled()
    assert row.address.property("invalid") is True
    problem = editor.problem_labels["emails"]
    assert problem.isVisible() and "not an email address" in problem.text()
    qtbot.keyClicks(row.address, ".example")
    assert editor.save_button.isEnabled()
    assert row.address.property("invalid") is False
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    contact_id = window.store.search_ids("katherine")[0]
    record = window.store.get(contact_id)
    assert record is not None and record.contact.emails[0].address == "katherine@nasa.example"
    assert window.selected_id() == contact_id
    assert "Katherine Johnson" in window.detail.view.toPlainText()


def test_edit_adds_and_removes_rows(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    contact_id = select(window, "ada")
    window.action_edit.trigger()
    editor = window.editor
    assert len(editor.phones.rows()) == 2
    remove = [
        b
        for b in editor.phones.rows()[1].findChildren(QWidget)
        if b.accessibleName() == "Remove this phone"
    ][0]
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.addresses.add_button, Qt.MouseButton.LeftButton)
    new_address = editor.addresses.rows()[-1]
    qtbot.keyClicks(new_address.city, "Paris")  # type: ignore[attr-defined]
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    record = window.store.get(contact_id)
    assert record is not None
    assert [p.number for p in record.contact.phones] == ["+44 20 7946 0018"]
    assert [a.city for a in record.contact.addresses] == ["London", "Paris"]


def test_delete_then_undo(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    select(window, "grace")
    window.action_delete.trigger()
    assert "Grace Hopper" not in names(window)
    assert window.undo_bar.isVisible()
    assert "Deleted Grace Hopper" in window.undo_bar.text.text()
    qtbot.mouseClick(window.undo_bar.action_button, Qt.MouseButton.LeftButton)
    assert "Grace Hopper" in names(window)
    assert not window.undo_bar.isVisible()
    assert (
        window.model.id_at(window.list_view.currentIndex().row())
        == window.store.search_ids("grace")[0]
    )


def test_unsaved_edits_are_not_lost_when_switching(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    ada = select(window, "ada")
    window.action_edit.trigger()
    window.editor.title.setText("Countess")
    turing = window.model.index(window.model.row_of(window.store.search_ids("turing")[0]) or 0)
    seen: list[str] = []
    answer_modal(QMessageBox.StandardButton.Cancel, seen)
    window.list_view.setCurrentIndex(turing)
    assert seen == ["Save the changes to this contact?"]
    assert window.detail.editing()  # still editing, selection back on Ada
    assert window.selected_id() == ada
    answer_modal(QMessageBox.StandardButton.Save)
    window.list_view.setCurrentIndex(turing)
    record = window.store.get(ada)
    assert record is not None and record.contact.title == "Countess"
    assert not window.detail.editing()
    assert "Alan Turing" in window.detail.view.toPlainText()


def test_closing_with_unsaved_edits_asks(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    select(window, "ada")
    window.action_edit.trigger()
    window.editor.title.setText("Countess")
    answer_modal(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible()
    answer_modal(QMessageBox.StandardButton.Discard)
    assert window.close()


def test_layout_is_remembered_under_the_home(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    window.resize(760, 540)  # smaller than the offscreen screen, so nothing is clamped
    qtbot.waitUntil(lambda: window.width() == 760)
    window.splitter.setSizes([180, 250, 300])
    sizes = window.splitter.sizes()
    window.close()
    assert (paths.config_dir() / "window.ini").exists()
    again = MainWindow(store, window_settings())
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.size() == window.size()
    assert again.splitter.sizes() == sizes


def test_empty_state_says_what_to_do(qtbot, addressbook_home) -> None:  # type: ignore[no-untyped-def]
    with Store.default() as empty_store:
        win = MainWindow(empty_store, window_settings())
        qtbot.addWidget(win)
        win.show()
        assert win.list_stack.currentWidget() is win.empty_page
        assert "account" in win.empty.text() and "Ctrl+N" in win.empty.text()
        assert "addressbook demo" not in win.empty.text()  # no terminal command
        for button in (win.add_account_button, win.import_button, win.demo_button):
            assert button.isVisible() and button.text() and button.accessibleDescription()
        win.close()


def test_about_box_names_the_version(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from addressbook import __version__

    seen: list[str] = []
    answer_modal(QMessageBox.StandardButton.Ok, seen)
    window.action_about.trigger()
    assert seen and __version__ in seen[0]


def test_dark_palette_redraws_line_icons(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    before = window.action_sync.icon().pixmap(24, 24).toImage()
    dark = QPalette(window.palette())
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    QApplication.setPalette(dark)
    try:
        # drawn again in the light text colour once the palette change is delivered
        qtbot.waitUntil(lambda: window.action_sync.icon().pixmap(24, 24).toImage() != before)
    finally:
        QApplication.setPalette(QApplication.style().standardPalette())


def test_read_only_contacts_cannot_be_edited(qtbot, window: MainWindow, keyring_file) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts
    from addressbook.model import Contact

    accounts.add_account(accounts.new_account("books", "xero", None, {"client_id": "x"}), {})
    window.reload_accounts()
    locked = window.store.create(Contact(display_name="Locked Person", status="read-only"), "books")
    window.refresh()
    assert window.select_contact(locked)
    assert not window.action_edit.isEnabled()
    assert not window.action_delete.isEnabled()
    assert "Read-only" in window.detail.view.toPlainText()
    window.edit_contact()
    assert not window.detail.editing()
    # the sentence is rules.py's, shown in the message bar
    assert window.message_bar.isVisible() and "read-only" in window.message_bar.text.text()


def test_keyboard_only_search_then_list(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.action_find.trigger()
    qtbot.keyClicks(window.search, "grace")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.list_view.hasFocus()
    assert window.selected_id() == window.store.search_ids("grace")[0]
    qtbot.keyClick(window.list_view, Qt.Key.Key_Return)  # Return opens the editor
    assert window.detail.editing()
    qtbot.keyClick(window.editor.display_name, Qt.Key.Key_Escape)
    assert not window.detail.editing()
