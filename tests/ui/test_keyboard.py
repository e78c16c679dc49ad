"""Keyboard paths: type-to-search, search ↔ list, Escape, focus after save, Ctrl+Z, Tab order,
shortcuts for every action and no mnemonic clash in the window or any dialog."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMenu,
    QMessageBox,
    QWidget,
)

from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.editor import EmailRow
from addressbook.ui.main_window import MainWindow
from tests.ui.helpers import answer_modal


@pytest.fixture
def window(qtbot, store: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    # not qtbot.addWidget: pytest-qt would close it before this fixture's end, asking about
    # a form a test leaves edited
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.editor.cancelled.emit()  # leave no edited form open: closing would ask
    win.close()
    win.deleteLater()


def names(win: MainWindow) -> list[str]:
    return [win.model.index(r).data() for r in range(win.model.rowCount())]


def select(win: MainWindow, name: str) -> int:
    contact_id = win.store.search_ids(name)[0]
    assert win.select_contact(contact_id)
    return contact_id


def test_focus_starts_in_the_list_and_typing_there_searches(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert QApplication.focusWidget() is window.list_view
    qtbot.keyClicks(window.list_view, "gr")
    assert window.search.text() == "gr" and window.search.hasFocus()
    qtbot.keyClicks(window.search, "ace")
    assert names(window) == ["Grace Hopper"]


def test_down_and_up_go_from_the_search_into_the_list(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.focus_search()
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    assert window.list_view.hasFocus()
    assert window.list_view.currentIndex().row() == 0
    window.list_view.setCurrentIndex(window.model.index(-1))
    window.list_view.clearSelection()
    window.list_view.selectionModel().clearCurrentIndex()
    window.focus_search()
    qtbot.keyClick(window.search, Qt.Key.Key_Up)
    assert window.list_view.hasFocus()
    assert window.list_view.currentIndex().row() == window.model.rowCount() - 1


def test_escape_clears_the_search_then_goes_to_the_list(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.focus_search()
    qtbot.keyClicks(window.search, "zzz")
    assert names(window) == []
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == "" and len(names(window)) == 5
    assert window.search.hasFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.list_view.hasFocus()


def test_after_save_the_focus_is_back_in_the_list_and_delete_works(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    select(window, "grace")
    window.list_view.setFocus()
    qtbot.keyClick(window.list_view, Qt.Key.Key_Return)
    assert window.detail.editing()
    window.editor.title.setText("Rear Admiral")
    qtbot.keyClick(window.editor.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not window.detail.editing()
    assert window.list_view.hasFocus()
    qtbot.keyClick(window.list_view, Qt.Key.Key_Delete)
    assert "Grace Hopper" not in names(window)


def test_ctrl_z_undoes_an_edit_a_delete_and_a_new_contact(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.action_undo.objectName() == "actionUndo"
    assert window.action_undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.action_undo in window.edit_menu.actions()
    assert not window.action_undo.isEnabled()
    ada = select(window, "ada")
    window.action_edit.trigger()
    window.editor.title.setText("Countess")
    window.editor.save_button.click()
    assert window.store.get(ada).contact.title == "Countess"  # type: ignore[union-attr]
    assert "Ada Lovelace" in window.action_undo.text()
    qtbot.keyClick(window.list_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.store.get(ada).contact.title == "Programmer"  # type: ignore[union-attr]

    select(window, "turing")
    qtbot.keyClick(window.list_view, Qt.Key.Key_Delete)
    assert "Alan Turing" not in names(window)
    qtbot.keyClick(window.list_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "Alan Turing" in names(window)
    assert window.shown_record().contact.display_name == "Alan Turing"  # type: ignore[union-attr]
    assert window.selected_ids() == [window.shown_record().id]  # type: ignore[union-attr]

    window.action_new.trigger()
    qtbot.keyClicks(window.editor.display_name, "Mary Somerville")
    window.editor.save_button.click()
    assert "Mary Somerville" in names(window)
    window.action_undo.trigger()
    assert "Mary Somerville" not in names(window)
    assert not window.action_undo.isEnabled()


def test_undo_of_an_edit_keeps_what_changed_since(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    ada = select(window, "ada")
    window.action_edit.trigger()
    window.editor.title.setText("Countess")
    window.editor.save_button.click()
    with Store(store.path) as other:  # another process changes the title again
        from addressbook.model import Patch

        seen = other.get(ada).contact  # type: ignore[union-attr]
        other.apply_patch(ada, Patch.setting(seen, title="Mathematician"), moved="refuse")
    window.action_undo.trigger()
    assert window.store.get(ada).contact.title == "Mathematician"  # type: ignore[union-attr]


def test_escape_in_the_editor_closes_the_completer_first_then_asks(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    select(window, "ada")
    window.action_edit.trigger()
    editor = window.editor
    editor.set_clients(["Analytical Engines Ltd", "Analysis Partners"])
    editor.organization.clear()
    editor.organization.setFocus()
    qtbot.keyClicks(editor.organization, "Anal")
    popup = editor.organization.completer().popup()
    qtbot.waitUntil(lambda: popup is not None and popup.isVisible())
    editor._escape()  # Escape, as the shortcut delivers it
    assert not popup.isVisible()
    assert window.detail.editing()  # the form stays, nothing asked
    seen: list[str] = []
    answer_modal(QMessageBox.StandardButton.Cancel, seen)  # "Keep editing"
    qtbot.keyClick(editor.title, Qt.Key.Key_Escape)
    assert seen == ["Save the changes to this contact?"]
    assert window.detail.editing() and editor.organization.text() == "Anal"
    answer_modal(QMessageBox.StandardButton.Discard)
    # offscreen, focus does not come back after a modal box: press the form's Escape action
    escape = next(a for a in editor.actions() if a.shortcut() == QKeySequence("Esc"))
    escape.trigger()
    assert not window.detail.editing()
    assert (
        window.store.search_ids("ada")
        and window.store.get(window.store.search_ids("ada")[0]).contact.organization
        == "Analytical Engines Ltd"
    )  # type: ignore[union-attr]


def test_escape_on_an_unchanged_form_just_closes_it(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    select(window, "grace")
    window.action_edit.trigger()
    qtbot.keyClick(window.editor.display_name, Qt.Key.Key_Escape)
    assert not window.detail.editing()
    assert window.list_view.hasFocus()


def test_tab_follows_the_form_rows_before_save(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    select(window, "ada")
    window.action_edit.trigger()
    editor = window.editor
    chain = editor.focus_chain()
    email = editor.emails.rows()[0]
    assert isinstance(email, EmailRow)
    assert chain.index(email.address) < chain.index(editor.save_button)
    assert chain.index(editor.title) < chain.index(email.address)
    # walk it with Tab as a person would
    editor.display_name.setFocus()
    visited = []
    for _ in range(60):
        widget = QApplication.focusWidget()
        visited.append(widget)
        if widget is editor.save_button:
            break
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert editor.save_button in visited
    assert visited.index(email.address) < visited.index(editor.save_button)
    phone = editor.phones.rows()[0]
    assert visited.index(email.address) < visited.index(phone.focusables()[1])


def test_every_menu_action_has_a_shortcut(window: MainWindow) -> None:
    for menu in window.menuBar().findChildren(QMenu):
        for action in menu.actions():
            if action.isSeparator() or action.menu() is not None or action is window.action_about:
                continue
            assert not action.shortcut().isEmpty(), action.text()
            assert action.toolTip()


MNEMONIC = re.compile(r"&([^&\s])")


def mnemonics(top: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible mnemonic in a window (menus of its menu bar included)."""
    found = []

    def add(text: str) -> None:
        match = MNEMONIC.search(text.replace("&&", ""))
        if match:
            found.append((match.group(1).lower(), text))

    for widget in [top, *top.findChildren(QWidget)]:
        if not widget.isVisible() or widget.window() is not top:
            continue
        if (
            isinstance(widget, QAbstractButton)
            or isinstance(widget, QLabel)
            and widget.buddy() is not None
        ):
            add(widget.text())
        elif isinstance(widget, QGroupBox):
            add(widget.title())
    if hasattr(top, "menuBar"):
        for action in top.menuBar().actions():  # type: ignore[attr-defined]
            add(action.text())
    return found


