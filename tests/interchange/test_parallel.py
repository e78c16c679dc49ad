"""A large vCard file read by other processes (interchange/parallel.py) gives exactly what
reading it in one process gives: the same contacts in the same order, the same warnings,
the same refusals — for every vCard file of the corpus, and when a reading process dies."""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

import addressbook.interchange.importer as importer
from addressbook.interchange import parallel
from addressbook.interchange._common import Problem
from addressbook.interchange.importer import import_file
from addressbook.interchange.parallel import read_batch, read_card_contact, read_in_processes
from addressbook.interchange.vcard import read_vcard_stream, split_cards
from addressbook.store import Store
from tests.interchange.samples import full_contact, plain_contacts

CORPUS = Path(__file__).parent / "corpus"


def _as_read_here(stream: io.BufferedIOBase) -> list[object]:
    """What read_vcard_stream gives, in the form read_batch gives it."""
    out: list[object] = []
    for item in read_vcard_stream(stream):  # type: ignore[arg-type]
        out.append(str(item) if isinstance(item, Problem) else item.to_dict())
    return out


def _as_read_there(items: Iterator[object]) -> list[object]:
    out: list[object] = []
    for item in items:
        if isinstance(item, Problem):
            out.append(str(item))
        else:
            out.append(read_card_contact(item).to_dict())  # type: ignore[arg-type]
    return out


def _vcard_files() -> list[Path]:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() == ".vcf")
    assert len(files) >= 40
    return files


def test_every_corpus_card_reads_the_same_in_a_batch() -> None:
    """read_batch (what each process runs) against read_vcard_stream, file by file: the
    same contacts (through the JSON the cache stores) and the same warnings, in order."""
    for path in _vcard_files():
        with open(path, "rb") as stream:
            expected = _as_read_here(stream)
        with open(path, "rb") as stream:
            entries = [
                item if isinstance(item, Problem) else (item.number, item.line, item.body)
                for item in split_cards(stream)
            ]
        got = _as_read_there(iter(read_batch(entries)))
        assert got == expected, path


def _big_file(tmp_path: Path, copies: int = 300) -> Path:
    """Many cards with a few lines another program might write (junk, no END)."""
    one = Path(tmp_path / "one.vcf")
    from addressbook.interchange import export_contacts

    text = export_contacts([full_contact(), *plain_contacts()], "vcard4")
    cards = text.split("END:VCARD\r\n")
    pieces = []
    for n in range(copies):
        for card in cards:
            if card.strip():
                pieces.append(card.replace("FN:", f"FN:{n} ", 1) + "END:VCARD\r\n")
        if n == 7:
            pieces.append("# a comment another program wrote\r\n")
    one.write_bytes("".join(pieces).encode("utf-8"))
    return one


def test_processes_read_a_file_as_this_one_does(tmp_path: Path) -> None:
    path = _big_file(tmp_path)
    with open(path, "rb") as stream:
        expected = _as_read_here(stream)
    with open(path, "rb") as stream:
        got = _as_read_there(read_in_processes(stream, 2))
    assert len(got) == len(expected) > 1000
    assert got == expected


def test_when_a_reading_process_dies_the_rest_is_read_here(tmp_path: Path) -> None:
    path = _big_file(tmp_path)
    with open(path, "rb") as stream:
        expected = _as_read_here(stream)
    got: list[object] = []
    killed = 0
    with open(path, "rb") as stream:
        items = read_in_processes(stream, 2)
        for n, item in enumerate(items):
            got.append(item)
            if n == 50:
                for child in multiprocessing.active_children():
                    if child.pid:
                        os.kill(child.pid, signal.SIGKILL)
                        killed += 1
    assert killed >= 1
    assert _as_read_there(iter(got)) == expected


def test_without_processes_the_file_is_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "_pool", lambda workers: None)
    path = _big_file(tmp_path, copies=20)
    with open(path, "rb") as stream:
        expected = _as_read_here(stream)
    with open(path, "rb") as stream:
        assert _as_read_there(read_in_processes(stream, 2)) == expected


