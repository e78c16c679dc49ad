"""Screens and people: the window fits the screen, every text colour reads at ≥ 4.5:1 on the
light and the dark palette, every control has an accessible name, Qt speaks the language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.colours import (
    AA,
    accessible_palette,
    contrast,
    dark_palette,
    over,
    problem_colour,
    secondary_colour,
)
from addressbook.ui.main_window import MainWindow

R = QPalette.ColorRole


@pytest.fixture
def window(qtbot, store: Store) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(store, window_settings())
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.editor.cancelled.emit()
    win.close()
    win.deleteLater()


def palettes() -> list[tuple[str, QPalette]]:
    light = accessible_palette(QApplication.style().standardPalette())
    return [("light", light), ("dark", accessible_palette(dark_palette()))]


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_text_colour_reads(qapp, name: str) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.conflict_dialog import CHANGED_STYLE

    palette = dict(palettes())[name]
    base, window, alternate = (
        palette.color(R.Base),
        palette.color(R.Window),
        palette.color(R.AlternateBase),
    )
    pairs = {
        "text on base": (palette.color(R.Text), base),
        "window text": (palette.color(R.WindowText), window),
        "button text": (palette.color(R.ButtonText), palette.color(R.Button)),
        "selected text": (palette.color(R.HighlightedText), palette.color(R.Highlight)),
        "secondary on base": (palette.color(R.PlaceholderText), base),
        "secondary on window": (palette.color(R.PlaceholderText), window),
        "secondary on alternate rows": (palette.color(R.PlaceholderText), alternate),
        "links": (palette.color(R.Link), base),
        "problem text on window": (problem_colour(palette), window),
        "problem text on base": (problem_colour(palette), base),
        "account second line": (secondary_colour(palette), base),
        "tooltip": (palette.color(R.ToolTipText), palette.color(R.ToolTipBase)),
    }
    # the conflict dialog's tint of a changed value, under the window's text
    tint = QColor(230, 160, 0, 55)
    assert "230, 160, 0, 55" in CHANGED_STYLE
    pairs["changed value"] = (palette.color(R.WindowText), over(tint, window))
    for what, (text, background) in pairs.items():
        ratio = contrast(text, background)
        print(f"{name}: {what}: {ratio:.1f}:1")
        assert ratio >= AA, f"{name}: {what} has {ratio:.2f}:1"


def test_the_stock_grey_was_too_faint_and_is_fixed(qapp) -> None:  # type: ignore[no-untyped-def]
    faint = QColor("#8a8a8a")
    assert contrast(faint, QColor("#ffffff")) < AA  # what the issue found (3.4:1)
    palette = QPalette(QApplication.style().standardPalette())
    palette.setColor(R.PlaceholderText, faint)
    fixed = accessible_palette(palette)
    assert contrast(fixed.color(R.PlaceholderText), fixed.color(R.Base)) >= AA


def test_the_application_palette_is_made_accessible(window: MainWindow) -> None:
    palette = QApplication.palette()
    assert contrast(palette.color(R.PlaceholderText), palette.color(R.Base)) >= AA


def test_a_first_start_fits_the_screen(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    settings = window_settings()
    settings.setValue("window/size", QSize(2200, 1400))  # as at scale 2 on 1920×1080
    screen = QGuiApplication.primaryScreen()
    free = screen.availableGeometry()
    assert free.width() < 2200 or free.height() < 1400
    win = MainWindow(store, settings)
    win.show()
    try:
        assert win.width() <= free.width() and win.height() <= free.height()
        assert free.contains(win.frameGeometry().topLeft())
    finally:
        win.close()
        win.deleteLater()


def unnamed_controls(top: QWidget) -> list[str]:
    """Visible controls a screen reader could not name."""
    missing = []
    for widget in top.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton):
            if not (widget.text().replace("&", "").strip() or widget.accessibleName()):
                missing.append(
                    f"{type(widget).__name__} {widget.objectName()!r} in "
                    f"{type(widget.parent()).__name__} {widget.parent().objectName()!r}"
                )
        elif isinstance(widget, QLineEdit | QComboBox | QPlainTextEdit | QAbstractItemView):
            if widget.parent() is not None and isinstance(widget.parent(), QComboBox):
                continue  # a combo box's own line edit or popup
            if not widget.accessibleName():
                missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_control_has_an_accessible_name(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert unnamed_controls(window) == []
    assert window.select_contact(window.store.search_ids("ada")[0])
    window.action_edit.trigger()
    assert unnamed_controls(window) == []
    for widget in (window.search, window.list_view, window.account_view):
        assert widget.accessibleDescription()


def test_every_dialog_control_has_an_accessible_name(
    qtbot, window: MainWindow, keyring_file
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(window)
    dialog.show()
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    assert unnamed_controls(dialog) == []
    dialog.close()


def test_account_rows_say_their_service(window: MainWindow) -> None:
    from addressbook.ui.account_list import AccountEntry

    entry = AccountEntry("work", "work", "harvest", 3, 0, None, None, "harvest", False, "Harvest")
    assert "Harvest" in entry.accessible() and "3 contacts" in entry.accessible()


def test_status_lines_are_announced(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.announced) as said:
        window.show_status("Saved Ada Lovelace.")
    assert said.args == ["Saved Ada Lovelace."]


def test_qt_speaks_the_language_and_dates_follow_the_locale() -> None:
    from PySide6.QtCore import QLocale

    from addressbook.ui.account_list import ago
    from addressbook.ui.app import use_language, user_language

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert user_language({"LANGUAGE": "de:en", "LANG": "C.UTF-8"}) == "de"
    assert user_language({"LANG": "C.UTF-8"}) == ""
    try:
        assert use_language(app, "de")  # qtbase_de.qm found and loaded
        assert QApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"
        assert ago("2024-03-05T10:00:00Z") == "05.03.24"
    finally:
        use_language(app, "en")
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert ago("2024-03-05T10:00:00Z") == "3/5/24"


def test_dates_and_numbers_follow_the_format_locale() -> None:
    from addressbook.ui.app import _format_locale

    assert _format_locale({"LANG": "C.UTF-8"}) == ""
    assert _format_locale({"LC_ALL": "de_AT.UTF-8", "LANG": "en_GB.UTF-8"}) == "de_AT"
    assert _format_locale({"LC_TIME": "fr_FR@euro", "LANG": "en_GB.UTF-8"}) == "fr_FR"
    assert _format_locale({"LANGUAGE": "de"}) == ""  # the messages' language is not a format


def test_the_detail_hint_is_readable_text_not_a_disabled_control(window: MainWindow) -> None:
    hint = window.detail.hint
    assert hint.isEnabled()
    palette = hint.palette()
    colour = palette.color(hint.foregroundRole())
    assert contrast(colour, palette.color(R.Window)) >= AA
