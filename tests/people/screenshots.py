"""The people screenshots: `addressbook demo` under Xvfb, grabbed from inside the app.

    python tests/people/screenshots.py [--out resources/screenshots]

Leaves people-dialog.png (the suggestions after the first sync), people-list.png (All
contacts, one row per person, a badge per account) and person-detail.png in the folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DISPLAY = ":97"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "resources" / "screenshots"))
    parser.add_argument("--contacts", type=int, default=60)
    args = parser.parse_args()
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (apt-get install xvfb)")
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
    try:
        socket = Path(f"/tmp/.X11-unix/X{DISPLAY[1:]}")
        for _ in range(100):
            if socket.exists():
                break
            time.sleep(0.05)
        env = dict(os.environ)
        env.update(
            DISPLAY=DISPLAY,
            QT_QPA_PLATFORM="xcb",
            ADDRESSBOOK_PEOPLE_SCREENSHOTS=str(Path(args.out).resolve()),
            PYTHONPATH=str(ROOT),
        )
        env.pop("ADDRESSBOOK_HOME", None)
        env.pop("ADDRESSBOOK_SCREENSHOTS", None)
        command = [sys.executable, "-m", "addressbook", "demo", "--contacts", str(args.contacts)]
        return subprocess.run(command, env=env, timeout=180).returncode
    finally:
        xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
