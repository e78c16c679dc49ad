"""What the window leaves until after the list is painted: the contact form is built once
the window is idle (never between keys), and a form asked for sooner is built then."""

from __future__ import annotations

import time

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

from addressbook.model import Contact
from addressbook.store import Store
from addressbook.ui.ahead import TYPING_SECONDS
from addressbook.ui.app import window_settings
from addressbook.ui.main_window import EDITOR_IDLE_MS, MainWindow


def _form(win: MainWindow) -> QWidget | None:
    return win.findChild(QWidget, "contactEditor")


def _open(store: Store, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_form_is_built_once_the_list_is_painted_and_idle(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    store.create(Contact(display_name="Ada King"))
    win = _open(store, qtbot)
    assert _form(win) is None  # not part of the start
    qtbot.waitExposed(win)
    QApplication.processEvents()
    assert _form(win) is None  # painted, not idle for long yet
    qtbot.waitUntil(lambda: _form(win) is not None, timeout=EDITOR_IDLE_MS + 3000)
    form = _form(win)
    assert form is not None and not form.isVisible()  # built, the contact list still shown
    # the pane's minimum is the form's from now on: dragging the splitter is final
    assert win.detail.minimumSizeHint().width() >= form.minimumSizeHint().width()
    # the list's own viewport (made in Python) is painted as Qt's would be
    viewport = win.list_view.viewport()
    assert viewport.backgroundRole() == QPalette.ColorRole.Base
    assert viewport.autoFillBackground()
    win.close()


def test_typing_puts_the_form_off_until_the_keys_stop(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    win = _open(store, qtbot)
    qtbot.waitExposed(win)
    win.search.setFocus()
    typing_until = time.monotonic() + EDITOR_IDLE_MS / 1000 + 1.0
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while time.monotonic() < typing_until:  # a key every 0.2 s, past the idle moment
        qtbot.keyClick(win.search, letters[n % len(letters)])
        n += 1
        qtbot.wait(200)
        assert _form(win) is None, "built between two keys"
    stopped = time.monotonic()
    qtbot.waitUntil(lambda: _form(win) is not None, timeout=3000)
    assert time.monotonic() - stopped >= TYPING_SECONDS * 0.5  # after the keys, not at once
    win.close()


def test_a_form_asked_for_at_once_is_built_then_and_works(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    win = _open(store, qtbot)
    win.action_new.trigger()  # before the window was ever idle
    form = _form(win)
    assert form is not None and win.detail.editing()
    qtbot.keyClicks(win.editor.display_name, "Katherine Johnson")
    win.editor.save_button.click()  # its signals are the window's
    names = [store.get(i).contact.display_name for i in store.search_ids("katherine")]  # type: ignore[union-attr]
    assert names == ["Katherine Johnson"]
    assert not win.detail.editing()
    win.close()
