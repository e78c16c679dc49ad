"""The push preview's Push Selected, and an account whose server is gone, through the window."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from addressbook import accounts
from addressbook.model import Patch, Phone
from addressbook.sandbox import SERVICES
from addressbook.sandbox.core import SandboxServer
from addressbook.ui.main_window import MainWindow
from addressbook.ui.push_preview import PushPreviewDialog
from tests.fixtures.sandbox import sandbox_account
from tests.ui.test_end_to_end import open_dialog, sync


def add_account(window: MainWindow, server: SandboxServer, **settings: str) -> None:
    """The account 'work' on that server, known to the window."""
    spec = sandbox_account(server, "work")
    config = accounts.new_account("work", "harvest", spec["url"], {**spec["settings"], **settings})
    accounts.add_account(config, spec["secrets"])
    window.reload_accounts()


def on_service(server: SandboxServer, remote_id: str | None) -> dict[str, Any]:
    return next(c for c in server.service.state()["contacts"] if str(c["id"]) == remote_id)


def contact_items(preview: PushPreviewDialog) -> dict[int, QTreeWidgetItem]:
    """contact id → its line in the preview."""
    top = preview.tree.topLevelItem(0)
    assert top is not None
    children = [top.child(i) for i in range(top.childCount())]
    return {int(c.data(0, Qt.ItemDataRole.UserRole + 1)): c for c in children if c is not None}


def test_push_selected_sends_only_the_ticked_contacts(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    add_account(window, harvest)
    sync(qtbot, window)
    ids = window.store.search_ids(account="work")[:3]
    before = {}
    for number, contact_id in enumerate(ids):
        record = window.store.get(contact_id)
        assert record is not None
        before[contact_id] = on_service(harvest, record.remote_id)["title"]
        window.store.apply_patch(
            contact_id, Patch.setting(record.contact, title=f"Title {number}"), moved="refuse"
        )

    preview: PushPreviewDialog = open_dialog(qtbot, window.action_push, PushPreviewDialog)
    items = contact_items(preview)
    assert set(items) == set(ids)
    assert preview.push_selected.isEnabled()
    for contact_id in ids[1:]:
        items[contact_id].setCheckState(0, Qt.CheckState.Unchecked)
    assert preview.checked() == {"work": [ids[0]]}
    assert preview.push_selected.isEnabled()
    failures: list[object] = []
    window.jobs.failed.connect(lambda kind, account, error: failures.append(error))
    with qtbot.waitSignal(window.jobs.idle, timeout=20000):
        qtbot.mouseClick(preview.push_selected, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.refresh_pending())

    assert not failures
    sent = window.store.get(ids[0])
    assert sent is not None and sent.state == "synced"
    assert on_service(harvest, sent.remote_id)["title"] == "Title 0"
    for contact_id in ids[1:]:
        kept = window.store.get(contact_id)
        assert kept is not None and kept.state == "modified"  # still waiting here
        assert on_service(harvest, kept.remote_id)["title"] == before[contact_id]
    assert window.store.pending_count("work") == 2


def test_unticking_everything_disables_push_selected(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    add_account(window, harvest)
    sync(qtbot, window)
    contact_id = window.store.search_ids(account="work")[0]
    record = window.store.get(contact_id)
    assert record is not None
    edited = replace(
        record.contact,
        phones=[Phone("+64 9 555 0101", "work"), Phone("+64 21 555 0102", "mobile")],
    )
    window.store.apply_patch(contact_id, Patch.between(record.contact, edited), moved="refuse")

    preview: PushPreviewDialog = open_dialog(qtbot, window.action_push, PushPreviewDialog)
    item = contact_items(preview)[contact_id]
    phones = next(
        item.child(i) for i in range(item.childCount()) if item.child(i).text(0) == "Phones"
    )
    assert phones.text(2).count("\n") == 1  # two lines: the label sits at the top, not centred
    top_left = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
    assert all(Qt.AlignmentFlag(phones.textAlignment(c)) == top_left for c in range(3))
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not preview.push_selected.isEnabled() and not preview.discard.isEnabled()
    item.setCheckState(0, Qt.CheckState.Checked)
    assert preview.push_selected.isEnabled()
    preview.reject()


def test_a_stopped_server_says_offline_within_seconds_and_browsing_goes_on(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    server = SandboxServer(SERVICES["harvest"](contacts=5, seed=1)).start()
    try:
        # give_up_seconds stays at two minutes: only the connection bound may end it early
        add_account(window, server, connect_give_up_seconds="1", read_timeout="2")
        sync(qtbot, window)
        count = window.model.rowCount()
        assert count == 5
    finally:
        server.stop()
    failures: list[object] = []
    window.jobs.failed.connect(lambda kind, account, error: failures.append(error))
    started = time.monotonic()
    sync(qtbot, window)
    assert time.monotonic() - started < 5
    assert len(failures) == 1
    assert "offline" in window.message_bar.text.text()
    entry = window.account_model.entries()[-1]
    assert entry.key == "work" and entry.offline and "offline" in entry.subtitle()
    assert entry.error and "cannot be reached" in entry.error
    # the cache keeps serving: the list and the detail pane
    assert window.model.rowCount() == count
    window.list_view.setCurrentIndex(window.model.index(0))
    shown = window.shown_record()
    assert shown is not None and shown.contact.display_name in window.detail.view.toPlainText()


def test_the_preview_shows_the_service_value_now_not_the_last_synced_one(
    qtbot, window: MainWindow, harvest: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.model import Patch

    add_account(window, harvest)
    sync(qtbot, window)
    contact_id = window.store.search_ids(account="work")[0]
    record = window.store.get(contact_id)
    assert record is not None and record.remote_id
    window.store.apply_patch(contact_id, Patch.setting(record.contact, title="Edited Here"))
    harvest.service.edit(record.remote_id, {"title": "Changed There"})  # after the last sync
    preview: PushPreviewDialog = open_dialog(qtbot, window.action_push, PushPreviewDialog)
    header = preview.tree.headerItem()
    assert header is not None
    qtbot.waitUntil(lambda: header.text(1) == "On the service now", timeout=10000)
    row = next(
        contact_items(preview)[contact_id].child(i)
        for i in range(contact_items(preview)[contact_id].childCount())
        if contact_items(preview)[contact_id].child(i).text(0) == "Job title"  # type: ignore[union-attr]
    )
    assert row is not None
    assert row.text(1) == "Changed There" and row.text(2) == "Edited Here"
    assert row.font(1).bold() and "since the last sync" in row.toolTip(1)
    preview.close()


def test_offline_the_preview_says_the_values_are_as_of_the_last_sync(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.model import Patch

    server = SandboxServer(SERVICES["harvest"](contacts=3, seed=5)).start()
    try:
        add_account(
            window, server, connect_timeout="1", give_up_seconds="2", connect_give_up_seconds="2"
        )
        sync(qtbot, window)
    finally:
        server.stop()
    contact_id = window.store.search_ids(account="work")[0]
    record = window.store.get(contact_id)
    assert record is not None
    window.store.apply_patch(contact_id, Patch.setting(record.contact, title="Edited Here"))
    preview: PushPreviewDialog = open_dialog(qtbot, window.action_push, PushPreviewDialog)
    header = preview.tree.headerItem()
    assert header is not None
    qtbot.waitUntil(lambda: header.text(1) == "When last synced", timeout=20000)
    item = contact_items(preview)[contact_id]
    assert "could not be reached" in (item.child(0).toolTip(1) if item.child(0) else "")  # type: ignore[union-attr]
    preview.close()
