"""A person's edit fans out: each record by its own rules; a race with a sync overwrites nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from addressbook import accounts
from addressbook.connectors.base import AccountConfig
from addressbook.model import Contact, Email, Patch, Phone, apply_field_args
from addressbook.people import edit_everywhere, edit_person
from addressbook.store import Store


def _ada(**fields: object) -> Contact:
    base = {"display_name": "Ada Lovelace", "emails": [Email("ada@analytical.example")]}
    return Contact(**{**base, **fields})  # type: ignore[arg-type]


def _account(name: str, service: str, url: str) -> None:
    accounts.add_account(AccountConfig(name, service, url, {}), {})


def test_a_record_that_cannot_take_the_edit_is_named_and_the_others_change(
    store: Store, keyring_file: Path
) -> None:
    _account("books", "xero", "https://api.xero.com/api.xro/2.0")
    _account("time", "harvest", "https://acme.harvestapp.com")
    x = store.apply_remote("books", "X1", _ada(), {}, None)
    locked = store.apply_remote("books", "X2", _ada(status="read-only"), {}, None)
    h = store.apply_remote("time", "H1", _ada(), {}, None)
    store.join([x, locked, h])
    mobile = [("phone.mobile", "+64 21 555 0199")]
    result = edit_everywhere(store, x, lambda c: apply_field_args(c, mobile))
    assert [o.record.id for o in result.refused] == [locked]
    assert result.refused[0].refused and "read-only" in result.refused[0].refused[0]
    assert sorted(o.record.id for o in result.changed) == [x, h]
    assert list(store.get(locked).contact.phones) == []  # type: ignore[union-attr]
    assert [p.number for p in store.get(h).contact.phones] == ["+64 21 555 0199"]  # type: ignore[union-attr]
    # Xero has no place for a job title: its record is named, Harvest's still changes.
    result = edit_everywhere(store, x, lambda c: c.with_field("title", "Countess"))
    assert {o.record.id for o in result.refused} == {x, locked}
    assert [o.record.id for o in result.changed] == [h]


def test_a_field_a_sync_changed_meanwhile_becomes_a_conflict_not_an_overwrite(
    store: Store,
) -> None:
    x = store.apply_remote("xero-demo", "X1", _ada(phones=[Phone("+44 1", "work")]), {}, None)
    h = store.apply_remote("harvest-demo", "H1", _ada(phones=[Phone("+44 1", "work")]), {}, None)
    store.join([x, h])
    seen = store.records([x, h])  # what the window shows
    # A pull lands on Harvest's record while the user edits the person.
    store.apply_remote("harvest-demo", "H1", _ada(phones=[Phone("+44 2", "work")]), {}, None)
    wanted = replace(seen[0].contact, phones=[Phone("+44 3", "work")])
    result = edit_person(store, seen, seen[0], Patch.between(seen[0].contact, wanted))
    assert [p.number for p in store.get(x).contact.phones] == ["+44 3"]  # type: ignore[union-attr]
    harvest = store.get(h)
    assert harvest is not None and harvest.state == "conflict"
    conflict = store.conflict(h)
    assert conflict is not None and conflict.fields[0].field == "phones"
    assert [p["number"] for p in conflict.fields[0].remote] == ["+44 2"]  # kept, not lost
    assert {o.record.id for o in result.outcomes} == {x, h}


def test_a_record_of_no_service_changed_meanwhile_is_named_and_the_others_change(
    store: Store,
) -> None:
    a = store.create(_ada(title="Dr"))
    b = store.create(_ada(title="Dr"))
    store.join([a, b])
    seen = store.records([a, b])
    store.apply_patch(b, Patch.setting(seen[1].contact, title="Prof"))  # another window
    wanted = replace(seen[0].contact, title="Countess")
    result = edit_person(store, seen, seen[0], Patch.between(seen[0].contact, wanted))
    assert store.get(a).contact.title == "Countess"  # type: ignore[union-attr]
    assert store.get(b).contact.title == "Prof"  # type: ignore[union-attr]  # not overwritten
    assert [o.record.id for o in result.refused] == [b]
    assert [o.record.id for o in result.changed] == [a]
