"""Set-up: the README's apt line is CI's list; no display → one line, exit 1, nothing left."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def packages() -> list[str]:
    text = (ROOT / "packaging" / "debian-packages.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_apt_line_is_the_package_list() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    lines = [line for line in readme.splitlines() if "apt-get install" in line]
    assert lines, "the README has no apt-get line"
    words = lines[0].split("apt-get install", 1)[1].split()
    assert [w for w in words if not w.startswith("-")] == packages()
    for needed in ("libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0"):
        assert needed in packages()


def test_ci_installs_the_package_list() -> None:
    script = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "packaging/debian-packages.txt" in script


def test_readme_links_work_in_a_clone() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for target in re.findall(r"\]\(([^)#]+)", readme):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        assert not target.startswith(".."), f"{target} points outside the repository"


def _headless_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    env["ADDRESSBOOK_HOME"] = str(tmp_path / "home")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


@pytest.mark.parametrize("command", [["gui"], ["demo", "--contacts", "5"], []])
def test_no_display_says_so_in_one_line(tmp_path: Path, command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "addressbook", *command],
        env=_headless_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0], result.stderr
    assert "QT_" not in lines[0] and "DISPLAY" not in lines[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("addressbook-demo-")]
    assert not list((tmp_path / "home").rglob("*.sqlite3"))  # no cache made for nothing