def assert_no_clash(top: QWidget) -> None:
    seen: dict[str, str] = {}
    for letter, text in mnemonics(top):
        assert letter not in seen, f"Alt+{letter.upper()}: {seen[letter]!r} and {text!r}"
        seen[letter] = text


def test_no_mnemonic_clash_in_the_window_and_the_editor(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert_no_clash(window)
    select(window, "ada")
    assert_no_clash(window)
    window.action_edit.trigger()
    assert len(mnemonics(window)) > 10
    assert_no_clash(window)
    window.editor.cancelled.emit()
    window.action_new.trigger()
    assert_no_clash(window)


def test_no_mnemonic_clash_on_first_run(qtbot, addressbook_home) -> None:  # type: ignore[no-untyped-def]
    with Store.default() as empty:
        win = MainWindow(empty, window_settings())
        qtbot.addWidget(win)
        win.show()
        assert_no_clash(win)
        win.action_new.trigger()
        assert_no_clash(win)
        win.editor.cancelled.emit()
        win.close()


def test_no_mnemonic_clash_in_any_dialog(qtbot, window: MainWindow, keyring_file) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts
    from addressbook.rules import remember_clients
    from addressbook.sync.push import Refusal
    from addressbook.ui.accounts_dialog import AccountsDialog
    from addressbook.ui.copy_dialog import CopyToAccountDialog
    from addressbook.ui.push_preview import PushPreviewDialog
    from addressbook.ui.refusals import RefusalsDialog
    from tests.ui.test_looks import assert_indicators_read

    accounts.add_account(
        accounts.new_account("work", "harvest", "https://acme.harvestapp.com", {}),
        {"email": "a@b.example", "password": "pw"},
    )
    remember_clients(window.store, "work", ["Acme Ltd"])  # no network in this test
    window.reload_accounts()
    dialogs: list[QWidget] = []
    accounts_dialog = AccountsDialog(window)
    dialogs.append(accounts_dialog)
    ada = select(window, "ada")
    dialogs.append(CopyToAccountDialog(window, window.selected_records()))
    window.store.create(window.store.get(ada).contact, "work")  # type: ignore[union-attr]
    dialogs.append(PushPreviewDialog(window, None))
    dialogs.append(
        RefusalsDialog(window, "work", [Refusal(ada, "Ada", "no"), Refusal(ada, "B", "x")])
    )
    for dialog in dialogs:
        dialog.show()
        assert mnemonics(dialog), dialog.objectName()
        assert_no_clash(dialog)
        assert_indicators_read(dialog)
        dialog.close()
    accounts_dialog = AccountsDialog(window)
    accounts_dialog.show()
    accounts_dialog.start_adding()
    assert accounts_dialog.advanced.isVisible() and not accounts_dialog.advanced.isChecked()
    assert_indicators_read(accounts_dialog)
    accounts_dialog.advanced.setChecked(True)
    assert_no_clash(accounts_dialog)
    accounts_dialog.close()


def test_enter_in_the_accounts_form_never_wipes_it(qtbot, window: MainWindow, keyring_file) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start_adding()
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    qtbot.keyClicks(dialog.name, "work")
    qtbot.keyClicks(dialog.url, "https://acme.harvestapp.com")
    qtbot.keyClicks(dialog.secret_fields["password"], "secret")
    qtbot.keyClick(dialog.secret_fields["password"], Qt.Key.Key_Return)
    # Save was pressed (the email is missing): the form keeps everything typed
    assert dialog.save_button.isDefault()
    assert "Email" in dialog.status.text()
    assert dialog.name.text() == "work"
    assert dialog.secret_fields["password"].text() == "secret"
    qtbot.keyClicks(dialog.secret_fields["email"], "me@acme.example")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert "work" in window.accounts
    dialog.close()


def test_tab_in_the_accounts_dialog_follows_the_form(
    qtbot, window: MainWindow, keyring_file
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.start_adding()
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    qtbot.waitUntil(lambda: dialog.secret_fields["email"].isVisible())  # shown when laid out
    # offscreen, a dialog shown after the window does not get the focus: walk the chain
    # Tab walks (the next visible, enabled widget that takes focus by Tab)
    visited = [dialog.name]
    while visited[-1] is not dialog.save_button and len(visited) < 30:
        widget = visited[-1].nextInFocusChain()
        while not (
            widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            widget = widget.nextInFocusChain()
        visited.append(widget)
    assert visited[:3] == [dialog.name, dialog.service, dialog.url]
    email, password = dialog.secret_fields["email"], dialog.secret_fields["password"]
    assert visited.index(email) < visited.index(password) < visited.index(dialog.save_button)
    dialog.close()
