"""What the screenshots showed: radio buttons faint on a dark palette, an account badge
broken at its hyphen in a narrow detail pane, an empty box under "More settings"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QImage, QPalette, QTextLayout
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QRadioButton,
    QStyle,
    QStyleFactory,
    QVBoxLayout,
    QWidget,
)

from addressbook.model import Contact, Phone
from addressbook.store import Record
from addressbook.ui.colours import (
    NON_TEXT,
    ReadableIndicators,
    accessible_palette,
    apply_readable_indicators,
    contrast,
    dark_palette,
    indicator_outline,
    over,
)
from addressbook.ui.detail import ContactView, person_html
from addressbook.ui.main_window import MainWindow

R = QPalette.ColorRole


def _indicators(palette: QPalette, style: QStyle) -> tuple[QImage, list[QColor]]:
    """A chosen and an unchosen radio button and a check box, drawn; and the pixels across
    the unchosen button's indicator (through its middle)."""
    from PySide6.QtWidgets import QStyleOptionButton

    panel = QWidget()
    panel.setPalette(palette)
    layout = QVBoxLayout(panel)
    buttons = [QRadioButton("Finance Director"), QRadioButton("Chief Financial Officer")]
    buttons[0].setChecked(True)
    box = QCheckBox("More settings")
    for widget in (*buttons, box):
        widget.setStyle(style)
        layout.addWidget(widget)
    panel.resize(240, 120)
    panel.show()
    QApplication.processEvents()
    image = panel.grab().toImage()
    unchosen = buttons[1]
    option = QStyleOptionButton()
    option.initFrom(unchosen)
    ring = style.subElementRect(QStyle.SubElement.SE_RadioButtonIndicator, option, unchosen)
    top = unchosen.geometry().top() + ring.center().y()
    left = unchosen.geometry().left() + ring.left()
    row = [image.pixelColor(x, top) for x in range(left - 1, left + ring.width() + 1)]
    panel.close()
    return image, row


def test_unchosen_radio_buttons_read_on_the_dark_palette(qapp) -> None:  # type: ignore[no-untyped-def]
    apply_readable_indicators(qapp)  # what the window does under Fusion
    assert isinstance(qapp.style(), ReadableIndicators)
    dark = accessible_palette(dark_palette())
    window, base = dark.color(R.Window), dark.color(R.Base)
    ring = indicator_outline(dark)
    # computed from the roles the ring is drawn between: the window outside, base inside
    assert contrast(ring, window) >= NON_TEXT and contrast(ring, base) >= NON_TEXT
    # Fusion's own ring (the window colour, darker) was the faint one
    assert contrast(window.darker(150), window) < 1.5
    # the conflict dialog's tint of a changed value, under the ring
    tinted = QPalette(dark)
    tint = QColor(230, 160, 0, 55)
    tinted.setColor(R.Window, tint)
    tinted.setColor(R.Base, tint)
    assert contrast(indicator_outline(tinted, window), over(tint, window)) >= NON_TEXT
    # and drawn: the unchosen button's ring, measured in the picture
    _image, row = _indicators(dark, qapp.style())
    assert max(contrast(c, window) for c in row) >= NON_TEXT, [c.name() for c in row]
    _plain, fusion_row = _indicators(dark, QStyleFactory.create("Fusion"))
    assert max(contrast(c, window) for c in fusion_row) < NON_TEXT  # what the screenshot showed


def test_unchosen_radio_buttons_read_on_the_light_palette_too(qapp) -> None:  # type: ignore[no-untyped-def]
    light = accessible_palette(QStyleFactory.create("Fusion").standardPalette())
    window, base = light.color(R.Window), light.color(R.Base)
    ring = indicator_outline(light)
    assert contrast(ring, window) >= NON_TEXT and contrast(ring, base) >= NON_TEXT
    _image, row = _indicators(light, ReadableIndicators("fusion"))
    assert max(contrast(c, window) for c in row) >= NON_TEXT, [c.name() for c in row]
    _plain, fusion_row = _indicators(light, QStyleFactory.create("Fusion"))
    assert max(contrast(c, window) for c in fusion_row) < NON_TEXT  # Fusion's own: ~2.3:1


