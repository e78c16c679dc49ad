"""The editor: a patch of the fields changed, fields moved meanwhile asked, the new fields,
and every check from rules.py beside its field as one types (Harvest's client included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from addressbook.model import Contact, Patch, Url
from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, store: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    # not qtbot.addWidget: pytest-qt would close it before this fixture's end, asking about
    # a form a test leaves edited
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.editor.cancelled.emit()  # leave no edited form open: closing would ask
    win.close()
    win.deleteLater()


def press_in_box(name: str, seen: list[str]) -> None:
    """When the message box opens, press its button with this objectName."""

    def attempt(tries: int = 0) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text() + "\n" + box.informativeText())
            button = box.findChild(QPushButton, name)
            assert button is not None, name
            button.click()
        elif tries < 300:
            QTimer.singleShot(10, lambda: attempt(tries + 1))

    QTimer.singleShot(0, attempt)


def other_process_sets(store: Store, contact_id: int, **values: object) -> None:
    with Store(store.path) as other:
        seen = other.get(contact_id).contact  # type: ignore[union-attr]
        other.apply_patch(contact_id, Patch.setting(seen, **values), moved="refuse")


def test_fields_the_form_lacks_and_fields_changed_elsewhere_survive(
    qtbot, window: MainWindow, store: Store
) -> None:  # type: ignore[no-untyped-def]
    card = {"name": "X-ANNIVERSARY", "params": {}, "value": "2001-09-01"}
    contact_id = store.create(Contact(display_name="Mary Anning", notes="fossils", extra=[card]))
    window.refresh()
    assert window.select_contact(contact_id)
    window.action_edit.trigger()
    window.editor.title.setText("Palaeontologist")
    other_process_sets(store, contact_id, notes="fossils; Lyme Regis")  # while the form is open
    window.editor.save_button.click()
    saved = store.get(contact_id).contact  # type: ignore[union-attr]
    assert saved.title == "Palaeontologist"
    assert saved.notes == "fossils; Lyme Regis"  # not in the patch: the other edit stays
    assert saved.extra and saved.extra[0]["name"] == "X-ANNIVERSARY"


@pytest.mark.parametrize(
    ("button", "expected"),
    [("keepTheirsButton", "Geologist"), ("overwriteButton", "Palaeontologist")],
)
def test_a_field_moved_meanwhile_is_asked(
    qtbot, window: MainWindow, store: Store, button: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    contact_id = store.create(Contact(display_name="Mary Anning", title="Collector"))
    window.refresh()
    assert window.select_contact(contact_id)
    window.action_edit.trigger()
    window.editor.title.setText("Palaeontologist")
    window.editor.notes.setPlainText("Lyme Regis")
    other_process_sets(store, contact_id, title="Geologist")
    seen: list[str] = []
    press_in_box(button, seen)
    window.editor.save_button.click()
    assert seen and "job title" in seen[0] and "Geologist" in seen[0]
    saved = store.get(contact_id).contact  # type: ignore[union-attr]
    assert saved.title == expected
    assert saved.notes == "Lyme Regis"  # the field that did not move lands either way
    assert not window.detail.editing()


def test_keep_editing_writes_nothing(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    contact_id = store.create(Contact(display_name="Mary Anning", title="Collector"))
    window.refresh()
    assert window.select_contact(contact_id)
    window.action_edit.trigger()
    window.editor.title.setText("Palaeontologist")
    other_process_sets(store, contact_id, title="Geologist")
    seen: list[str] = []
    from addressbook.i18n import _

    def keep(tries: int = 0) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            next(b for b in box.buttons() if b.text() == _("Keep &Editing")).click()
        elif tries < 300:
            QTimer.singleShot(10, lambda: keep(tries + 1))

    QTimer.singleShot(0, keep)
    window.editor.save_button.click()
    assert seen
    assert window.detail.editing() and window.editor.title.text() == "Palaeontologist"
    assert store.get(contact_id).contact.title == "Geologist"  # type: ignore[union-attr]
    window.editor.cancelled.emit()  # leave no edited form open: closing would ask


def test_new_fields_round_trip(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    window.action_new.trigger()
    editor = window.editor
    qtbot.keyClicks(editor.given_name, "Rosalind")
    qtbot.keyClicks(editor.family_name, "Franklin")
    qtbot.keyClicks(editor.nickname, "Rosy")
    qtbot.keyClicks(editor.birthday, "1920-07-25")
    qtbot.keyClicks(editor.categories, "science, King's College")
    editor.urls.add_button.click()
    qtbot.keyClicks(editor.urls.rows()[0].url, "https://example.org/rosalind")  # type: ignore[attr-defined]
    editor.save_button.click()
    contact_id = store.search_ids("rosalind")[0]
    saved = store.get(contact_id).contact  # type: ignore[union-attr]
    assert saved.display_name == "Rosalind Franklin"
    assert (saved.nickname, saved.birthday) == ("Rosy", "1920-07-25")
    assert list(saved.categories) == ["science", "King's College"]
    assert list(saved.urls) == [Url("https://example.org/rosalind", "work")]
    window.action_edit.trigger()
    assert (
        editor.nickname.text() == "Rosy" and editor.categories.text() == "science, King's College"
    )


def test_problems_show_beside_their_field_as_one_types(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.action_new.trigger()
    editor = window.editor
    qtbot.keyClicks(editor.display_name, "Dorothy Hodgkin")
    qtbot.keyClicks(editor.birthday, "12 May")
    label = editor.problem_labels["birthday"]
    assert label.isVisible() and "YYYY-MM-DD" in label.text()
    assert not editor.save_button.isEnabled()
    assert "YYYY-MM-DD" in editor.birthday.accessibleDescription()
    editor.birthday.clear()
    qtbot.keyClicks(editor.birthday, "1910-05-12")
    assert not label.isVisible() and editor.save_button.isEnabled()
    editor.display_name.clear()
    name_label = editor.problem_labels["display_name"]
    assert name_label.isVisible() and "name" in name_label.text()


def test_the_same_sentence_as_the_command_line(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from addressbook.rules import check_new

    window.action_new.trigger()
    qtbot.keyClicks(window.editor.display_name, "Chien-Shiung Wu")
    window.editor.birthday.setText("not a date")
    expected = check_new(window.editor.contact(), None)[0].sentence
    assert window.editor.problem_labels["birthday"].text() == expected


def test_harvest_client_checked_while_typing(qtbot, window: MainWindow, keyring_file) -> None:  # type: ignore[no-untyped-def]
    from addressbook import accounts
    from addressbook.rules import remember_clients

    accounts.add_account(
        accounts.new_account("work", "harvest", "https://acme.harvestapp.com", {}),
        {"email": "me@acme.example", "password": "pw"},
    )
    clients = [f"Client {n}" for n in range(40)] + ["Acme Ltd"]
    remember_clients(window.store, "work", clients)
    window.reload_accounts()
    window.account_view.setCurrentIndex(window.account_model.index(2))
    assert window.current_account() == "work"
    window.action_new.trigger()
    editor = window.editor
    qtbot.keyClicks(editor.given_name, "Ada")
    qtbot.keyClicks(editor.family_name, "Byron")
    qtbot.keyClicks(editor.organization, "Nobody Inc")
    label = editor.problem_labels["organization"]
    assert label.isVisible() and "Nobody Inc" in label.text()
    assert not editor.save_button.isEnabled()
    completer = editor.organization.completer()
    assert completer is not None and completer.model().rowCount() == len(clients)
    editor.organization.setText("acme ltd")  # matched without regard to case
    assert not label.isVisible()
    assert editor.save_button.isEnabled()
