"""Findings of issue 14 that had no test of their own (see /work/notes/issue14_audit.md):
a missing system library named in one sentence, the push bar gone once a push works, a
row that says its account, the Accounts dialog's status announced, several contacts
copied to an account at once, mnemonics on the editor's lists, no mnemonic clash in
German either."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from addressbook import accounts
from addressbook.model import Contact, Email
from addressbook.store import Store
from addressbook.ui import display
from addressbook.ui.app import window_settings
from addressbook.ui.main_window import ANNOUNCER, MainWindow


@pytest.fixture
def window(qtbot, store: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.editor.cancelled.emit()
    win.close()
    win.tasks.wait(10000)
    win.deleteLater()


# -- set-up ------------------------------------------------------------------------------


def _plugin_needing_a_gone_library(folder: Path) -> Path:
    """A real shared library like Qt's xcb plugin, linked to a library that is not there."""
    (folder / "gone.c").write_text("int gone(void) { return 1; }\n")
    (folder / "plugin.c").write_text("int gone(void);\nint plugin(void) { return gone(); }\n")
    gcc = shutil.which("gcc") or shutil.which("cc")
    assert gcc, "a C compiler is needed to build the stand-in plugin"
    run = {"check": True, "cwd": folder, "capture_output": True}
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-o", "libxcb-gone-test.so.1", "gone.c"],
        **run,  # type: ignore[call-overload]
    )
    subprocess.run(
        [
            gcc,
            "-shared",
            "-fPIC",
            "-o",
            "libqxcb.so",
            "plugin.c",
            "-L.",
            "-l:libxcb-gone-test.so.1",
        ],
        **run,  # type: ignore[call-overload]
    )
    (folder / "libxcb-gone-test.so.1").unlink()  # as on a machine without the package
    return folder / "libqxcb.so"


def test_a_missing_system_library_is_named_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = _plugin_needing_a_gone_library(tmp_path)
    monkeypatch.setattr(display, "_platform_plugin", lambda name: plugin)
    problem = display.display_problem({"DISPLAY": ":0"})
    assert problem is not None
    assert "libxcb-gone-test.so.1" in problem and "README" in problem
    assert "\n" not in problem and str(tmp_path) not in problem and "QT_" not in problem
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(display.NoDisplay, match="libxcb-gone-test"):
        display.require_display()
    # the real plugin of this machine loads: no sentence
    monkeypatch.undo()
    assert display.display_problem({"DISPLAY": ":0"}) is None


# -- stale state ---------------------------------------------------------------------------


