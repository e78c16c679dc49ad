"""The window imports a big vCard file through reading processes (interchange/parallel.py,
started from its worker thread) as it imports any file: the rows appear, the status line
names the file, and Ctrl+Z takes the whole import back."""

from __future__ import annotations

from pathlib import Path

import pytest

import addressbook.interchange.importer as importer
from addressbook.interchange.parallel import default_workers
from addressbook.ui.main_window import MainWindow


def test_a_file_read_by_processes_imports_and_undoes(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)  # this small file too
    workers: list[int] = []
    real = importer.read_in_processes

    def counted(stream, count):  # type: ignore[no-untyped-def]
        workers.append(count)
        return real(stream, count)

    monkeypatch.setattr(importer, "read_in_processes", counted)
    before = window.store.count()
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Reader {n:03d}\r\nN:{n:03d};Reader;;;\r\n"
        f"EMAIL:reader{n}@example.com\r\nEND:VCARD\r\n"
        for n in range(600)
    )
    path = tmp_path / "many.vcf"
    path.write_text(cards, "utf-8")
    from addressbook.ui.transfer import import_paths

    import_paths(window, [path])
    qtbot.waitUntil(lambda: window.store.count() == before + 600, timeout=30000)
    qtbot.waitUntil(lambda: "many.vcf" in window.action_undo.text(), timeout=10000)
    assert window.store.search_ids("reader 599") != []
    # Read by processes: one per core (none on a machine of one core).
    assert workers == ([default_workers()] if default_workers() else [])
    window.action_undo.trigger()
    qtbot.waitUntil(lambda: window.store.count() == before, timeout=10000)
