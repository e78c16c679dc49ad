"""Readers and writers at once (WAL), and edits that survive `kill -9` at any moment."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from addressbook.model import Contact
from addressbook.store import Store

WRITER = Path(__file__).with_name("crash_writer.py")


def test_reader_and_two_writers_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Store(path).close()
    errors: list[BaseException] = []
    seen: list[int] = []
    done = threading.Event()

    def write(prefix: str) -> None:
        try:
            with Store(path) as store:  # each thread opens its own connection
                for i in range(150):
                    store.create(Contact(display_name=f"{prefix} {i}"))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    def read() -> None:
        try:
            with Store(path) as store:
                while not done.is_set():
                    ids = store.search_ids("")
                    rows = store.rows(ids[:50])
                    assert len(rows) == min(50, len(ids))
                    seen.append(len(ids))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(p,)) for p in ("Alpha", "Beta")]
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    reader.join()
    assert errors == []
    assert seen == sorted(seen) and len(seen) > 1  # the reader never saw a count go back
    with Store(path) as store:
        assert store.count() == 300
        assert len(store.search_ids("alpha")) == 150


def _run_and_kill(path: Path, seed: int, rng: random.Random) -> list[str]:
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(rng.uniform(0.15, 0.6))
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, err
    lines = out.split("\n")
    return lines[:-1]  # the last piece has no newline: printed only in part, or empty


@pytest.mark.slow
def test_committed_edits_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    rng = random.Random(7)
    committed: dict[int, int] = {}
    for round_ in range(25):
        for line in _run_and_kill(path, round_, rng):
            contact_id, version = map(int, line.split())
            committed[contact_id] = version  # versions only grow: the last line wins
    assert len(committed) > 25
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO contacts_fts (contacts_fts) VALUES ('integrity-check')")
    with Store(path) as store:
        records = {r.id: r for r in store.records(list(committed))}
        for contact_id, version in committed.items():
            assert contact_id in records, f"committed contact {contact_id} is lost"
            assert int(records[contact_id].contact.title) >= version
        for contact_id in list(committed)[:20]:
            record = records[contact_id]
            assert contact_id in store.search_ids(record.contact.display_name)