def test_the_push_bar_goes_when_the_next_push_works(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from addressbook.errors import ServiceUnavailable
    from addressbook.sync.push import PushResult, Refusal

    grace = window.store.search_ids("grace")[0]
    refused = PushResult("work", refused=[Refusal(grace, "Grace Hopper", "The email is taken.")])
    window._job_finished("push", "work", refused)
    assert window.message_bar.isVisible() and "refused 1 contact" in window.message_bar.text.text()
    window._job_finished("push", "work", PushResult("work", updated=1))
    assert not window.message_bar.isVisible()
    window._job_failed("push", "work", ServiceUnavailable("no route"))
    assert window.message_bar.isVisible()
    window._job_finished("push", "work", PushResult("work", updated=1))
    assert not window.message_bar.isVisible()


# -- accessibility -------------------------------------------------------------------------


def test_a_record_row_says_its_account(
    qtbot, window: MainWindow, store: Store, keyring_file: Path
) -> None:  # type: ignore[no-untyped-def]
    accounts.add_account(
        accounts.new_account("books", "acuinvoice", "https://acme.acuinvoice.com", {}),
        {"api_key": "k"},
    )
    window.reload_accounts()
    ada = store.get(store.search_ids("ada")[0])
    assert ada is not None
    copy = store.create(ada.contact, "books")
    window.refresh()
    model = window.model
    local_row = model.row_of(store.search_ids("grace")[0])
    assert local_row is not None
    spoken = model.index(local_row).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Grace Hopper" in spoken and "on this computer" in spoken
    row = model.row_of(copy)  # in "All contacts": each row says where it is
    assert row is not None
    spoken = model.index(row).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Ada Lovelace" in spoken and "in books" in spoken


def test_the_accounts_dialog_announces_its_status(
    qtbot, window: MainWindow, keyring_file: Path
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(window)
    dialog.show()
    dialog.start_adding()
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    with qtbot.waitSignal(ANNOUNCER.said) as said:
        dialog.save()  # nothing filled in: the status line says what is missing
    assert said.args[0] == dialog.status.text() and said.args[0]
    dialog.close()


# -- many at once --------------------------------------------------------------------------


def test_several_contacts_are_copied_to_an_account_at_once(
    qtbot, window: MainWindow, store: Store, keyring_file: Path
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.rules import remember_clients
    from addressbook.ui.copy_dialog import CopyToAccountDialog

    accounts.add_account(
        accounts.new_account("books", "acuinvoice", "https://acme.acuinvoice.com", {}),
        {"api_key": "k"},
    )
    window.reload_accounts()
    ids = [
        store.create(
            Contact(
                display_name=f"{given} {family}",
                given_name=given,
                family_name=family,
                emails=[Email(f"{given.lower()}@example.org")],
            )
        )
        for given, family in (("Lise", "Meitner"), ("Marie", "Curie"))
    ]
    window.refresh()
    window.select_ids(ids)
    assert sorted(window.selected_ids()) == sorted(ids)
    assert window.action_copy.isEnabled()
    remember_clients(store, "books", ["Acme Ltd"])  # as the last sync left them
    dialog = CopyToAccountDialog(window, window.selected_records())
    dialog.show()
    assert dialog.account.currentData() == "books"
    dialog.copy()
    assert not dialog.isVisible(), dialog.note.text()  # done: no sentence to fix
    copies = [r for r in store.records(store.search_ids(account="books"))]
    assert sorted(r.contact.display_name for r in copies) == ["Lise Meitner", "Marie Curie"]
    assert all(r.state == "new" and r.contact.organization == "Acme Ltd" for r in copies)
    for original in ids:
        assert store.person_of(original) is not None  # each joined with its copy


# -- keyboard ------------------------------------------------------------------------------


def test_the_editors_lists_have_mnemonics(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.select_contact(window.store.search_ids("ada")[0])
    window.action_edit.trigger()
    editor = window.editor
    buddies = {
        label.buddy(): label.text() for label in editor.findChildren(QLabel) if label.buddy()
    }
    for entries in (editor.emails, editor.phones, editor.addresses, editor.urls):
        target = entries.first_field()
        assert target in buddies, entries.accessibleName()
        assert "&" in buddies[target], buddies[target]


@pytest.mark.usefixtures("german")
def test_no_mnemonic_clash_in_german(qtbot, store: Store, keyring_file: Path) -> None:  # type: ignore[no-untyped-def]
    from addressbook.rules import remember_clients
    from addressbook.sync.push import Refusal
    from addressbook.ui.accounts_dialog import AccountsDialog
    from addressbook.ui.copy_dialog import CopyToAccountDialog
    from addressbook.ui.push_preview import PushPreviewDialog
    from addressbook.ui.refusals import RefusalsDialog
    from tests.ui.test_keyboard import assert_no_clash, mnemonics

    win = MainWindow(store, window_settings())
    win.show()
    try:
        assert win.action_new.text() != "&New Contact"  # German, really
        assert_no_clash(win)
        ada = store.search_ids("ada")[0]
        assert win.select_contact(ada)
        win.action_edit.trigger()
        assert len(mnemonics(win)) > 10
        assert_no_clash(win)
        win.editor.cancelled.emit()
        accounts.add_account(
            accounts.new_account("work", "harvest", "https://acme.harvestapp.com", {}),
            {"email": "a@b.example", "password": "pw"},
        )
        remember_clients(store, "work", ["Acme Ltd"])
        win.reload_accounts()
        assert win.select_contact(ada)
        dialogs: list[QWidget] = [
            AccountsDialog(win),
            CopyToAccountDialog(win, win.selected_records()),
        ]
        store.create(store.get(ada).contact, "work")  # type: ignore[union-attr]
        dialogs.append(PushPreviewDialog(win, None))
        dialogs.append(RefusalsDialog(win, "work", [Refusal(ada, "Ada", "nein")]))
        for dialog in dialogs:
            dialog.show()
            assert mnemonics(dialog), dialog.objectName()
            assert_no_clash(dialog)
            dialog.close()
        adding = AccountsDialog(win)
        adding.show()
        adding.start_adding()
        adding.advanced.setChecked(True)
        assert_no_clash(adding)
        adding.close()
    finally:
        win.close()
        win.deleteLater()


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_mnemonic_clash_in_the_resolve_people_and_delete_dialogs(
    qtbot, store: Store, request: pytest.FixtureRequest, language: str
) -> None:  # type: ignore[no-untyped-def]
    """The dialogs the other clash tests do not open: Resolve, People, a person's Delete."""
    from addressbook.model import Patch
    from addressbook.store import FieldConflict
    from addressbook.ui.conflict_dialog import ConflictDialog
    from addressbook.ui.people_dialog import DeletePersonDialog, PeopleDialog
    from tests.ui.test_keyboard import assert_no_clash, mnemonics
    from tests.ui.test_looks import assert_indicators_read

    if language == "de":
        request.getfixturevalue("german")
    ada = Contact(display_name="Ada King", emails=[Email("ada@analytical.example")])
    x = store.apply_remote("xero-demo", "X1", ada, {}, None)
    h = store.apply_remote("harvest-demo", "H1", ada, {}, None)
    seen = store.get(h).contact  # type: ignore[union-attr]
    store.apply_patch(h, Patch.setting(seen, title="Countess"))
    store.set_conflict(
        h,
        [FieldConflict("title", "", "Countess", "Mathematician")],
        Contact(display_name="Ada King", title="Mathematician"),
        {},
        "s2",
    )
    win = MainWindow(store, window_settings())
    win.show()
    try:
        record, conflict = store.get(h), store.conflict(h)
        assert record is not None and conflict is not None
        dialogs: list[QWidget] = [ConflictDialog(win, record, conflict), PeopleDialog(win)]
        person = store.join([x, h]).person
        dialogs.append(DeletePersonDialog(win, store.person_records(person)))
        for dialog in dialogs:
            dialog.show()
            assert mnemonics(dialog), dialog.objectName()
            assert_no_clash(dialog)
            assert_indicators_read(dialog)
            dialog.close()
    finally:
        win.close()
        win.deleteLater()


def test_the_account_badges_of_a_persons_detail_read(qapp) -> None:  # type: ignore[no-untyped-def]
    """White account names on each service's badge colour: ≥ 4.5:1 (WCAG AA)."""
    from PySide6.QtGui import QColor

    from addressbook.ui.detail import BADGE_COLOURS
    from tests.ui.test_screens import AA, contrast

    for service, colour in BADGE_COLOURS.items():
        assert contrast(QColor("white"), QColor(colour)) >= AA, (service, colour)


def test_an_unknown_client_is_said_beside_the_field_without_a_wall_of_names(
    qtbot, window: MainWindow, keyring_file: Path
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.rules import remember_clients

    accounts.add_account(
        accounts.new_account("work", "harvest", "https://acme.harvestapp.com", {}),
        {"email": "me@acme.example", "password": "pw"},
    )
    remember_clients(window.store, "work", [f"Client {n}" for n in range(40)] + ["Acme Ltd"])
    window.reload_accounts()
    window.account_view.setCurrentIndex(window.account_model.index(2))
    assert window.current_account() == "work"
    window.action_new.trigger()
    editor = window.editor
    qtbot.keyClicks(editor.given_name, "Ada")
    qtbot.keyClicks(editor.family_name, "Byron")
    qtbot.keyClicks(editor.organization, "Acme")
    label = editor.problem_labels["organization"]
    assert label.isVisible() and "Acme" in label.text()
    assert label.text().count("Client ") <= 8, label.text()  # not the 41 names
    assert "Acme Ltd" in label.text()  # the nearest to what was typed
    window.editor.cancelled.emit()
