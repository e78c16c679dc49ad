"""Render the app icon SVG to the PNG sizes a Linux desktop expects (hicolor theme).

Run from the repository root: `QT_QPA_PLATFORM=offscreen python packaging/make_icons.py`.
Writes resources/icons/hicolor/SIZExSIZE/apps/org.addressbook.AddressBook.png and copies the
SVG to resources/icons/hicolor/scalable/apps/.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

APP_ID = "org.addressbook.AddressBook"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    """Render every size; return an exit status."""
    root = Path(__file__).resolve().parent.parent
    svg = root / "resources" / "desktop" / f"{APP_ID}.svg"
    out = root / "resources" / "icons" / "hicolor"
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"cannot read {svg}", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        target = out / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(target))
    scalable = out / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    print(f"wrote {len(SIZES)} PNG sizes and the scalable SVG under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
