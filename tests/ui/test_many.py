"""Many at once: multi-selection with delete/undo, copy as text or vCard, PDF, export,
import (a file, undone), a context menu."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

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
    win.tasks.wait(10000)
    win.deleteLater()


def names(win: MainWindow) -> list[str]:
    return [win.model.index(r).data() for r in range(win.model.rowCount())]


def select_names(win: MainWindow, *wanted: str) -> list[int]:
    ids = [win.store.search_ids(name)[0] for name in wanted]
    win.select_ids(ids)
    assert sorted(win.selected_ids()) == sorted(ids)
    return ids


def test_delete_several_then_undo(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    select_names(window, "grace", "turing", "zoë")
    assert window.action_delete.isEnabled()
    window.action_delete.trigger()
    assert names(window) == ["Ada Lovelace", "王小明"] or sorted(names(window)) == sorted(
        ["Ada Lovelace", "王小明"]
    )
    assert "3 contacts" in window.undo_bar.text.text()
    assert "3 Contacts" in window.action_undo.text()
    window.action_undo.trigger()
    assert len(names(window)) == 5
    assert len(window.selected_ids()) == 3


def test_copy_as_text_and_as_vcard(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    select_names(window, "ada", "grace")
    window.action_copy_text.trigger()
    text = QGuiApplication.clipboard().text()
    assert "Ada Lovelace" in text and "grace@navy.example" in text and "+44 20 7946 0018" in text
    window.action_copy_vcard.trigger()
    data = QGuiApplication.clipboard().mimeData()
    assert data is not None
    cards = data.text()
    assert cards.count("BEGIN:VCARD") == 2 and "FN:Grace Hopper" in cards
    assert bytes(data.data("text/vcard").data()).startswith(b"BEGIN:VCARD")
    del data
    QGuiApplication.clipboard().clear()  # its data goes while the application still lives


def test_print_the_selection_to_pdf(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    select_names(window, "ada", "grace")
    target = tmp_path / "contacts.pdf"
    assert window.print_selected(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000


def test_export_the_selection(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.transfer import export_ids

    ids = select_names(window, "ada", "王小明")
    target = tmp_path / "two.vcf"
    export_ids(window, window.selected_ids(), target, "vcard")
    qtbot.waitUntil(lambda: target.exists() and window.tasks.running == 0, timeout=5000)
    text = target.read_text("utf-8")
    assert text.count("BEGIN:VCARD") == len(ids) and "王小明" in text
    assert "Exported 2 contacts" in window.statusBar().currentMessage()


def test_import_a_file_then_undo(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.transfer import import_paths

    card = tmp_path / "people.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Hedy Lamarr\r\nN:Lamarr;Hedy;;;\r\n"
        "EMAIL:hedy@example.com\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ida Rhodes\r\nN:Rhodes;Ida;;;\r\nEND:VCARD\r\n",
        "utf-8",
    )
    import_paths(window, [card])
    qtbot.waitUntil(lambda: "Hedy Lamarr" in names(window), timeout=10000)
    assert "Ida Rhodes" in names(window)
    assert "people.vcf" in window.statusBar().currentMessage()
    assert "people.vcf" in window.action_undo.text()
    window.action_undo.trigger()
    assert "Hedy Lamarr" not in names(window) and "Ida Rhodes" not in names(window)


def test_a_broken_file_says_so_and_imports_nothing(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.transfer import import_paths

    bad = tmp_path / "bad.vcf"
    bad.write_text("This is a shopping list, not contacts.\n", "utf-8")
    import_paths(window, [bad])
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=10000)
    assert "Traceback" not in window.message_bar.text.text()
    assert len(names(window)) == 5


def test_dropping_a_vcard_file_is_accepted(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    card = tmp_path / "one.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Joan Clarke\r\nEND:VCARD\r\n", "utf-8")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(card))])
    enter = QDragEnterEvent(
        window.rect().center(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(window.rect().center()),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: "Joan Clarke" in names(window), timeout=10000)


def test_the_context_menu_offers_the_actions_for_the_selection(window: MainWindow) -> None:
    select_names(window, "ada", "grace")
    menu = window.context_menu()
    actions = [a for a in menu.actions() if not a.isSeparator()]
    for action in (
        window.action_delete,
        window.action_copy_text,
        window.action_copy_vcard,
        window.action_copy,
        window.action_export,
        window.action_print,
        window.action_push_selected,
    ):
        assert action in actions and action.isEnabled()
    assert not window.action_edit.isEnabled()  # one at a time


def test_sort_by_family_name_is_remembered(qtbot, window: MainWindow, store: Store) -> None:  # type: ignore[no-untyped-def]
    assert names(window)[:3] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert window.action_sort_given.isChecked()
    with qtbot.waitSignal(window.list_refreshed, timeout=5000):
        window.action_sort_family.trigger()
    assert names(window)[:3] == ["Alan Turing", "Grace Hopper", "Ada Lovelace"]
    qtbot.keyClicks(window.search, "example")  # every search keeps the order
    order = names(window)
    assert order.index("Grace Hopper") < order.index("Ada Lovelace")
    window.search.clear()
    window.close()
    again = MainWindow(store, window_settings())
    again.show()
    try:
        qtbot.waitUntil(
            lambda: again.action_sort_family.isChecked() and again.source.ranks, timeout=5000
        )
        qtbot.waitUntil(lambda: names(again)[2] == "Ada Lovelace", timeout=5000)
        again.action_sort_given.trigger()
        assert names(again)[0] == "Ada Lovelace"
    finally:
        again.close()
        again.deleteLater()
