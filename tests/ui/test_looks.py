"""What the screenshots showed: radio buttons faint on a dark palette, an account badge
broken at its hyphen in a narrow detail pane, an empty box under "More settings"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QImage, QPalette, QTextLayout
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QRadioButton,
    QStyle,
    QStyleFactory,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)

from addressbook.model import Contact, Phone
from addressbook.store import Record
from addressbook.ui.colours import (
    NON_TEXT,
    ReadableIndicators,
    accessible_palette,
    contrast,
    dark_palette,
    indicator_outline,
    over,
    readable_indicators,
)
from addressbook.ui.detail import ContactView, person_html
from addressbook.ui.main_window import MainWindow

R = QPalette.ColorRole


def _indicators(palette: QPalette, style: QStyle | None = None) -> tuple[QImage, list[QColor]]:
    """A chosen and an unchosen radio button and a check box, drawn (in `style`, or as the
    dialogs draw theirs: readable_indicators); and the pixels across the unchosen
    button's indicator (through its middle)."""
    panel = QWidget()
    panel.setPalette(palette)
    layout = QVBoxLayout(panel)
    buttons = [QRadioButton("Finance Director"), QRadioButton("Chief Financial Officer")]
    buttons[0].setChecked(True)
    box = QCheckBox("More settings")
    for widget in (*buttons, box):
        if style is not None:
            widget.setStyle(style)
        layout.addWidget(widget)
    if style is None:
        readable_indicators(panel)
    panel.resize(240, 120)
    panel.show()
    QApplication.processEvents()
    image = panel.grab().toImage()
    row = _ring_row(image, buttons[1], panel)
    panel.close()
    return image, row


def _ring_row(image: QImage, button: QAbstractButton, top: QWidget) -> list[QColor]:
    """The pixels of `image` (a grab of `top`) across `button`'s indicator, through its
    middle, one pixel either side."""
    option = QStyleOptionButton()
    option.initFrom(button)
    element = (
        QStyle.SubElement.SE_RadioButtonIndicator
        if isinstance(button, QRadioButton)
        else QStyle.SubElement.SE_CheckBoxIndicator
    )
    ring = button.style().subElementRect(element, option, button)
    origin = button.mapTo(top, ring.topLeft())
    y = origin.y() + ring.height() // 2
    return [
        image.pixelColor(x, y)
        for x in range(max(0, origin.x() - 1), min(image.width(), origin.x() + ring.width() + 1))
    ]


def assert_indicators_read(dialog: QWidget) -> None:
    """Every unchosen radio button and check box of a shown dialog, as drawn: its ring
    reads at 3:1 or more against the inside of the indicator (WCAG 1.4.11)."""
    QApplication.processEvents()
    image = dialog.grab().toImage()
    for button in dialog.findChildren(QAbstractButton):
        if not isinstance(button, (QRadioButton, QCheckBox)) or not button.isVisible():
            continue
        if button.isChecked() or not button.isEnabled():
            continue
        row = _ring_row(image, button, dialog)
        inside = row[len(row) // 2]
        best = max(contrast(c, inside) for c in row)
        assert best >= NON_TEXT, (dialog.objectName(), button.text(), [c.name() for c in row])


def test_unchosen_radio_buttons_read_on_the_dark_palette(qapp) -> None:  # type: ignore[no-untyped-def]
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
    # and the inside of its indicator, where the tint is painted over the tint
    inside = over(tint, over(tint, window))
    assert contrast(indicator_outline(tinted, window), inside) >= NON_TEXT
    # and drawn as the dialogs draw them: the unchosen button's ring, measured in the picture
    _image, row = _indicators(dark)
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


def test_the_window_itself_is_painted_by_qt_alone(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    """The readable rings are the dialogs' buttons' own style: the main window (no check
    boxes, no radio buttons) is not drawn through a style written in Python, which is
    called for every primitive of every paint."""
    from addressbook.ui.app import window_settings

    win = MainWindow(store, window_settings())
    qtbot.addWidget(win)
    win.show()
    assert not isinstance(QApplication.style(), ReadableIndicators)
    assert not [w for w in win.findChildren(QWidget) if isinstance(w.style(), ReadableIndicators)]
    assert not win.findChildren(QRadioButton) and not win.findChildren(QCheckBox)


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
