"""import_file against a real SQLite store: re-import makes no copies, updates are patches,
warnings name file/card/line, --account makes pending creates, progress and cancel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from addressbook.errors import InterchangeError
from addressbook.interchange import export_contacts
from addressbook.interchange.importer import import_file, same_contact_key, uid_of
from addressbook.model import Contact, Email, Phone
from addressbook.store import Store
from tests.interchange.samples import full_contact, plain_contacts

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "book.db") as opened:
        yield opened  # type: ignore[misc]


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_reimport_of_the_same_file_makes_no_copies(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "all.vcf", export_contacts([full_contact(), *plain_contacts()], "vcard4")
    )
    first = import_file(store, path)
    assert (first.new, first.updated, first.unchanged, first.skipped) == (5, 0, 0, 0)
    assert len(first.created_ids) == 5 and store.count() == 5
    again = import_file(store, path)
    assert (again.new, again.updated, again.unchanged, again.skipped) == (0, 0, 5, 0)
    assert again.line() == "0 new, 0 updated, 5 unchanged, 0 skipped"
    assert store.count() == 5


def test_every_corpus_file_imports_twice_without_copies(store: Store) -> None:
    files = sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".vcf", ".csv", ".txt")
    )
    assert len(files) >= 40
    for path in files:
        first = import_file(store, path, skip_invalid=True)
        count = store.count()
        again = import_file(store, path, skip_invalid=True)
        assert again.new == 0, path
        assert again.updated == 0, (path, again.updated_ids)
        assert store.count() == count, path
        del first


def test_a_changed_card_is_an_update_by_uid(store: Store, tmp_path: Path) -> None:
    card = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:1234\r\nFN:Ana Ngata\r\nEMAIL:ana@a.example\r\n{more}END:VCARD\r\n"
    path = _write(tmp_path / "ana.vcf", card.format(more=""))
    (ana_id,) = import_file(store, path).created_ids
    contact = store.get(ana_id)
    assert contact is not None and uid_of(contact.contact) == "urn:uuid:1234"
    # Renamed and a phone added in the other program: same UID, so the same contact.
    renamed = card.replace("FN:Ana Ngata", "FN:Ana Ngata-Smith").format(more="TEL:+64 21 555\r\n")
    summary = import_file(store, _write(path, renamed))
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 0)
    assert summary.updated_ids == [ana_id]
    assert summary.before[ana_id].display_name == "Ana Ngata"  # for undo
    record = store.get(ana_id)
    assert record is not None
    assert record.contact.display_name == "Ana Ngata-Smith"
    assert list(record.contact.phones) == [Phone("+64 21 555", "work")]
    assert store.count() == 1


def test_the_same_contact_without_uid_matches_by_name_and_first_email(
    store: Store, tmp_path: Path
) -> None:
    store.create(Contact(display_name="Zoë Müller", emails=[Email("Zoe@Example.com")]))
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:ZOE MULLER\nEMAIL:zoe@example.com\nTITLE:Boss\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Zoë Müller\nEMAIL:other@example.com\nEND:VCARD\n"
    )
    summary = import_file(store, _write(tmp_path / "z.vcf", text))
    assert (summary.new, summary.updated) == (1, 1)  # another email: another person
    assert same_contact_key(Contact(display_name="Zoë", phones=[Phone("+64 (21) 5")])) == (
        "zoe",
        "#64215",
    )


def test_a_bad_line_is_named_with_file_card_and_line(store: Store, tmp_path: Path) -> None:
    text = "BEGIN:VCARD\r\nVERSION:2.1\r\nFN\r\nN:Doe;Jo\r\nEND:VCARD\r\n"
    path = _write(tmp_path / "old.vcf", text)
    summary = import_file(store, path)
    assert summary.new == 1
    (warning,) = summary.warnings
    assert (warning.file, warning.card, warning.line) == (str(path), 1, 3)
    assert str(warning) == f"{path}: card 1, line 3: not a vCard property, skipped: 'FN'"


def test_an_unreadable_card_stops_the_import_and_nothing_lands(
    store: Store, tmp_path: Path
) -> None:
    good = "BEGIN:VCARD\nFN:Good\nEND:VCARD\n"
    path = _write(
        tmp_path / "mixed.vcf",
        good + "BEGIN:VCARD\nREV:1\nEND:VCARD\n" + good.replace("Good", "Also"),
    )
    with pytest.raises(InterchangeError, match=r"mixed\.vcf: card 2 \(line 4\): nothing in it"):
        import_file(store, path)
    assert store.count() == 0
    summary = import_file(store, path, skip_invalid=True)
    assert (summary.new, summary.skipped) == (2, 1)
    assert summary.warnings[0].card == 2


def test_progress_and_cancel(store: Store, tmp_path: Path) -> None:
    contacts = [
        Contact(display_name=f"Person {n}", emails=[Email(f"p{n}@x.example")]) for n in range(3000)
    ]
    path = _write(tmp_path / "many.vcf", export_contacts(contacts, "vcard4"))
    seen: list[tuple[int, int]] = []
    import_file(store, path, progress=lambda done, total: seen.append((done, total)))
    total = path.stat().st_size
    assert seen[-1] == (total, total)
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))

    class After:
        def __init__(self, n: int) -> None:
            self.left = n

        @property
        def cancelled(self) -> bool:
            self.left -= 1
            return self.left < 0

    other = tmp_path / "other.db"
    with Store(other) as fresh:
        summary = import_file(fresh, path, cancel=After(1200))
        assert summary.cancelled
        assert 0 < summary.new <= 1200
        assert fresh.count() == summary.new  # what was done is kept


def test_account_import_makes_pending_creates(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "one.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEMAIL:ana@a.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Bad email\nEMAIL:not an address\nEND:VCARD\n",
    )
    with pytest.raises(InterchangeError, match="nothing was imported"):
        import_file(store, path, account="acme")  # the rules refuse the second card
    assert store.count() == 0
    summary = import_file(store, path, account="acme", skip_invalid=True)
    assert (summary.new, summary.skipped) == (1, 1)
    assert "email" in summary.warnings[0].message.lower()
    (entry,) = store.pending("acme")
    assert entry.op == "create" and entry.contact_id == summary.created_ids[0]
    again = import_file(store, path, account="acme", skip_invalid=True)
    assert (again.new, again.unchanged) == (0, 1)
    assert import_file(store, path, skip_invalid=True).new == 2  # on this computer: another book


def test_unknown_account_on_the_command_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.vcf", "BEGIN:VCARD\nFN:Ana\nEND:VCARD\n")
    done = subprocess.run(
        [sys.executable, "-m", "addressbook", "import", str(path), "--account", "nosuch"],
        capture_output=True,
        text=True,
        env={**os.environ, "ADDRESSBOOK_HOME": str(tmp_path / "home")},
        check=False,
    )
    assert done.returncode == 1
    assert "nosuch" in done.stderr and "Traceback" not in done.stderr


def _readers() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name == "addressbook-import-reader"]


def test_the_reading_thread_ends_with_the_import_however_it_ends(
    store: Store, tmp_path: Path
) -> None:
    # The file is read in a thread of its own (importer._read_ahead), a bounded number of
    # cards ahead; it must be gone when import_file returns or raises, the file closed.
    contacts = [
        Contact(display_name=f"Person {n}", emails=[Email(f"p{n}@x.example")]) for n in range(5000)
    ]
    path = _write(tmp_path / "many.vcf", export_contacts(contacts, "vcard4"))
    summary = import_file(store, path)
    assert summary.new == 5000 and _readers() == []

    class Now:
        cancelled = True

    with Store(tmp_path / "cancelled.db") as fresh:
        assert import_file(fresh, path, cancel=Now()).cancelled
        assert fresh.count() == 0 and _readers() == []

    # An error of the reader (a CSV header of no program) is raised where the import runs,
    # named with the file, and nothing lands.
    bad = _write(tmp_path / "odd.csv", "Colour,Shape\nred,round\n")
    with pytest.raises(InterchangeError, match=r"odd\.csv: row 1: the header row is not"):
        import_file(store, bad)
    assert _readers() == []
    # A card refused half-way stops the import while the reader is still ahead of it.
    broken = _write(
        tmp_path / "broken.vcf",
        export_contacts(contacts[:3000], "vcard4")
        + "BEGIN:VCARD\nREV:1\nEND:VCARD\n"
        + export_contacts(contacts[3000:], "vcard4"),
    )
    with Store(tmp_path / "broken.db") as fresh:
        with pytest.raises(InterchangeError, match=r"card 3001"):
            import_file(fresh, broken)
        assert fresh.count() == 0 and _readers() == []
    os.remove(broken)  # closed: removable at once (Windows would refuse an open file)
