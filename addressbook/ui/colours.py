"""Colours of text that stay readable: WCAG contrast, accessible secondary and problem text.

Every text colour the window draws is either the palette's own or comes from here, chosen
against the background it is drawn on so its contrast is at least 4.5:1 (WCAG AA) on the
light and the dark palettes alike (tests/ui/test_screens.py computes it).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

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
