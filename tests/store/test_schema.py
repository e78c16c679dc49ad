"""Opening the cache: schema creation, forward migration, refusal of newer, foreign or broken files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from addressbook.errors import NewerSchemaError, StoreError
from addressbook.model import Contact
from addressbook.store import Store, schema


def _pragma(path: Path, name: str) -> object:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_new_file_gets_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "contacts.sqlite3"
    with Store(path) as store:
        assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert _pragma(path, "user_version") == schema.current_version() == 3
    assert _pragma(path, "journal_mode") == "wal"
    assert {"contacts", "links", "outbox", "conflicts", "sync_state", "contacts_fts"} <= _tables(
        path
    )


def test_default_store_lives_under_addressbook_home(addressbook_home: Path) -> None:
    with Store.default() as store:
        store.create(Contact(display_name="Ana"))
    assert (addressbook_home / "data" / "contacts.sqlite3").is_file()


def test_empty_file_is_migrated_from_version_0(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    with Store(path) as store:
        assert store.search_ids() == []
    assert _pragma(path, "user_version") == schema.current_version()


def test_forward_migration_keeps_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.sqlite3"
    with Store(path) as store:
        contact_id = store.create(Contact(display_name="Zoë Müller"))

    def to_v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE contacts ADD COLUMN nickname TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, to_v2])
    with Store(path) as store:
        record = store.get(contact_id)
        assert record is not None and record.contact.display_name == "Zoë Müller"
        assert store.search_ids("zoe") == [contact_id]
    assert _pragma(path, "user_version") == schema.current_version()  # the added step ran
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT nickname FROM contacts").fetchall() == [("",)]


def test_failing_migration_leaves_the_file_at_its_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite3"
    with Store(path) as store:
        store.create(Contact(display_name="Ana"))

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE contacts ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("simulated failure in the middle of a migration")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(StoreError, match="cannot be used"):
        Store(path)
    monkeypatch.undo()
    assert _pragma(path, "user_version") == schema.current_version()
    with sqlite3.connect(path) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(contacts)")}
    assert "half_done" not in columns
    with Store(path) as store:
        assert store.count() == 1


def test_newer_file_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(NewerSchemaError, match="newer version of addressbook") as caught:
        Store(path)
    assert "schema 7" in str(caught.value) and "\n" not in str(caught.value)
    assert _pragma(path, "user_version") == 7  # refused, not touched


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"BEGIN:VCARD\r\nthis is not a database at all\r\n" * 200)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="damaged or is not an address book"):
        Store(path)
    assert path.read_bytes() == before


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Store(path) as store:
        store.create_many([Contact(display_name=f"Person {i}") for i in range(300)])
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * 8192  # overwrite pages after the header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged"), Store(path) as store:
        store.records(store.search_ids())


def test_some_other_programs_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="some other program"):
        Store(path)
    assert _tables(path) == {"photos"}


def test_full_disk_rolls_back_and_says_so(store: Store) -> None:
    store.create(Contact(display_name="Kept"))
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    # A tiny page limit on this connection stands in for a full disk.
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    many = [Contact(display_name=f"Person {i}", notes="x" * 500) for i in range(500)]
    with pytest.raises(StoreError, match="is full") as caught:
        store.create_many(many)
    assert "\n" not in str(caught.value)
    assert [r.display_name for r in store.rows(store.search_ids())] == ["Kept"]
    store._conn.execute("PRAGMA max_page_count = 1000000")
    assert len(store.create_many(many[:3])) == 3  # the store still works afterwards
