"""Take the README's screenshots: `addressbook demo` under Xvfb, grabbed from inside the app.

    python tests/screenshots.py [--out resources/screenshots]

Starts `Xvfb :99` itself (QT_QPA_PLATFORM=xcb), runs the demo with
ADDRESSBOOK_SCREENSHOTS set, and leaves main-window.png, editor.png, push-preview.png
and conflict.png in the folder.
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


def start_xvfb() -> subprocess.Popen[bytes]:
    """Xvfb on :99, 1400×900, 24-bit; waits until its socket exists."""
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (apt-get install xvfb)")
    process = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
    socket = Path("/tmp/.X11-unix/X99")
    for _ in range(100):
        if socket.exists():
            return process
        time.sleep(0.05)
    process.terminate()
    sys.exit("Xvfb did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "resources" / "screenshots"))
    parser.add_argument("--contacts", type=int, default=60)
    args = parser.parse_args()
    xvfb = start_xvfb()
    try:
        env = dict(os.environ)
        env.update(
            DISPLAY=DISPLAY,
            QT_QPA_PLATFORM="xcb",
            ADDRESSBOOK_SCREENSHOTS=str(Path(args.out).resolve()),
            PYTHONPATH=str(ROOT),
        )
        env.pop("ADDRESSBOOK_HOME", None)
        result = subprocess.run(
            [sys.executable, "-m", "addressbook", "demo", "--contacts", str(args.contacts)],
            env=env,
            timeout=180,
        )
        return result.returncode
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    sys.exit(main())
