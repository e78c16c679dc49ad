"""Every state transition of a cached contact, and the outbox that goes with it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addressbook.errors import StoreError
from addressbook.model import Contact, Email, FieldEdit, Patch
from addressbook.store import FieldConflict, Store, SyncState
from tests.edits import rewrite

RAW = {"ContactID": "r-1", "Name": "Ana Remote"}


def _synced(store: Store, name: str = "Ana Remote", remote_id: str = "r-1") -> int:
    return store.apply_remote("xero", remote_id, Contact(display_name=name), RAW, "2024-01-01")


def _state(store: Store, contact_id: int) -> str:
    record = store.get(contact_id)
    assert record is not None
    return record.state


def test_create_local_and_for_an_account(store: Store) -> None:
    local = store.create(Contact(display_name="Local"))
    new = store.create(Contact(display_name="New"), account="xero")
    assert _state(store, local) == "local" and store.outbox_entry(local) is None
    assert _state(store, new) == "new"
    entry = store.outbox_entry(new)
    assert entry is not None and entry.op == "create" and entry.account == "xero"
    assert len(entry.idempotency_key) == 36
    link = store.link(new)
    assert link is not None and link.remote_id is None


def test_update_of_new_keeps_the_create_and_its_key(store: Store) -> None:
    new = store.create(Contact(display_name="New"), account="xero")
    key = store.outbox_entry(new).idempotency_key  # type: ignore[union-attr]
    rewrite(store, new, Contact(display_name="Newer"))
    entry = store.outbox_entry(new)
    assert entry is not None and entry.op == "create" and entry.idempotency_key == key
    assert _state(store, new) == "new"


def test_update_of_linked_contact_is_modified_then_back_to_synced(store: Store) -> None:
    contact_id = _synced(store)
    assert _state(store, contact_id) == "synced" and store.pending() == []
    rewrite(store, contact_id, Contact(display_name="Ana Edited"))
    assert _state(store, contact_id) == "modified"
    first = store.outbox_entry(contact_id)
    assert first is not None and first.op == "update"
    rewrite(store, contact_id, Contact(display_name="Ana Edited Again"))
    second = store.outbox_entry(contact_id)
    assert second is not None and second.idempotency_key == first.idempotency_key
    assert second.id == first.id
    rewrite(
        store, contact_id, Contact(display_name="  Ana Remote ")
    )  # equal to base once normalised
    assert _state(store, contact_id) == "synced" and store.outbox_entry(contact_id) is None


def test_delete_local_and_new_removes_the_row(store: Store) -> None:
    local = store.create(Contact(display_name="Local"))
    new = store.create(Contact(display_name="New"), account="xero")
    store.delete(local)
    store.delete(new)
    assert store.get(local) is None and store.get(new) is None
    assert store.pending() == [] and store.count() == 0


def test_delete_linked_records_a_pending_delete_and_restore_undoes_it(store: Store) -> None:
    contact_id = _synced(store)
    rewrite(store, contact_id, Contact(display_name="Edited"))
    store.delete(contact_id)
    assert _state(store, contact_id) == "deleted"
    entries = store.pending("xero")
    assert [(e.contact_id, e.op) for e in entries] == [(contact_id, "delete")]
    assert store.search_ids() == [] and store.count() == 0 and store.rows([contact_id])
    with pytest.raises(StoreError, match="undo the delete"):
        store.apply_patch(contact_id, Patch((FieldEdit("display_name", "Edited", "Nope"),)))
    store.restore(contact_id)
    assert _state(store, contact_id) == "modified"
    entry = store.outbox_entry(contact_id)
    assert entry is not None and entry.op == "update"
    assert store.search_ids() == [contact_id]


def test_discard_reverts_to_the_base(store: Store) -> None:
    contact_id = _synced(store)
    rewrite(store, contact_id, Contact(display_name="Edited", emails=[Email("a@b.c")]))
    store.discard(contact_id)
    record = store.get(contact_id)
    assert record is not None and record.state == "synced"
    assert record.contact == Contact(display_name="Ana Remote")
    assert store.pending() == []
    new = store.create(Contact(display_name="Never pushed"), account="xero")
    store.discard(new)
    assert store.get(new) is None


def test_push_complete_fail_and_complete_delete(store: Store) -> None:
    new = store.create(Contact(display_name="New"), account="xero")
    entry = store.outbox_entry(new)
    assert entry is not None
    store.fail(entry.id, "Email address is invalid")
    failed = store.outbox_entry(new)
    assert failed is not None and failed.attempts == 1 and failed.last_error
    assert store.get(new).message == "Email address is invalid"  # type: ignore[union-attr]
    answer = Contact(display_name="New", organization="Given by the service")
    store.complete(entry.id, "r-9", answer, {"ContactID": "r-9"}, "stamp-1")
    record = store.get(new)
    assert record is not None and record.state == "synced" and record.remote_id == "r-9"
    assert record.contact == answer and record.message is None
    assert store.find_remote("xero", "r-9") == new
    link = store.link(new)
    assert link is not None and link.base_raw == {"ContactID": "r-9"} and link.stamp == "stamp-1"
    store.delete(new)
    delete_entry = store.outbox_entry(new)
    assert delete_entry is not None
    store.complete_delete(delete_entry.id)
    assert store.get(new) is None and store.remote_ids("xero") == set()


def test_apply_remote_inserts_then_overwrites(store: Store) -> None:
    contact_id = _synced(store)
    assert (
        store.apply_remote("xero", "r-1", Contact(display_name="Renamed"), RAW, "s2") == contact_id
    )
    record = store.get(contact_id)
    assert record is not None and record.contact.display_name == "Renamed"
    assert store.remote_ids("xero") == {"r-1"} and store.link(contact_id).stamp == "s2"  # type: ignore[union-attr]


def test_set_base_keeps_local_edits_pending(store: Store) -> None:
    contact_id = _synced(store)
    rewrite(store, contact_id, Contact(display_name="Ana Remote", title="Local title"))
    merged = Contact(display_name="Ana Remote", title="Local title", notes="remote note")
    store.set_base(
        contact_id, merged, {"v": 2}, Contact(display_name="Ana Remote", notes="remote note"), "s2"
    )
    assert _state(store, contact_id) == "modified"
    store.set_base(contact_id, merged, {"v": 3}, merged, "s3")
    assert _state(store, contact_id) == "synced" and store.outbox_entry(contact_id) is None


def test_conflict_is_recorded_and_cleared(store: Store) -> None:
    contact_id = _synced(store)
    rewrite(store, contact_id, Contact(display_name="Local name"))
    fields = [FieldConflict("display_name", "Ana Remote", "Local name", "Remote name")]
    store.set_conflict(contact_id, fields, Contact(display_name="Remote name"), {"r": 1}, "s2")
    assert _state(store, contact_id) == "conflict"
    conflict = store.conflict(contact_id)
    assert conflict is not None and conflict.fields == fields and conflict.account == "xero"
    assert conflict.remote_contact.display_name == "Remote name" and conflict.remote_raw == {"r": 1}
    assert [c.contact_id for c in store.conflicts("xero")] == [contact_id]
    assert store.conflicts("other") == []
    store.clear_conflict(contact_id)
    assert _state(store, contact_id) == "modified" and store.conflict(contact_id) is None


def test_counts_sync_state_and_forget_account(store: Store) -> None:
    store.create(Contact(display_name="Local"))
    synced = _synced(store)
    store.create(Contact(display_name="New"), account="xero")
    rewrite(store, synced, Contact(display_name="Edited"))
    assert store.account_counts() == {"": (1, 0), "xero": (2, 2)}
    assert store.pending_count("xero") == 2 and store.pending_count() == 2
    assert store.count("") == 1 and store.count("xero") == 2 and store.count() == 3
    store.save_sync_state(SyncState("xero", cursor="2024-01-02T00:00:00Z", extra={"page": 3}))
    assert store.sync_state("xero") == SyncState("xero", "2024-01-02T00:00:00Z", extra={"page": 3})
    assert store.sync_state("harvest") == SyncState("harvest")
    store.forget_account("xero")
    assert store.account_counts() == {"": (1, 0)}
    assert store.sync_state("xero") == SyncState("xero") and store.pending() == []


def test_a_failing_transaction_changes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.create(Contact(display_name="Half"))
        with store.transaction():  # nested: part of the same transaction
            store.create(Contact(display_name="Done"))
        raise RuntimeError("boom")
    assert store.count() == 0


def test_unknown_ids_are_one_sentence(store: Store) -> None:
    with pytest.raises(StoreError, match="no contact with id 42"):
        store.apply_patch(42, Patch((FieldEdit("display_name", "", "X"),)))
    with pytest.raises(StoreError, match="no contact with id 42"):
        store.delete(42)
    assert store.get(42) is None and store.link(42) is None


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "xero", "harvest"]), st.sampled_from(["keep", "delete"])),
        max_size=12,
    )
)
def test_account_counts_agree_with_each_accounts_own_counts(
    store: Store, made: list[tuple[str, str]]
) -> None:
    """The overview's one statement (counts and pending changes of every account) says
    what count() and pending_count() say account by account, deleted contacts and
    synced ones (no pending change) included."""
    store.forget_account("xero")
    store.forget_account("harvest")
    with store.transaction():
        for contact_id in store.search_ids(""):
            store.delete(contact_id)
    for n, (account, fate) in enumerate(made):
        if account and n % 3 == 0:  # synced from the service: no pending change
            contact_id = store.apply_remote(
                account, f"r-{n}", Contact(display_name=f"R{n}"), {}, "2024-01-01"
            )
        else:
            contact_id = store.create(Contact(display_name=f"C{n}"), account=account or None)
        if fate == "delete":
            store.delete(contact_id)
    counts = store.account_counts()
    for account in ("", "xero", "harvest"):
        expected = (store.count(account), store.pending_count(account))
        assert counts.get(account, (0, 0)) == expected, account
    assert set(counts) <= {"", "xero", "harvest"}
