"""SVG icons from resources/: found in the source tree or in the installed package.

Line icons are drawn in `currentColor`; it is replaced by the palette's text colour
when the icon is loaded, so they read well on light and dark palettes alike. QIcon
renders SVG at every size it is asked for, so they stay sharp on HiDPI screens.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer


def resources_dir() -> Path:
    """The resources folder: addressbook/resources when installed, ../resources in the source."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "resources", package.parent / "resources"):
        if (candidate / "icons").is_dir():
            return candidate
    return package.parent / "resources"


def icon_path(name: str) -> Path:
    """The SVG file of an icon by name (e.g. 'sync', 'xero')."""
    return resources_dir() / "icons" / f"{name}.svg"


class _SvgEngine(QIconEngine):
    """Paints SVG bytes at whatever size Qt asks, with the device pixel ratio honoured."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data
        self._renderer = QSvgRenderer(QByteArray(data))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.4)
        self._renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        screen = QGuiApplication.primaryScreen()
        ratio = screen.devicePixelRatio() if screen is not None else 1.0
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._data)


def icon_colour() -> str:
    """The colour line icons are drawn in now: the palette's window text."""
    app = QGuiApplication.instance()
    if app is None:
        return "#444444"
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


@cache
def _load(name: str, colour: str) -> QIcon:
    path = icon_path(name)
    try:
        data = path.read_bytes()
    except OSError:
        return QIcon()
    data = data.replace(b"currentColor", colour.encode("ascii"))
    return QIcon(_SvgEngine(data))


def icon(name: str) -> QIcon:
    """The icon by name, coloured for the current palette; an empty icon if it is missing."""
    return _load(name, icon_colour())


def service_icon(service: str | None) -> QIcon:
    """The icon of a service ('xero', 'harvest', …); the computer for local contacts."""
    return icon(service or "local")


def app_icon() -> QIcon:
    """The application's icon."""
    return icon("addressbook")
