"""People in the store: the migration, join/merge/split/undo, what a sync does to a person."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from addressbook.errors import StoreError, UsageError
from addressbook.model import Contact, Email
from addressbook.store import Store, schema


def _contact(name: str, email: str = "") -> Contact:
    return Contact(display_name=name, emails=[Email(email)] if email else [])


def _pulled(store: Store, account: str, remote_id: str, name: str) -> int:
    return store.apply_remote(account, remote_id, _contact(name), {"id": remote_id}, None)


def test_migration_from_version_1_keeps_contacts_and_adds_people(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.MIGRATIONS[0](conn)  # the file as version 1 wrote it
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        """INSERT INTO contacts (account, data, sort_key, display_name, state, updated_at)
        VALUES (NULL, '{"display_name": "Ana"}', 'ana', 'Ana', 'local', '')"""
    )
    conn.close()
    with Store(path) as store:
        assert store._one("PRAGMA user_version")[0] == schema.current_version() == 3
        record = store.get(1)
        assert record is not None and record.contact.display_name == "Ana"
        assert record.person is None and record.to_json()["person"] is None
        other = store.create(_contact("Ana S."))
        result = store.join([1, other])
        assert store.get(1).person == result.person  # type: ignore[union-attr]
        assert set(store.people()[0].ids) == {1, other}


def test_join_prints_one_person_and_merges_two(store: Store) -> None:
    a, b, c, d = (store.create(_contact(n)) for n in ("Ana", "Bea", "Cid", "Dov"))
    first = store.join([a, b])
    second = store.join([c, d])
    assert first.person != second.person and first.added == (a, b)
    merged = store.join([b, c])
    assert merged.person == min(first.person, second.person)
    assert merged.merged == (max(first.person, second.person),)
    assert store.person_ids(merged.person) == [a, b, c, d]
    assert not store.person_exists(second.person)
    again = store.join([a, d])  # already one person: nothing changes
    assert again.person == merged.person and again.added == () and again.merged == ()


def test_join_refuses_itself_one_record_and_unknown_ids(store: Store) -> None:
    a = store.create(_contact("Ana"))
    with pytest.raises(UsageError):
        store.join([a, a])
    with pytest.raises(UsageError):
        store.join([a])
    with pytest.raises(StoreError, match="no contact with id 999"):
        store.join([a, 999])
    assert store.people() == []


def test_join_and_split_never_touch_the_records(store: Store) -> None:
    a = store.create(_contact("Ana", "ana@example.org"))
    b = store.create(_contact("Ana Silva", "ANA@example.org"), account="xero-demo")
    before = {i: store.get(i) for i in (a, b)}
    person = store.join([a, b]).person
    undo = store.split(person)
    assert undo == {a: person, b: person}
    for i in (a, b):
        record = store.get(i)
        assert record is not None and record.person is None
        assert record.contact == before[i].contact and record.state == before[i].state  # type: ignore[union-attr]
    store.restore_membership(undo)  # the undo of the split: the same person again
    assert store.person_of(a) == store.person_of(b) == person


def test_undo_of_a_merge_gives_back_both_people(store: Store) -> None:
    a, b, c, d = (store.create(_contact(n)) for n in ("Ana", "Bea", "Cid", "Dov"))
    p = store.join([a, b]).person
    q = store.join([c, d]).person
    result = store.join([a, c])
    store.restore_membership(result.before)
    assert store.person_ids(p) == [a, b] and store.person_ids(q) == [c, d]


def test_a_record_deleted_on_its_service_leaves_the_person(store: Store) -> None:
    a = _pulled(store, "xero-demo", "X1", "Ana")
    b = _pulled(store, "harvest-demo", "H1", "Ana")
    c = _pulled(store, "acu-demo", "A1", "Ana")
    person = store.join([a, b, c]).person
    store.drop(b)  # the service deleted it (a pull)
    assert store.person_ids(person) == [a, c]
    store.forget_account("acu-demo")  # the account removed: one record left, the person goes
    assert not store.person_exists(person)
    record = store.get(a)
    assert record is not None and record.person is None and record.state == "synced"


def test_a_pushed_delete_leaves_the_person(store: Store) -> None:
    a = _pulled(store, "xero-demo", "X1", "Ana")
    b = _pulled(store, "harvest-demo", "H1", "Ana")
    c = _pulled(store, "acu-demo", "A1", "Ana")
    person = store.join([a, b, c]).person
    store.delete(c)
    assert store.person_ids(person) == [a, b]  # deleted here: hidden, still a member
    assert store.person_ids(person, shown_only=False) == [a, b, c]
    entry = store.outbox_entry(c)
    assert entry is not None
    store.complete_delete(entry.id)
    assert store.person_ids(person, shown_only=False) == [a, b]


def test_a_pull_keeps_the_person(store: Store) -> None:
    a = _pulled(store, "xero-demo", "X1", "Ana")
    b = _pulled(store, "harvest-demo", "H1", "Ana")
    person = store.join([a, b]).person
    _pulled(store, "xero-demo", "X1", "Ana Silva")  # changed on the service
    store.apply_remote_many("harvest-demo", [("H1", _contact("Ana S."), {"id": "H1"}, None)])
    assert sorted(store.person_ids(person)) == [a, b]


def test_dismissed_pairs_are_remembered(store: Store) -> None:
    a, b, c = (store.create(_contact(n)) for n in ("Ana", "Bea", "Cid"))
    assert store.dismiss([c, a, b]) == 3
    assert store.dismiss([a, b]) == 0
    assert store.dismissed() == {(a, b), (a, c), (b, c)}
    store.undismiss([a, b])
    assert store.dismissed() == {(a, c), (b, c)}
    store.drop(c)
    assert store.dismissed() == set()


def test_people_index_names_each_persons_accounts(store: Store) -> None:
    a = _pulled(store, "xero-demo", "X1", "Ana")
    b = _pulled(store, "harvest-demo", "H1", "Ana")
    c = store.create(_contact("Cid"))
    person = store.join([a, b]).person
    index = store.people_index()
    assert index.person_of == {a: person, b: person}
    assert index.accounts[person] == ("harvest-demo", "xero-demo")  # by name: badges line up
    assert c not in index.person_of
    store.delete(b)  # deleted here: a person of one shown record lists as that record
    assert store.people_index().person_of == {}