def test_an_account_badge_does_not_break_inside_the_name(qtbot) -> None:  # type: ignore[no-untyped-def]
    names = ["sandbox-xero-legacy", "sandbox-acuinvoice", "sandbox-harvest", "my xero books"]
    records = [  # one phone number on three of the four: it carries three badges
        Record(n, name, str(n), "synced", _ada(shared=n > 0), person=7)
        for n, name in enumerate(names)
    ]
    view = ContactView()
    qtbot.addWidget(view)
    html = person_html(records, lambda a: "Acme", lambda a: "harvest", view.palette())
    view.setHtml(html)
    view.resize(470, 600)
    view.show()
    qtbot.waitExposed(view)
    document = view.document()
    for width in range(260, 640, 15):  # narrow detail panes of many widths
        document.setTextWidth(width)
        lines = _lines(document)
        assert not [line for line in lines if line.endswith("-")], (width, lines)
        for name in names:  # each badge whole on one line
            assert any(name in line for line in lines), (width, name, lines)
    # what is read and copied is the account's real name
    assert all(name in view.toPlainText() for name in names)
    assert "\u2060" not in view.toPlainText()
    view.selectAll()
    copied = view.createMimeDataFromSelection().text()
    assert all(name in copied for name in names) and "\u2060" not in copied


def test_a_badge_keeps_the_spaces_of_a_name_together() -> None:
    from addressbook.ui.detail import _badge, readable_text

    badge = _badge("My Work Xero", "#5b6770")
    assert "My Work Xero" not in badge  # no space to break at inside the name
    assert "My Work Xero" in readable_text(badge)  # and read as it is


def _ada(shared: bool) -> Contact:
    phone = "555.555.1597" if shared else "555551597"
    return Contact(display_name="Ada Lovelace", phones=[Phone(phone, "mobile")])


def _lines(document) -> list[str]:  # type: ignore[no-untyped-def]
    """Each laid-out line's text, the invisible joiners and no-break spaces made plain."""
    found: list[str] = []
    block = document.begin()
    while block.isValid():
        layout: QTextLayout = block.layout()
        text = block.text()
        for n in range(layout.lineCount()):
            line = layout.lineAt(n)
            part = text[line.textStart() : line.textStart() + line.textLength()]
            found.append(part.replace("\u2060", "").replace("\u00a0", " ").strip())
        block = block.next()
    return found


def test_more_settings_is_a_box_only_when_unfolded(
    qtbot, window: MainWindow, keyring_file: Path | None
) -> None:  # type: ignore[no-untyped-def]
    from addressbook.ui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start_adding()
    dialog.service.setCurrentIndex(dialog.service.findData("harvest"))
    assert dialog.advanced_form.rowCount() > 0  # Harvest has its timeouts there
    assert dialog.advanced.isVisible() and not dialog.advanced.isChecked()
    assert not dialog.advanced_box.isVisible()  # folded: no empty frame drawn
    dialog.advanced.setChecked(True)
    assert dialog.advanced_box.isVisible()
    shown = [
        dialog.advanced_form.itemAt(row, dialog.advanced_form.ItemRole.FieldRole).widget()
        for row in range(dialog.advanced_form.rowCount())
    ]
    assert shown and all(field.isVisible() for field in shown)  # it holds its settings
    assert dialog.advanced_box.height() > 40
    dialog.advanced.setChecked(False)
    assert not dialog.advanced_box.isVisible()
    dialog._build_fields("no-such-service", None)  # a service with nothing to show there
    assert not dialog.advanced.isVisible() and not dialog.advanced_box.isVisible()
    dialog.close()
