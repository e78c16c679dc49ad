"""Colours of text that stay readable: WCAG contrast, accessible secondary and problem text.

Every text colour the window draws is either the palette's own or comes from here, chosen
against the background it is drawn on so its contrast is at least 4.5:1 (WCAG AA) on the
light and the dark palettes alike (tests/ui/test_screens.py computes it).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QProxyStyle,
    QRadioButton,
    QStyle,
    QStyleOption,
    QWidget,
)

AA = 4.5  # WCAG AA for body text
_TARGET = 4.8  # a little above AA: rounding and antialiasing eat some


def luminance(colour: QColor) -> float:
    """WCAG relative luminance of an opaque colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    la, lb = luminance(a), luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def over(top: QColor, bottom: QColor) -> QColor:
    """`top` (with its alpha) painted over an opaque `bottom`."""
    alpha = top.alphaF()
    return QColor.fromRgbF(
        top.redF() * alpha + bottom.redF() * (1 - alpha),
        top.greenF() * alpha + bottom.greenF() * (1 - alpha),
        top.blueF() * alpha + bottom.blueF() * (1 - alpha),
    )


def readable(wanted: QColor, background: QColor, target: float = _TARGET) -> QColor:
    """`wanted`, moved towards black or white until it reads on `background`."""
    if contrast(wanted, background) >= target:
        return QColor(wanted)
    end = QColor("black") if luminance(background) > 0.18 else QColor("white")
    colour = QColor(wanted)
    for step in range(1, 21):
        t = step / 20
        colour = QColor.fromRgbF(
            wanted.redF() * (1 - t) + end.redF() * t,
            wanted.greenF() * (1 - t) + end.greenF() * t,
            wanted.blueF() * (1 - t) + end.blueF() * t,
        )
        if contrast(colour, background) >= target:
            return colour
    return end


def is_dark(palette: QPalette) -> bool:
    return luminance(palette.color(QPalette.ColorRole.Window)) < 0.18


def problem_colour(palette: QPalette) -> QColor:
    """Red text for problems, readable on the palette's base and window colours."""
    base = palette.color(QPalette.ColorRole.Base)
    window = palette.color(QPalette.ColorRole.Window)
    red = QColor("#ff8a80") if is_dark(palette) else QColor("#b3261e")
    return readable(readable(red, base), window)


def secondary_colour(palette: QPalette, background: QColor | None = None) -> QColor:
    """Muted text (a second line, a label), still ≥ 4.5:1 on its background."""
    text = palette.color(QPalette.ColorRole.Text)
    base = background or palette.color(QPalette.ColorRole.Base)
    # halfway between text and background, then as much darker/lighter as it needs
    muted = QColor.fromRgbF(
        (text.redF() + base.redF()) / 2,
        (text.greenF() + base.greenF()) / 2,
        (text.blueF() + base.blueF()) / 2,
    )
    colour = readable(muted, base)
    return readable(colour, palette.color(QPalette.ColorRole.Window))


def accessible_palette(palette: QPalette) -> QPalette:
    """The palette with placeholder (secondary) text and links at ≥ 4.5:1 in every group."""
    result = QPalette(palette)
    for group in (
        QPalette.ColorGroup.Active,
        QPalette.ColorGroup.Inactive,
    ):
        base = result.color(group, QPalette.ColorRole.Base)
        window = result.color(group, QPalette.ColorRole.Window)
        text = result.color(group, QPalette.ColorRole.Text)
        muted = QColor.fromRgbF(
            (text.redF() + base.redF()) / 2,
            (text.greenF() + base.greenF()) / 2,
            (text.blueF() + base.blueF()) / 2,
        )
        muted = readable(readable(muted, base), window)
        alternate = result.color(group, QPalette.ColorRole.AlternateBase)
        muted = readable(muted, alternate)
        result.setColor(group, QPalette.ColorRole.PlaceholderText, muted)
        # selected rows: the highlight darkened (or lightened) until its text reads
        highlight = result.color(group, QPalette.ColorRole.Highlight)
        selected_text = result.color(group, QPalette.ColorRole.HighlightedText)
        result.setColor(group, QPalette.ColorRole.Highlight, readable(highlight, selected_text))
        for role in (QPalette.ColorRole.Link, QPalette.ColorRole.LinkVisited):
            link = readable(readable(result.color(group, role), base), window)
            result.setColor(group, role, link)
    return result


