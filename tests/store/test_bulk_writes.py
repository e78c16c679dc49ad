"""The bulk writes leave exactly the store their one-by-one forms leave.

apply_remote_many ≡ apply_remote of each item in turn; create_many ≡ create of each.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addressbook.model import Address, Contact, Email, Phone
from addressbook.store import FieldConflict, Store
from tests.edits import rewrite

Item = tuple[str, Contact, dict[str, Any], str | None]


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a store holds, but the write times and the random idempotency keys."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, contacts_fts, instance)"
        )
        # An external-content FTS5 table in step with its content passes this check.
        conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)")
        queries = {
            "contacts": """SELECT id, account, data, sort_key, display_name, secondary, state,
                status, message, search_text FROM contacts ORDER BY id""",
            "links": "SELECT * FROM links ORDER BY contact_id",
            "outbox": "SELECT contact_id, op, attempts, last_error FROM outbox ORDER BY contact_id",
            "conflicts": "SELECT * FROM conflicts ORDER BY contact_id",
            "index": "SELECT term, doc, col, offset FROM temp.vocab ORDER BY 1, 2, 3, 4",
        }
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        conn.close()


def _both(
    folder: Path, prepare: Callable[[Store], None], account: str, items: list[Item]
) -> tuple[list[int], list[int]]:
    """Apply items one by one to one prepared store and all at once to another; compare."""
    one, many = folder / "one.sqlite3", folder / "many.sqlite3"
    with Store(one) as store:
        prepare(store)
        ids_one = [store.apply_remote(account, *item) for item in items]
    with Store(many) as store:
        prepare(store)
        ids_many = store.apply_remote_many(account, items)
    assert _snapshot(one) == _snapshot(many)
    return ids_one, ids_many


def _raw(remote_id: str, name: str) -> dict[str, Any]:
    return {"id": {"@type": "integer", "#text": remote_id}, "name": name, "fax": {"@nil": "true"}}


def _prepare(store: Store) -> None:
    """Contacts in every state the pull meets: synced, modified, deleted, conflict, failed."""
    store.create(Contact(display_name="Local One"))
    for number in range(1, 7):
        rid = f"r{number}"
        store.apply_remote(
            "acc", rid, Contact(given_name="Old", family_name=rid), _raw(rid, "Old"), "s1"
        )
    rewrite(store, 3, Contact(given_name="Edited", family_name="r2"))  # modified
    store.delete(4)  # deleted here, the delete not pushed yet
    rewrite(store, 5, Contact(given_name="Mine", family_name="r4"))
    conflict = FieldConflict("given_name", "Old", "Mine", "Theirs")
    store.set_conflict(5, [conflict], Contact(given_name="Theirs"), {"id": "r4"}, "s2")
    rewrite(store, 6, Contact(given_name="Failed", family_name="r5"))
    entry = store.outbox_entry(6)
    assert entry is not None
    store.fail(entry.id, "The service refused it.")
    store.create(Contact(display_name="Not pushed"), account="acc")
    store.apply_remote("other", "r1", Contact(display_name="Other account"), {"id": "r1"}, None)
    last = store.create(Contact(display_name="Zz removed"))
    store.delete(last)  # the highest id is free again: new rows must get the same ids


def test_every_state_and_new_records_end_the_same(tmp_path: Path) -> None:
    items: list[Item] = [
        ("r1", Contact(given_name="Ana", family_name="Remote"), _raw("r1", "Ana"), "s2"),
        ("r2", Contact(given_name="Ben", family_name="Remote"), _raw("r2", "Ben"), "s2"),
        ("r3", Contact(given_name="Cai", family_name="Remote"), _raw("r3", "Cai"), "s2"),
        ("r4", Contact(given_name="Dov", family_name="Remote"), _raw("r4", "Dov"), "s2"),
        ("r5", Contact(given_name="Eve", family_name="Remote"), _raw("r5", "Eve"), None),
        ("r6", Contact(given_name="Old", family_name="r6"), _raw("r6", "Old"), "s1"),
        (
            "n1",
            Contact(
                given_name="  Zoe\u0308 ",  # not normalised: NFD and spaces
                family_name="Mu\u0308ller\n",
                organization="Acme",
                emails=[Email(" zoe@example.com "), Email("")],
                phones=[Phone("+64 21 123 4567", "MOBILE")],
                addresses=[Address(lines=["1 Main St", ""], city="Auckland")],
            ),
            _raw("n1", "Zoë"),
            "s2",
        ),
        ("n2", Contact(display_name="山田太郎"), _raw("n2", "山田"), "s2"),
        ("n1", Contact(given_name="Zoë", family_name="Second"), _raw("n1", "again"), "s3"),
        ("n3", Contact(), {}, None),
    ]
    ids_one, ids_many = _both(tmp_path, _prepare, "acc", items)
    assert ids_one == ids_many
    assert ids_one[6] == ids_one[8]  # a repeated remote id is one contact


def test_without_update_from_older_sqlite_ends_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))  # before UPDATE … FROM
    items: list[Item] = [
        (f"r{n}", Contact(given_name="New", family_name=f"r{n}"), _raw(f"r{n}", "New"), "s9")
        for n in range(1, 7)
    ]
    ids_one, ids_many = _both(tmp_path, _prepare, "acc", items)
    assert ids_one == ids_many


def test_an_empty_batch_changes_nothing(tmp_path: Path) -> None:
    assert _both(tmp_path, _prepare, "acc", []) == ([], [])


_names = st.sampled_from(["", "Ana", " Zoë ", "Mu\u0308ller", "O'Brien", "山田", "Ana"])
_contacts = st.builds(
    Contact,
    given_name=_names,
    family_name=_names,
    organization=st.sampled_from(["", "Acme", "ana"]),
    emails=st.lists(st.builds(Email, st.sampled_from(["a@x.nz", " ", "zoë@x.nz"])), max_size=2),
    phones=st.lists(
        st.builds(Phone, st.sampled_from(["+64 21 1", "(09) 555-1234", ""])), max_size=2
    ),
)
_items = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        _contacts,
        st.dictionaries(st.sampled_from(["id", "x"]), st.text(max_size=3), max_size=2),
        st.sampled_from([None, "s1", "s2"]),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=_items, edits=st.lists(st.integers(0, 4), max_size=3), items=_items)
def test_any_batch_ends_the_same(before: list[Item], edits: list[int], items: list[Item]) -> None:
    def prepare(store: Store) -> None:
        ids = [store.apply_remote("acc", *item) for item in before]
        store.create(Contact(display_name="Local"))
        for n in edits:  # local edits on some of the cached contacts
            if ids and store.get(ids[n % len(ids)]) is not None:
                rewrite(store, ids[n % len(ids)], Contact(display_name=f"Edit {n}"))

    with tempfile.TemporaryDirectory() as folder:
        ids_one, ids_many = _both(Path(folder), prepare, "acc", items)
    assert ids_one == ids_many


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts=st.lists(_contacts, max_size=6), account=st.sampled_from([None, "", "acc"]))
def test_create_many_ends_like_create_of_each(contacts: list[Contact], account: str | None) -> None:
    def prepare(store: Store) -> None:
        store.apply_remote("acc", "a", Contact(display_name="Pulled"), {"id": "a"}, None)
        gone = store.create(Contact(display_name="Removed"))
        store.delete(gone)  # the highest id is free again

    with tempfile.TemporaryDirectory() as folder:
        one, many = Path(folder) / "one.sqlite3", Path(folder) / "many.sqlite3"
        with Store(one) as store:
            prepare(store)
            ids_one = [store.create(contact, account) for contact in contacts]
        with Store(many) as store:
            prepare(store)
            ids_many = store.create_many(iter(contacts), account)
            keys = [entry.idempotency_key for entry in store.pending()]
        assert ids_one == ids_many
        assert _snapshot(one) == _snapshot(many)
        assert len(set(keys)) == len(keys)  # each new contact its own key


def _automerge(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT v FROM contacts_fts_config WHERE k = 'automerge'").fetchall()
    finally:
        conn.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts=st.lists(_contacts, max_size=6), account=st.sampled_from([None, "acc"]))
def test_prepared_rows_in_a_bulk_write_end_like_create_of_each(
    contacts: list[Contact], account: str | None
) -> None:
    """An import's rows come prepared (Store.prepare, in other processes) and are written
    in Store.bulk(): the store ends as create() of each leaves it, the index included, and
    FTS5's merge setting is back at its default."""
    with tempfile.TemporaryDirectory() as folder:
        one, many = Path(folder) / "one.sqlite3", Path(folder) / "many.sqlite3"
        with Store(one) as store:
            ids_one = [store.create(contact, account) for contact in contacts]
        with Store(many) as store, store.bulk():
            assert store._one("SELECT v FROM contacts_fts_config WHERE k = 'automerge'")[0] == 16
            ids_many = store.create_many([Store.prepare(c) for c in contacts], account)
        assert ids_one == ids_many
        assert _snapshot(one) == _snapshot(many)
        assert _automerge(many) == [(4,)]


