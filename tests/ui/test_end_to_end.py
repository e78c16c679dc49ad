"""The whole flow against the Harvest sandbox over real sockets, driven through the window.

Add an account in the dialog, sync, search, edit, preview, push, check the service's
state; then a change on the service side makes a conflict that the dialog resolves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.ui.accounts_dialog import AccountsDialog
from addressbook.ui.app import window_settings
from addressbook.ui.conflict_dialog import ConflictDialog
from addressbook.ui.main_window import MainWindow
from addressbook.ui.push_preview import PushPreviewDialog
from tests.fixtures.sandbox import sandbox_account


@pytest.fixture
def window(qtbot, addressbook_home: Path, keyring_file: Path | None) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with Store.default() as store:
        win = MainWindow(store, window_settings())
        qtbot.addWidget(win)
        win.show()
        yield win
        win.jobs.cancel_all()
        win.tasks.wait(10000)
        win.close()


def open_dialog(qtbot, action, kind: type):  # type: ignore[no-untyped-def]
    action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, kind) and w.isVisible() for w in QApplication.topLevelWidgets()))
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def add_harvest_account(qtbot, window: MainWindow, harvest: SandboxServer) -> str:  # type: ignore[no-untyped-def]
    spec = sandbox_account(harvest, "work")
    dialog: AccountsDialog = open_dialog(qtbot, window.action_accounts, AccountsDialog)
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    qtbot.keyClicks(dialog.name, "work")
    qtbot.keyClicks(dialog.url, spec["url"])
    qtbot.keyClicks(dialog.secret_fields["email"], spec["secrets"]["email"])
    qtbot.keyClicks(dialog.secret_fields["password"], spec["secrets"]["password"])
    assert dialog.secret_fields["password"].echoMode() == dialog.secret_fields["password"].EchoMode.Password
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith(("✓", "⚠")), timeout=10000)
    assert dialog.status.text().startswith("✓"), dialog.status.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Saved work" in dialog.status.text()
    # the secret is in the keyring, never shown back
    assert dialog.secret_fields["password"].text() == ""
    assert "keyring" in dialog.secret_fields["password"].placeholderText()
    dialog.reject()
    assert "work" in window.accounts
    return "work"


def sync(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """F5, then wait for the jobs and for the list and the account pane read again."""
    with qtbot.waitSignal(window.jobs.idle, timeout=20000):
        window.action_sync.trigger()
    qtbot.waitUntil(lambda: not window.refresh_pending())


def test_add_sync_search_edit_preview_push_and_resolve(qtbot, window: MainWindow, harvest: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    add_harvest_account(qtbot, window, harvest)
    failures: list[object] = []
    window.jobs.failed.connect(lambda kind, account, error: failures.append(error))
    sync(qtbot, window)
    assert not failures
    remote = harvest.service.state()["contacts"]
    assert window.model.rowCount() == len(remote)
    email = remote[-1]["email"]  # ASCII: QTest types only keys a keyboard has

    qtbot.keyClicks(window.search, email)
    assert window.model.rowCount() >= 1
    window.list_view.setCurrentIndex(window.model.index(0))
    record = window.shown_record()
    assert record is not None and record.account == "work"
    remote_id = record.remote_id
    assert remote_id is not None

    window.action_edit.trigger()
    window.editor.title.clear()
    qtbot.keyClicks(window.editor.title, "Chief Tester")
    qtbot.mouseClick(window.editor.save_button, Qt.MouseButton.LeftButton)
    assert window.store.get(record.id).state == "modified"  # type: ignore[union-attr]

    preview: PushPreviewDialog = open_dialog(qtbot, window.action_push, PushPreviewDialog)
    top = preview.tree.topLevelItem(0)
    change = top.child(0)
    field_rows = [change.child(i) for i in range(change.childCount())]
    assert any(r.text(0) == "Job title" and r.text(2) == "Chief Tester" for r in field_rows)
    with qtbot.waitSignal(window.jobs.idle, timeout=20000):
        qtbot.mouseClick(preview.push_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.refresh_pending())
    assert not failures
    on_service = next(c for c in harvest.service.state()["contacts"] if str(c["id"]) == remote_id)
    assert on_service["title"] == "Chief Tester"
    assert window.store.get(record.id).state == "synced"  # type: ignore[union-attr]

    # A conflict: the title changed here and on the service.
    window.action_edit.trigger()
    window.editor.title.clear()
    qtbot.keyClicks(window.editor.title, "Title From Here")
    qtbot.mouseClick(window.editor.save_button, Qt.MouseButton.LeftButton)
    harvest.service.edit(remote_id, {"title": "Title From Service"})
    sync(qtbot, window)
    assert window.store.get(record.id).state == "conflict"  # type: ignore[union-attr]
    assert window.message_bar.isVisible()
    assert window.action_resolve.isEnabled()

    dialog: ConflictDialog = open_dialog(qtbot, window.action_resolve, ConflictDialog)
    assert set(dialog.groups) == {"title"}
    dialog.choose("title", "remote")
    qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)
    resolved = window.store.get(record.id)
    assert resolved is not None and resolved.state == "synced"
    assert resolved.contact.title == "Title From Service"
    assert "Title From Service" in window.detail.view.toPlainText()


def test_offline_sync_says_offline(qtbot, window: MainWindow, harvest: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    add_harvest_account(qtbot, window, harvest)
    from addressbook import accounts

    account = accounts.require_account("work")
    account.url = "http://127.0.0.1:9"  # nothing listens on the discard port
    account.settings["give_up_seconds"] = "1"  # retry for one second, not two minutes
    accounts.save_settings(account)
    window.reload_accounts()
    sync(qtbot, window)
    assert window.message_bar.isVisible()
    assert "offline" in window.message_bar.text.text()
    assert "Traceback" not in window.message_bar.text.text()
    entry = window.account_model.entries()[-1]
    assert entry.key == "work" and entry.error


def test_accounts_dialog_explains_a_missing_keyring(qtbot, addressbook_home: Path, no_keyring: None) -> None:  # type: ignore[no-untyped-def]
    with Store.default() as store:
        win = MainWindow(store, window_settings())
        qtbot.addWidget(win)
        win.show()
        dialog: AccountsDialog = open_dialog(qtbot, win.action_accounts, AccountsDialog)
        assert dialog.keyring_warning.isVisible()
        assert "keyring" in dialog.keyring_warning.text().lower()
        dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
        assert not dialog.secret_fields["password"].isEnabled()
        dialog.reject()