def apply_accessible_palette(app: QApplication | None = None) -> None:
    """Make the application's palette accessible (once per palette; no change, no signal)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        return
    current = app.palette()
    wanted = accessible_palette(current)
    if wanted != current:
        app.setPalette(wanted)


def dark_palette() -> QPalette:
    """A dark palette (screenshots and the contrast test; a desktop brings its own)."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e8e8e8",
        QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.AlternateBase: "#262626",
        QPalette.ColorRole.Text: "#e8e8e8",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e8e8e8",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#353535",
        QPalette.ColorRole.ToolTipText: "#e8e8e8",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.LinkVisited: "#c58af9",
        QPalette.ColorRole.PlaceholderText: "#8a8a8a",
        QPalette.ColorRole.Light: "#505050",
        QPalette.ColorRole.Midlight: "#404040",
        QPalette.ColorRole.Mid: "#303030",
        QPalette.ColorRole.Dark: "#202020",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, value in colours.items():
        palette.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#8a8a8a"))
    return palette


NON_TEXT = 3.0  # WCAG 1.4.11: a control's boundary against what is next to it
_NON_TEXT_TARGET = 3.6  # antialiasing blends a 1-pixel ring into what is beside it


def indicator_outline(palette: QPalette, under: QColor | None = None) -> QColor:
    """The ring of a radio button and the frame of a check box: halfway
    between the window's text and its background, then as far as it needs to read at
    3:1 or more on the window (outside) and on the base colour (the indicator's inside).
    A translucent tint is seen over `under` (the application's window colour)."""
    window = _backdrop(palette, QPalette.ColorRole.Window, under)
    # the inside is painted over the button's own background (a tint is seen twice there)
    base = _backdrop(palette, QPalette.ColorRole.Base, window)
    text = palette.color(QPalette.ColorRole.WindowText)
    middle = QColor.fromRgbF(
        (text.redF() + window.redF()) / 2,
        (text.greenF() + window.greenF()) / 2,
        (text.blueF() + window.blueF()) / 2,
    )
    return readable(readable(middle, window, _NON_TEXT_TARGET), base, _NON_TEXT_TARGET)


def _backdrop(palette: QPalette, role: QPalette.ColorRole, under: QColor | None = None) -> QColor:
    """The colour a role shows: a tint (a style sheet's translucent background) is seen
    over `under`, by default the application's window colour."""
    colour = palette.color(role)
    if colour.alpha() < 255:
        colour = over(colour, under or QApplication.palette().color(QPalette.ColorRole.Window))
    return colour


class ReadableIndicators(QProxyStyle):
    """Fusion, with radio buttons and check boxes that read on a dark palette.

    Fusion draws an indicator's ring from the window colour, a little darker: on a dark
    window that is about 1.2:1, and an unchosen radio button all but disappears; on the
    light one about 2.3:1, below the 3:1 WCAG 2.1 (1.4.11) asks of a control's edge. This
    style draws the ring again in `indicator_outline` (≥ 3:1 on the window and on the
    indicator's inside), on every palette.
    """

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in _INDICATORS:
            return
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        rect = QRectF(option.rect)  # type: ignore[attr-defined]
        painter.save()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(indicator_outline(palette), 1.0))
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawEllipse(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        else:
            painter.drawRect(rect.adjusted(0.5, 0.5, -1.5, -1.5))
        painter.restore()


_INDICATORS = (
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
)
_kept_styles: list[QStyle] = []


def readable_indicators(root: QWidget) -> None:
    """Under Fusion (Qt's own style, the default where the desktop brings none): the radio
    buttons and check boxes in `root` (a dialog, as built) drawn by ReadableIndicators,
    their rings readable on every palette.

    Set on those buttons alone, not on the application: a style written in Python is
    called from Python for every primitive it draws, and the main window (which has no
    indicators) would pay for it at every paint, the first one included.
    """
    style = QApplication.style()
    if style is None or style.name().lower() != "fusion":
        return
    if not _kept_styles:
        _kept_styles.append(ReadableIndicators("fusion"))
    proxy = _kept_styles[0]
    for button in root.findChildren(QAbstractButton):
        if isinstance(button, (QCheckBox, QRadioButton)) and button.style() is not proxy:
            button.setStyle(proxy)