def test_a_bulk_write_that_fails_leaves_nothing_and_the_setting_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    with Store(path) as store:
        store.create(Contact(display_name="Before"))
        with pytest.raises(RuntimeError), store.bulk():
            store.create_many([Contact(display_name="Lost")])
            raise RuntimeError("the import failed")
        assert [r.display_name for r in store.rows(store.search_ids(""))] == ["Before"]
    assert _automerge(path) == []  # never set: FTS5's own default (4) holds


def _open_temporary_files() -> list[str]:
    """The temporary files SQLite has open in this process (it deletes them at once)."""
    import os

    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "etilqs_" in target:  # SQLite's temporary file names
            found.append(target)
    return found


def _pragmas(store: Store) -> tuple[int, int]:
    return store._one("PRAGMA temp_store")[0], store._one("PRAGMA cache_size")[0]


def test_a_bulk_write_journals_in_memory_and_puts_the_settings_back(tmp_path: Path) -> None:
    """Each multi-row INSERT of a bulk write journals the pages it changes: in a temporary
    file before (written and read back, 75,000 write calls for 20,000 cards), in memory
    now; the page cache is larger meanwhile. Both settings are put back after, also when
    the write fails; inside another transaction bulk() changes neither."""
    photo = {"name": "PHOTO", "params": {"ENCODING": ["b"]}, "value": "QUJD" * 700}
    contacts = [
        Contact(
            display_name=f"Person {n}",
            emails=[Email(f"p{n}@example.com")],
            extra=[{"name": "UID", "params": {}, "value": f"u{n}"}, photo],
        )
        for n in range(3000)
    ]
    with Store(tmp_path / "book.sqlite3") as store:
        before = _pragmas(store)
        assert before == (0, -2000)  # SQLite's defaults
        store.create_many(contacts[:500])  # the file has pages a statement changes
        with store.bulk():
            assert _pragmas(store) == (2, -8000)
            for start in range(500, 3000, 500):
                store.create_many(contacts[start : start + 500])
            assert _open_temporary_files() == []
        assert _pragmas(store) == before
        with pytest.raises(RuntimeError), store.bulk():
            raise RuntimeError("the import failed")
        assert _pragmas(store) == before
        with store.transaction(), store.bulk():
            assert _pragmas(store) == before
        assert store.count() == 3000


def test_without_bulk_a_statement_journal_goes_to_a_file(tmp_path: Path) -> None:
    """What the test above guards against: the same writes in a plain transaction open
    a temporary file (so that test's check of none can fail)."""
    photo = {"name": "PHOTO", "params": {"ENCODING": ["b"]}, "value": "QUJD" * 700}
    contacts = [Contact(display_name=f"Person {n}", extra=[photo]) for n in range(3000)]
    with Store(tmp_path / "book.sqlite3") as store:
        store.create_many(contacts[:500])
        with store.transaction():
            for start in range(500, 3000, 500):
                store.create_many(contacts[start : start + 500])
            assert _open_temporary_files() != []
