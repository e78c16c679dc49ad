"""The whole flow against the Harvest sandbox over real sockets, driven through the window.

Add an account in the dialog, sync, search, edit, preview, push, check the service's
state; then a change on the service side makes a conflict that the dialog resolves.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from addressbook.accounts import NO_KEYRING
from addressbook.i18n import _
from addressbook.model import Patch
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.ui.accounts_dialog import AccountsDialog
from addressbook.ui.app import window_settings
from addressbook.ui.conflict_dialog import ConflictDialog
from addressbook.ui.main_window import MainWindow
from addressbook.ui.push_preview import PushPreviewDialog
from tests.fixtures.sandbox import sandbox_account


def open_dialog(qtbot, action, kind: type):  # type: ignore[no-untyped-def]
    action.trigger()
    qtbot.waitUntil(
        lambda: any(isinstance(w, kind) and w.isVisible() for w in QApplication.topLevelWidgets())
    )
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def add_harvest_account(qtbot, window: MainWindow, harvest: SandboxServer) -> str:  # type: ignore[no-untyped-def]
    spec = sandbox_account(harvest, "work")
    dialog: AccountsDialog = open_dialog(qtbot, window.action_accounts, AccountsDialog)
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    qtbot.keyClicks(dialog.name, "work")
    qtbot.keyClicks(dialog.url, spec["url"])
    qtbot.keyClicks(dialog.secret_fields["email"], spec["secrets"]["email"])
    qtbot.keyClicks(dialog.secret_fields["password"], spec["secrets"]["password"])
    assert (
        dialog.secret_fields["password"].echoMode()
        == dialog.secret_fields["password"].EchoMode.Password
    )
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


def sync(qtbot, window: MainWindow, full: bool = False) -> None:  # type: ignore[no-untyped-def]
    """F5 (Ctrl+F5 when full), then wait for the jobs and for the list and the pane read again."""
    with qtbot.waitSignal(window.jobs.idle, timeout=20000):
        (window.action_sync_full if full else window.action_sync).trigger()
    qtbot.waitUntil(lambda: not window.refresh_pending())


def test_add_sync_search_edit_preview_push_and_resolve(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
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


def test_accounts_dialog_explains_a_missing_keyring(
    qtbot, addressbook_home: Path, no_keyring: None
) -> None:  # type: ignore[no-untyped-def]
    with Store.default() as store:
        win = MainWindow(store, window_settings())
        qtbot.addWidget(win)
        win.show()
        dialog: AccountsDialog = open_dialog(qtbot, win.action_accounts, AccountsDialog)
        assert dialog.keyring_warning.isVisible()
        assert "keyring" in dialog.keyring_warning.text().lower()
        assert "PYTHON_KEYRING" not in dialog.keyring_warning.text()  # no setting names
        # the window says the sentence the command line says (accounts.NO_KEYRING)
        assert _(NO_KEYRING) in dialog.keyring_warning.text()
        dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
        assert not dialog.secret_fields["password"].isEnabled()
        # saving an account needs the keyring: one sentence, no setting names either
        qtbot.keyClicks(dialog.name, "work")
        qtbot.keyClicks(dialog.url, "https://acme.harvestapp.com")
        dialog.save()
        assert dialog.status.text().startswith("⚠")
        assert "PYTHON_KEYRING" not in dialog.status.text()
        dialog.reject()


def test_copy_a_local_contact_to_an_account_with_its_client(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts
    from addressbook.model import Contact, Email
    from addressbook.ui.copy_dialog import CopyToAccountDialog

    spec = sandbox_account(harvest, "work")
    accounts.add_account(accounts.new_account("work", "harvest", spec["url"], {}), spec["secrets"])
    window.reload_accounts()
    nameless = window.store.create(Contact(display_name="Nobody Given"))
    local = window.store.create(
        Contact(given_name="Lin", family_name="Wei", emails=[Email("lin@example.cn")])
    )
    window.refresh()
    # rules.py refuses a Harvest contact without a given name: said in the dialog, nothing made
    assert window.select_contact(nameless)
    dialog: CopyToAccountDialog = open_dialog(qtbot, window.action_copy, CopyToAccountDialog)
    qtbot.waitUntil(lambda: dialog.client.count() > 0, timeout=10000)
    dialog.copy()
    assert "given name" in dialog.note.text() and dialog.isVisible()
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.select_contact(local)
    dialog = open_dialog(qtbot, window.action_copy, CopyToAccountDialog)
    assert dialog.account.currentData() == "work"
    qtbot.waitUntil(lambda: dialog.client.count() > 0, timeout=10000)
    client = harvest.service.state()["clients"][0]["name"]
    dialog.client.setCurrentText(client)
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    copies = [
        r for r in window.store.records(window.store.search_ids("Lin Wei")) if r.account == "work"
    ]
    assert len(copies) == 1
    assert copies[0].state == "new" and copies[0].contact.organization == client
    assert window.store.get(local).state == "local"  # type: ignore[union-attr]  # the original stays


def test_conflict_with_a_choice_per_field_then_push(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts
    from addressbook.model import Phone

    spec = sandbox_account(harvest, "work")
    accounts.add_account(accounts.new_account("work", "harvest", spec["url"], {}), spec["secrets"])
    window.reload_accounts()
    sync(qtbot, window)
    remote = harvest.service.state()["contacts"][0]
    contact_id = window.store.find_remote("work", str(remote["id"]))
    assert contact_id is not None
    record = window.store.get(contact_id)
    assert record is not None
    local = replace(record.contact, title="Title Here", phones=[Phone("+1 555 0100", "mobile")])
    window.store.apply_patch(contact_id, Patch.between(record.contact, local), moved="refuse")
    harvest.service.edit(str(remote["id"]), {"title": "Title There", "phone-mobile": "+1 555 0199"})
    sync(qtbot, window)
    assert window.select_contact(contact_id)
    dialog: ConflictDialog = open_dialog(qtbot, window.action_resolve, ConflictDialog)
    assert set(dialog.groups) == {"title", "phones"}
    dialog.choose("title", "remote")  # phones stay as chosen by default: this computer's
    qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)
    resolved = window.store.get(contact_id)
    assert resolved is not None and resolved.state == "modified"
    assert resolved.contact.title == "Title There"
    assert [p.number for p in resolved.contact.phones] == ["+1 555 0100"]

    preview: PushPreviewDialog = open_dialog(qtbot, window.action_push, PushPreviewDialog)
    with qtbot.waitSignal(window.jobs.idle, timeout=20000):
        qtbot.mouseClick(preview.push_all, Qt.MouseButton.LeftButton)
    on_service = next(c for c in harvest.service.state()["contacts"] if c["id"] == remote["id"])
    assert on_service["title"] == "Title There"
    assert on_service["phone-mobile"] == "+1 555 0100"


def test_sign_in_with_xero_from_the_dialog(qtbot, window: MainWindow, xero: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts
    from addressbook.ui.demo import _browse

    xero.service.auto_approve = True  # type: ignore[attr-defined]
    spec = sandbox_account(xero, "books")
    accounts.add_account(accounts.new_account("books", "xero", spec["url"], spec["settings"]), {})
    window.open_url_hook = _browse  # stands in for the browser: follows the approval
    dialog: AccountsDialog = open_dialog(qtbot, window.action_accounts, AccountsDialog)
    assert dialog.login_button.isVisible() and dialog.login_button.isEnabled()
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith(("✓", "⚠")), timeout=20000)
    assert dialog.status.text().startswith("✓ Signed in to Xero"), dialog.status.text()
    assert accounts.KeyringSecrets("books").get("refresh_token")
    assert accounts.require_account("books").settings.get("tenant_id")
    dialog.reject()
    sync(qtbot, window)
    assert window.model.rowCount() == len(xero.service.state()["contacts"])


def test_deleted_on_the_service_but_edited_here(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts

    spec = sandbox_account(harvest, "work")
    accounts.add_account(accounts.new_account("work", "harvest", spec["url"], {}), spec["secrets"])
    window.reload_accounts()
    sync(qtbot, window)
    remote_id = str(harvest.service.state()["contacts"][0]["id"])
    contact_id = window.store.find_remote("work", remote_id)
    assert contact_id is not None
    record = window.store.get(contact_id)
    assert record is not None
    window.store.apply_patch(
        contact_id, Patch.setting(record.contact, title="Still Here"), moved="refuse"
    )
    harvest.service.remove(remote_id)
    sync(qtbot, window, full=True)  # Harvest's change feed does not list deletions
    assert window.select_contact(contact_id)
    dialog: ConflictDialog = open_dialog(qtbot, window.action_resolve, ConflictDialog)
    assert dialog.deleted and "deleted on the service" in dialog.findChild(QLabel).text()
    assert not dialog.apply.isVisible()
    qtbot.mouseClick(dialog.all_local, Qt.MouseButton.LeftButton)  # "Keep this computer's"
    assert window.store.get(contact_id) is None
    kept = [
        r
        for r in window.store.records(window.store.search_ids("", "work"))
        if r.contact.title == "Still Here"
    ]
    assert len(kept) == 1 and kept[0].state == "new"


def test_remove_an_account_forgets_secrets_and_contacts(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from addressbook import accounts
    from tests.ui.helpers import answer_modal

    spec = sandbox_account(harvest, "work")
    accounts.add_account(accounts.new_account("work", "harvest", spec["url"], {}), spec["secrets"])
    window.reload_accounts()
    sync(qtbot, window)
    assert window.store.search_ids("", "work")
    dialog: AccountsDialog = open_dialog(qtbot, window.action_accounts, AccountsDialog)
    assert dialog.current() is not None and dialog.current().name == "work"  # type: ignore[union-attr]
    seen: list[str] = []
    answer_modal(QMessageBox.StandardButton.Yes, seen)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert seen and "Remove work?" in seen[0]
    assert accounts.find_account("work") is None
    assert accounts.KeyringSecrets("work").get("password") is None
    assert window.store.search_ids("", "work") == []
    assert "work" not in window.accounts
    dialog.reject()


def test_new_contact_of_a_harvest_account_offers_its_clients(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts

    spec = sandbox_account(harvest, "work")
    accounts.add_account(accounts.new_account("work", "harvest", spec["url"], {}), spec["secrets"])
    window.reload_accounts()
    window.account_view.setCurrentIndex(
        window.account_model.index(window.account_model.row_of("work") or 0)
    )
    window.action_new.trigger()
    clients = [c["name"] for c in harvest.service.state()["clients"]]
    qtbot.waitUntil(lambda: sorted(window.editor.clients) == sorted(clients), timeout=10000)
    assert "client" in window.editor.organization.placeholderText()
    completer = window.editor.organization.completer()
    assert completer is not None and completer.model().rowCount() == len(clients)
