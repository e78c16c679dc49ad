"""Full and read-only disks, for real: a tiny tmpfs filled to the last byte, a cache file
made read-only and writable again, the command line run as a person would.

The tmpfs is mounted in a private mount namespace (`unshare`), so nothing outside the
test sees it; as root the read-only scenario runs without the capabilities that skip permission checks (root ignores
file permissions, so it runs without CAP_DAC_OVERRIDE).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FULL = "is full; free some space and try again (nothing was changed)"

SCENARIO = r"""
set -u
D="$1"; FREE_KIB="$2"; OUT="$3"
mount -t tmpfs -o size=2m tmpfs "$D" || exit 97
export ADDRESSBOOK_HOME="$D/home"
ab() { "$PY" -m addressbook "$@" >"$OUT/$N.out" 2>"$OUT/$N.err"; echo $? >"$OUT/$N.rc"; N=$((N+1)); }
N=0
ab new --field display_name="Ana Kowalska" --field email=ana@example.com
ab new --field display_name="Bo Lindqvist"
# fill the disk, then give back FREE_KIB
dd if=/dev/zero of="$D/fill" bs=1k 2>/dev/null
sync
if [ "$FREE_KIB" -gt 0 ]; then
  size=$(stat -c %s "$D/fill"); truncate -s $((size - FREE_KIB * 1024)) "$D/fill"
fi
ab list
ab search kowalska
ab show 1
ab export --format vcard
ab new --field display_name="Cy Written"
ab edit 1 --field display_name="Ana Changed"
ab delete 2
rm "$D/fill"
ab new --field display_name="Cy Written"
ab list
umount "$D"
"""


def _namespace() -> list[str]:
    unshare = shutil.which("unshare")
    assert unshare, "the disk tests need util-linux's unshare"
    return [unshare, "-m"] if os.geteuid() == 0 else [unshare, "-r", "-m"]


def _run_full_disk(tmp_path: Path, free_kib: int) -> list[tuple[int, str, str]]:
    mount = tmp_path / "mnt"
    out = tmp_path / "out"
    mount.mkdir()
    out.mkdir()
    script = tmp_path / "scenario.sh"
    script.write_text(SCENARIO)
    env = {**os.environ, "PY": sys.executable, "PYTHONPATH": str(REPO), "LANGUAGE": "en"}
    done = subprocess.run(
        [*_namespace(), "sh", str(script), str(mount), str(free_kib), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 97, "could not mount a tmpfs: " + done.stderr
    results = []
    for n in range(len(list(out.glob("*.rc")))):
        rc = int((out / f"{n}.rc").read_text())
        results.append((rc, (out / f"{n}.out").read_text(), (out / f"{n}.err").read_text()))
    return results


@pytest.mark.parametrize("free_kib", [0, 8], ids=["no-byte-free", "8-KiB-free"])
def test_a_full_disk_is_said_and_reading_still_works(tmp_path: Path, free_kib: int) -> None:
    steps = _run_full_disk(tmp_path, free_kib)
    assert len(steps) == 11
    (made1, _, _), (made2, _, _) = steps[0], steps[1]
    assert made1 == made2 == 0
    listed, searched, shown, exported = steps[2:6]
    for rc, _out, err in (listed, searched, shown, exported):
        assert rc == 0 and err == "", err
    assert "Ana Kowalska" in listed[1] and "Bo Lindqvist" in listed[1]
    assert "Ana Kowalska" in searched[1] and "Bo Lindqvist" not in searched[1]
    assert "ana@example.com" in shown[1]
    assert "FN:Ana Kowalska" in exported[1] and "FN:Bo Lindqvist" in exported[1]
    for rc, out, err in steps[6:9]:  # new, edit, delete: refused with one sentence
        assert rc == 1, (out, err)
        assert FULL in err and "disk I/O" not in err
        assert len(err.strip().splitlines()) == 1, err  # no traceback, no log spill
    # space again: it works at once, and nothing was half-written meanwhile
    made, _, err = steps[9]
    assert made == 0, err
    final = steps[10][1]
    assert "Ana Kowalska" in final and "Ana Changed" not in final and "Bo Lindqvist" in final
    assert final.count("Cy Written") == 1


RECOVERY = r"""
set -u
H="$1"
ab() { "$PY" -m addressbook "$@"; }
ab new --field display_name="One" >/dev/null
chmod 444 "$H/data/contacts.sqlite3"
ab list >/dev/null
ab new --field display_name="Two" 2>/dev/null && echo "WROTE-WHILE-READ-ONLY"
chmod 644 "$H/data/contacts.sqlite3"
ab new --field display_name="Three"
echo "rc=$?"
ab list
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user may enter (pytest's own are private to their owner)."""
    made = Path(tempfile.mkdtemp(prefix="addressbook-disk-"))
    made.chmod(0o755)
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def test_the_cache_recovers_by_itself_once_writable_again(shared_dir: Path) -> None:
    home = shared_dir / "home"
    home.mkdir()
    script = shared_dir / "recovery.sh"
    script.write_text(RECOVERY)
    command = ["sh", str(script), str(home)]
    if os.geteuid() == 0:  # root writes read-only files: drop the capability that lets it
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    env = {
        **os.environ,
        "PY": sys.executable,
        "PYTHONPATH": str(REPO),
        "ADDRESSBOOK_HOME": str(home),
        "HOME": str(home),
        "LANGUAGE": "en",
    }
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert "WROTE-WHILE-READ-ONLY" not in done.stdout
    # the read-only list left read-only -wal/-shm files behind; they no longer block
    assert "rc=0" in done.stdout, done.stdout + done.stderr
    assert "One" in done.stdout and "Three" in done.stdout and "Two" not in done.stdout


def test_error_for_names_a_full_disk_even_as_an_io_error(tmp_path: Path) -> None:
    import sqlite3

    from addressbook.store import schema

    path = tmp_path / "contacts.sqlite3"
    assert "disk I/O" in str(schema.error_for(path, sqlite3.OperationalError("disk I/O error")))
    full = schema.error_for(path, sqlite3.OperationalError("database or disk is full"))
    assert FULL in str(full)
    assert json.dumps(str(full)).count("\\n") == 0