def _stored(store: Store) -> list[tuple[str, dict[str, object]]]:
    return [
        (record.state, record.contact.to_dict()) for record in store.records(store.search_ids(""))
    ]


def test_an_import_through_processes_stores_what_one_in_a_thread_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole import_file: new, then again (unchanged), then a changed card (updated),
    once read in a thread and once by processes; the stores end alike, and so do the
    summaries."""
    path = _big_file(tmp_path, copies=120)
    changed = tmp_path / "changed.vcf"
    changed.write_bytes(path.read_bytes().replace(b"FN:3 ", b"FN:3 Changed ", 1))
    results = {}
    for mode, threshold in (("thread", 1 << 60), ("processes", 0)):
        monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", threshold)
        with Store(tmp_path / f"{mode}.db") as store:
            lines = [import_file(store, p, skip_invalid=True).line() for p in (path, path)]
            third = import_file(store, changed, skip_invalid=True)
            lines.append(third.line())
            warnings = [str(w) for w in third.warnings]
            results[mode] = (lines, warnings, _stored(store), len(third.before))
    assert results["processes"] == results["thread"]
    lines = results["thread"][0]
    assert lines[1].startswith("0 new, 0 updated")
    assert "1 updated" in lines[2] or "1 new" in lines[2]


def test_an_account_import_through_processes_checks_its_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--account: each card a process read is checked by the account's rules (which need
    the Contact itself, read back from its JSON): the same cards are refused."""
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ana {n}\nEMAIL:ana{n}@a.example\nEND:VCARD\n"
    bad = "BEGIN:VCARD\nVERSION:3.0\nFN:Bad {n}\nEMAIL:not an address {n}\nEND:VCARD\n"
    path = tmp_path / "account.vcf"
    path.write_text("".join((bad if n % 97 == 0 else card).format(n=n) for n in range(3000)))
    results = {}
    for mode, threshold in (("thread", 1 << 60), ("processes", 0)):
        monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", threshold)
        with Store(tmp_path / f"{mode}.db") as store:
            summary = import_file(store, path, account="acme", skip_invalid=True)
            results[mode] = (
                summary.line(),
                [str(w) for w in summary.warnings],
                _stored(store),
                len(store.pending("acme")),
            )
    assert results["processes"] == results["thread"]
    line, warnings, _rows, pending = results["thread"]
    assert line == "2969 new, 0 updated, 0 unchanged, 31 skipped"
    assert len(warnings) == 31 and pending == 2969


def _faults_after(batch: list[parallel._Entry]) -> int:
    """In a reading process: the batch read, then the page faults of the process so far."""
    import resource

    read_batch(batch)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _faults_of_batches(initializer: object, batches: list[list[parallel._Entry]]) -> int:
    """The page faults of one reading process over the batches after the first."""
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=initializer) as pool:
        counts = [pool.submit(_faults_after, batch).result() for batch in batches]
    return counts[-1] - counts[0]


def _no_setting() -> None:
    """A reading process as before _keep_freed_memory: the collector's setting only."""
    import gc

    gc.set_threshold(50_000, 10, 10)


def test_a_reading_process_keeps_the_memory_a_batch_frees() -> None:
    """glibc gave a batch's freed memory back and faulted it in again for the next one
    (a sixth of a reading process's CPU time); _start_reader makes it keep it."""
    import sys

    import tests.perf.bench_import as bench
    from addressbook.interchange import iter_export

    data = "".join(iter_export(bench.contacts(200, 2048), "vcard4")).encode()
    batch = [(c.number, c.line, c.body) for c in split_cards(io.BytesIO(data))]
    assert len(batch) == 200 and all(isinstance(entry, tuple) for entry in batch)
    kept = _faults_of_batches(parallel._start_reader, [batch] * 12)
    if not sys.platform.startswith("linux"):
        assert not parallel._keep_freed_memory()  # nothing is set elsewhere
        return
    default = _faults_of_batches(_no_setting, [batch] * 12)
    # By default each batch of 200 cards with photos faulted ~470 pages in (receiving the
    # batch, sending the answer): 5,191 in 11 batches when measured; kept, 325.
    assert default > 3_000
    assert kept < default / 5
