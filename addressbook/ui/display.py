"""Before Qt starts: is there a display, and can Qt's platform plugin load?

Without either, Qt aborts the process (exit 134, a message naming a library that is
installed). Checked first, the window says what is missing in one sentence and the
command exits with 1, leaving nothing behind.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

from addressbook.errors import AddressbookError
from addressbook.i18n import _

# Platforms that need no display server (tests, screenshots to files, VNC).
_HEADLESS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")


class NoDisplay(AddressbookError):
    """The window cannot open here (no display, or a missing system library)."""


def _platform_plugin(name: str) -> Path | None:
    import PySide6

    path = Path(PySide6.__file__).resolve().parent / "Qt" / "plugins" / "platforms"
    plugin = path / f"libq{name}.so"
    return plugin if plugin.exists() else None


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """One sentence saying why the window cannot open, or None when it can (Linux only)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if platform.startswith(_HEADLESS):
        return None
    has_x = bool(env.get("DISPLAY"))
    has_wayland = bool(env.get("WAYLAND_DISPLAY"))
    if not has_x and not has_wayland:
        return _(
            "There is no display to open the window on. Start it from a desktop session; "
            "the command line works without one (addressbook --help)."
        )
    if has_wayland and platform != "xcb":
        return None  # Qt tries Wayland first and falls back to X11 by itself
    plugin = _platform_plugin("xcb")
    if plugin is None:
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as error:
        found = re.search(r"(lib[\w.+-]+\.so[\w.]*)", str(error).replace(str(plugin), ""))
        library = found.group(1) if found else str(error)
        return _(
            "The window cannot start: the system library {library} is missing. Install the "
            "packages the README lists under “Set up on a fresh machine”."
        ).format(library=library)
    return None


def require_display() -> None:
    """Raise NoDisplay (one sentence) when the window cannot open here."""
    problem = display_problem()
    if problem is not None:
        raise NoDisplay(problem)
