"""Take the README's screenshots: `addressbook demo` under Xvfb, grabbed from inside the app.

    python tests/screenshots.py [--out resources/screenshots]

Starts `Xvfb :99 -screen 0 1600x1000x24` itself (QT_QPA_PLATFORM=xcb) and runs the demo
three times with ADDRESSBOOK_SCREENSHOTS set: in English, in German (LANGUAGE=de; names
end in -de) and on a dark palette (-dark). Each run leaves main-window, editor,
editor-problem, accounts, push-preview, main-window-conflict and conflict PNGs.

The demo's names are written in many scripts and a few firms carry an emoji: without
Debian's fonts-noto-core, fonts-noto-cjk and fonts-noto-color-emoji some of them are
drawn as empty boxes, as on a desktop without those fonts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISPLAY = ":99"
RUNS = (
    ("english", {"ADDRESSBOOK_SCREENSHOTS_SUFFIX": ""}),
    ("german", {"ADDRESSBOOK_SCREENSHOTS_SUFFIX": "-de", "LANGUAGE": "de", "LANG": "de_DE.UTF-8"}),
    ("dark", {"ADDRESSBOOK_SCREENSHOTS_SUFFIX": "-dark", "ADDRESSBOOK_SCREENSHOTS_THEME": "dark"}),
)


def start_xvfb() -> subprocess.Popen[bytes]:
    """Xvfb on :99, 1600×1000, 24-bit; waits until its socket exists."""
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (apt-get install xvfb)")
    process = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"]
    )
    socket = Path("/tmp/.X11-unix/X99")
    for _ in range(100):
        if socket.exists():
            return process
        time.sleep(0.05)
    process.terminate()
    sys.exit("Xvfb did not start")


FIRST_RUN = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from addressbook.ui.app import application, window_settings
from addressbook.store import Store
from addressbook.ui.main_window import MainWindow

app = application()
if sys.argv[2] == "dark":
    from addressbook.ui.colours import apply_accessible_palette, dark_palette

    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    apply_accessible_palette(app)
window = MainWindow(Store.default(), window_settings())
window.resize(1100, 640)
window.show()

def grab():
    window.grab().save(sys.argv[1])
    print("screenshot:", sys.argv[1], flush=True)
    window.close()
    app.quit()

QTimer.singleShot(700, grab)
app.exec()
"""


def first_run(env: dict[str, str], out: Path, extra: dict[str, str]) -> int:
    """The window of a first start (no account, no contact): what it offers."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="addressbook-first-run-") as home:
        suffix = extra.get("ADDRESSBOOK_SCREENSHOTS_SUFFIX", "")
        theme = extra.get("ADDRESSBOOK_SCREENSHOTS_THEME", "light")
        result = subprocess.run(
            [sys.executable, "-c", FIRST_RUN, str(out / f"first-run{suffix}.png"), theme],
            env=dict(env, ADDRESSBOOK_HOME=home),
            timeout=60,
        )
        return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "resources" / "screenshots"))
    parser.add_argument("--contacts", type=int, default=60)
    parser.add_argument("--only", choices=[name for name, _env in RUNS], action="append")
    args = parser.parse_args()
    xvfb = start_xvfb()
    try:
        status = 0
        for name, extra in RUNS:
            if args.only and name not in args.only:
                continue
            env = dict(os.environ)
            env.update(
                DISPLAY=DISPLAY,
                QT_QPA_PLATFORM="xcb",
                ADDRESSBOOK_SCREENSHOTS=str(Path(args.out).resolve()),
                PYTHONPATH=str(ROOT),
                LANG="C.UTF-8",
                LANGUAGE="en",
            )
            env.update(extra)
            env.pop("ADDRESSBOOK_HOME", None)
            print(f"--- {name}", flush=True)
            result = subprocess.run(
                [sys.executable, "-m", "addressbook", "demo", "--contacts", str(args.contacts)],
                env=env,
                timeout=240,
            )
            status = status or result.returncode
            status = status or first_run(env, Path(args.out).resolve(), extra)
        return status
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    sys.exit(main())
