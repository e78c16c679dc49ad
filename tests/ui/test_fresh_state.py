"""Fresh state: the detail pane follows the visible list, message bars go with their cause,
the window follows changes made by other processes, cheaply when idle."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator

import pytest

from addressbook.model import Contact
from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, store: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.editor.cancelled.emit()
    win.close()
    win.deleteLater()


def names(win: MainWindow) -> list[str]:
    return [win.model.index(r).data() for r in range(win.model.rowCount())]


def test_the_detail_pane_follows_the_search(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    ada = window.store.search_ids("ada")[0]
    assert window.select_contact(ada)
    assert window.action_edit.isEnabled() and window.action_delete.isEnabled()
    qtbot.keyClicks(window.search, "grace")
    assert window.detail.currentWidget() is window.detail.hint  # Ada is hidden: not shown
    assert not window.action_edit.isEnabled()
    assert not window.action_delete.isEnabled()
    window.search.clear()
    assert window.select_contact(ada)
    assert "Ada Lovelace" in window.detail.view.toPlainText()


def test_the_detail_pane_follows_the_account_filter(
    qtbot, window: MainWindow, keyring_file
) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts

    accounts.add_account(
        accounts.new_account("work", "harvest", "https://acme.harvestapp.com", {}),
        {"email": "me@acme.example", "password": "pw"},
    )
    window.reload_accounts()
    assert window.select_contact(window.store.search_ids("ada")[0])
    window.account_view.setCurrentIndex(window.account_model.index(2))  # "work": empty
    assert window.current_account() == "work"
    assert window.detail.currentWidget() is window.detail.hint
    assert not window.action_edit.isEnabled() and not window.action_delete.isEnabled()


def test_changes_from_another_process_appear(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    assert "Emmy Noether" not in names(window)
    ada = store.search_ids("ada")[0]
    assert window.select_contact(ada)
    with Store(store.path) as other:  # the command line, another window
        other.create(Contact(display_name="Emmy Noether"))
        from addressbook.model import Patch

        seen = other.get(ada).contact  # type: ignore[union-attr]
        other.apply_patch(ada, Patch.setting(seen, title="Enchantress of Numbers"))
    qtbot.waitUntil(lambda: "Emmy Noether" in names(window), timeout=5000)
    qtbot.waitUntil(lambda: "Enchantress" in window.detail.view.toPlainText(), timeout=5000)
    qtbot.waitUntil(
        lambda: window.account_model.entries()[0].contacts == 6, timeout=5000
    )  # "All contacts · 6" follows too


def test_the_watcher_sees_another_connection_only_when_it_writes(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.watcher import ChangeWatcher

    watcher = ChangeWatcher(store.path)
    watcher.start()
    assert not watcher.poll()
    store.search_ids("ada")  # reading changes nothing
    assert not watcher.poll()
    store.create(Contact(display_name="Lise Meitner"))
    assert watcher.poll()
    assert not watcher.poll()
    watcher.stop()


def test_idle_window_costs_no_cpu(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.refresh_pending())
    qtbot.wait(300)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    qtbot.wait(3000)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    share = cpu / (time.monotonic() - started)
    print(f"idle window: {share * 100:.2f} % of one CPU")
    assert share < 0.01


def test_the_conflict_bar_goes_when_the_conflicts_go(
    qtbot, window: MainWindow, keyring_file
) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts

    accounts.add_account(
        accounts.new_account("work", "harvest", "https://acme.harvestapp.com", {}),
        {"email": "me@acme.example", "password": "pw"},
    )
    window.reload_accounts()
    window._show_bar(("conflicts", "work"), "work: 1 contact changed here and there.", "conflict")
    assert window.message_bar.isVisible()
    window.refresh()  # the cache has no conflict of "work" (resolved elsewhere)
    assert not window.message_bar.isVisible()


def test_a_failed_sync_bar_goes_when_the_next_sync_works(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from addressbook.errors import ServiceUnavailable

    window._job_failed("sync", "work", ServiceUnavailable("no route"))
    assert window.message_bar.isVisible() and "offline" in window.message_bar.text.text()
    assert "work" in window.offline

    class Pulled:
        conflicts: list[int] = []

        def summary(self) -> str:
            return "1 new"

    window._job_finished("sync", "work", Pulled())
    assert not window.message_bar.isVisible()
    assert "work" not in window.offline


def test_refused_contacts_get_one_sentence_each_and_a_fix_button(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from addressbook.sync.push import PushResult, Refusal
    from addressbook.ui.refusals import RefusalsDialog

    grace = window.store.search_ids("grace")[0]
    result = PushResult("work", refused=[Refusal(grace, "Grace Hopper", "The email is taken.")])
    window._job_finished("push", "work", result)
    text = window.message_bar.text.text()
    assert "refused 1 contact" in text and "nothing else was sent" in text
    assert "#" not in text
    window.message_bar.action_button.click()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, RefusalsDialog))
    assert "Grace Hopper: The email is taken." in [
        label.text() for label in dialog.findChildren(type(window.empty))
    ]
    dialog.edit_buttons[0].click()
    assert window.detail.editing()
    assert window.editor.display_name.text() == "Grace Hopper"


def test_sign_in_failure_offers_a_button(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from addressbook.errors import AuthError

    window._job_failed("sync", "work", AuthError("bad key"))
    assert window.message_bar.action_button.isVisible()
    assert "Accounts" in window.message_bar.action_button.text()
    assert "PYTHON_KEYRING" not in window.message_bar.text.text()


def test_searches_read_ahead_are_never_stale(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    # each letter's answers arrive as they are read (the biggest first)
    qtbot.waitUntil(lambda: ("a", window.model.account) in window.source.ahead, timeout=10000)
    assert window.source.ahead[("a", window.model.account)].tolist() == store.search_ids("a")
    with Store(store.path) as other:
        other.create(Contact(display_name="Mary Somerville"))
    qtbot.waitUntil(lambda: "Mary Somerville" in names(window), timeout=5000)
    assert not window.source.ahead  # forgotten with the change
    qtbot.keyClicks(window.search, "m")
    assert "Mary Somerville" in names(window)
