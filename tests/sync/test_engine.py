"""The sync engine against the Harvest and AcuInvoice sandboxes over loopback sockets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from addressbook.connectors.base import AccountConfig, CancelToken
from addressbook.errors import Cancelled, ServiceUnavailable
from addressbook.model import Contact, Email
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import DELETED, plan_push, pull, push
from addressbook.sync.resolve import resolve
from tests.edits import rewrite
from tests.sync.conftest import connect, remote_contacts, remote_edit, remote_value


def first_pull(store: Store, account: AccountConfig) -> list[int]:
    with connect(account) as connector:
        pull(store, connector)
    return store.search_ids(account=account.name)


def edit_local(store: Store, contact_id: int, **changes: str) -> Contact:
    record = store.get(contact_id)
    assert record is not None
    fields: dict[str, object] = {}
    if {"given_name", "family_name"} & set(changes):
        fields["display_name"] = ""  # as the editor does: the name follows its parts
    for name, value in changes.items():
        if name == "email":
            fields["emails"] = [Email(value)]
        else:
            fields[name] = value
    contact = replace(record.contact, **fields)  # type: ignore[arg-type]
    rewrite(store, contact_id, contact)
    return contact


def remote_id(store: Store, contact_id: int) -> str:
    record = store.get(contact_id)
    assert record is not None and record.remote_id is not None
    return record.remote_id


def organization_of(server: SandboxServer) -> str:
    clients = server.service.state()["clients"]
    return str(clients[0].get("name") or clients[0].get("organization"))


def test_first_pull_fills_the_cache_and_a_second_changes_nothing(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    with connect(account) as connector:
        result = pull(store, connector)
    assert result.new == len(remote_contacts(server)) == store.count(account.name) > 0
    state = store.sync_state(account.name)
    assert state.cursor and state.last_sync and state.last_error is None
    with connect(account) as connector:
        again = pull(store, connector)
    assert (again.new, again.changed, again.deleted, again.conflicts) == (0, 0, 0, [])
    assert all(store.get(i).state == "synced" for i in store.search_ids(account=account.name))


def test_a_remote_edit_is_pulled(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    remote_edit(server, remote_id(store, ids[0]), "family_name", "Ngāti-Whātua")
    with connect(account) as connector:
        result = pull(store, connector)
    assert result.changed == 1
    record = store.get(ids[0])
    assert record.contact.family_name == "Ngāti-Whātua" and record.state == "synced"


def test_a_local_edit_is_pushed_and_becomes_the_base(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    edit_local(store, ids[0], given_name="Zoë")
    assert [p.op for p in plan_push(store, account.name)] == ["update"]
    with connect(account) as connector:
        result = push(store, connector)
    assert result.updated == 1 and not result.refused
    assert remote_value(server, remote_id(store, ids[0]), "given_name") == "Zoë"
    assert store.get(ids[0]).state == "synced" and store.pending_count(account.name) == 0


def test_edits_to_different_fields_merge(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    edit_local(store, ids[0], given_name="Local")
    remote_edit(server, rid, "family_name", "Remote")
    with connect(account) as connector:
        pulled = pull(store, connector, full=True)
        assert pulled.conflicts == []
        record = store.get(ids[0])
        assert (record.contact.given_name, record.contact.family_name) == ("Local", "Remote")
        assert record.state == "modified"
        push(store, connector)
    assert remote_value(server, rid, "given_name") == "Local"
    assert remote_value(server, rid, "family_name") == "Remote"


def test_edits_merge_at_push_time_without_a_pull(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    edit_local(store, ids[0], given_name="Local")
    remote_edit(server, rid, "family_name", "Remote")
    with connect(account) as connector:
        result = push(store, connector)
    assert result.updated == 1
    assert remote_value(server, rid, "family_name") == "Remote"  # not overwritten
    assert remote_value(server, rid, "given_name") == "Local"
    assert store.get(ids[0]).contact.family_name == "Remote"


def test_the_same_field_changed_on_both_sides_waits_for_the_user(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    edit_local(store, ids[0], family_name="Mine")
    remote_edit(server, rid, "family_name", "Theirs")
    with connect(account) as connector:
        result = push(store, connector)  # push reads the record first: a conflict, no write
        assert result.conflicts == [ids[0]] and result.updated == 0
        assert remote_value(server, rid, "family_name") == "Theirs"
        again = push(store, connector)  # a waiting conflict is not sent
        assert again.updated == 0
        assert remote_value(server, rid, "family_name") == "Theirs"
    conflict = store.conflict(ids[0])
    assert [(f.field, f.local, f.remote) for f in conflict.fields] == [
        ("family_name", "Mine", "Theirs")
    ]
    assert store.get(ids[0]).state == "conflict"
    resolve(store, ids[0], "local")
    with connect(account) as connector:
        assert push(store, connector).updated == 1
    assert remote_value(server, rid, "family_name") == "Mine"


def test_resolve_remote_drops_the_local_edit(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    edit_local(store, ids[0], family_name="Mine")
    remote_edit(server, rid, "family_name", "Theirs")
    with connect(account) as connector:
        assert pull(store, connector, full=True).conflicts == [ids[0]]
    resolve(store, ids[0], "remote")
    record = store.get(ids[0])
    assert record.contact.family_name == "Theirs" and record.state == "synced"
    assert store.pending_count(account.name) == 0


def test_resolve_both_keeps_the_remote_and_creates_the_local_as_new(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    before = len(remote_contacts(server))
    edit_local(store, ids[0], family_name="Mine")
    remote_edit(server, rid, "family_name", "Theirs")
    with connect(account) as connector:
        pull(store, connector, full=True)
        message = resolve(store, ids[0], "both")
        assert "new contact" in message
        assert store.get(ids[0]).contact.family_name == "Theirs"
        result = push(store, connector)
    assert result.created == 1, result.refused
    names = [remote_value(server, str(c[k]), "family_name") for c in remote_contacts(server)
             for k in ["id" if server.service.name == "harvest" else "contact_id"]]  # fmt: skip
    assert len(names) == before + 1 and names.count("Mine") == 1


def test_a_new_contact_is_created_once(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    first_pull(store, account)
    before = len(remote_contacts(server))
    contact = Contact(
        given_name="Aroha", family_name="Te Rangi", organization=organization_of(server),
        emails=[Email("aroha@example.nz")],
    )  # fmt: skip
    new_id = store.create(contact, account.name)
    assert [p.op for p in plan_push(store, account.name)] == ["create"]
    with connect(account) as connector:
        assert push(store, connector).created == 1
        assert push(store, connector).created == 0
        pull(store, connector)
    assert len(remote_contacts(server)) == before + 1
    record = store.get(new_id)
    assert record.state == "synced" and record.remote_id
    assert store.find_remote(account.name, record.remote_id) == new_id


def test_a_lost_create_answer_never_makes_a_duplicate(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    first_pull(store, account)
    before = len(remote_contacts(server))
    contact = Contact(
        given_name="Lost", family_name="Answer", organization=organization_of(server),
        emails=[Email("lost@example.nz")],
    )  # fmt: skip
    new_id = store.create(contact, account.name)
    with connect(account) as connector:
        connector.clients()  # the next request is the create itself
        server.service.add_fault("cut")
        with pytest.raises(ServiceUnavailable):
            push(store, connector)
    assert len(remote_contacts(server)) == before + 1  # it landed; the answer did not
    assert store.outbox_entry(new_id).attempts >= 1
    with connect(account) as connector:
        result = push(store, connector)
    assert result.created == 1
    assert len(remote_contacts(server)) == before + 1
    assert store.get(new_id).state == "synced"


def test_a_refused_contact_is_named_and_the_rest_are_pushed(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    bad = store.create(Contact(given_name="No", family_name="Client"), account.name)
    edit_local(store, ids[0], given_name="Pushed")
    with connect(account) as connector:
        result = push(store, connector)
    assert [r.contact_id for r in result.refused] == [bad]
    assert result.refused[0].message
    assert result.updated == 1
    assert store.outbox_entry(bad) is not None and store.get(bad).message
    assert remote_value(server, remote_id(store, ids[0]), "given_name") == "Pushed"


def test_a_remote_delete_drops_the_contact_at_a_full_listing(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    server.service.remove(remote_id(store, ids[0]))
    with connect(account) as connector:
        result = pull(store, connector, full=True)
    assert result.deleted == 1 and store.get(ids[0]) is None


def test_a_remote_delete_of_an_edited_contact_is_a_conflict(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    server.service.remove(remote_id(store, ids[0]))
    edit_local(store, ids[0], given_name="Still here")
    with connect(account) as connector:
        result = pull(store, connector, full=True)
    assert result.conflicts == [ids[0]]
    head = store.conflict(ids[0]).fields[0]
    assert head.field == DELETED and head.remote is True
    message = resolve(store, ids[0], "local")
    assert "new contact" in message
    assert store.get(ids[0]) is None
    assert [p.op for p in plan_push(store, account.name)] == ["create"]


def test_pushing_an_update_of_a_contact_deleted_there_is_a_conflict(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    server.service.remove(remote_id(store, ids[0]))
    edit_local(store, ids[0], given_name="Edited")
    with connect(account) as connector:
        result = push(store, connector)
    assert result.conflicts == [ids[0]]
    resolve(store, ids[0], "remote")
    assert store.get(ids[0]) is None and store.pending_count(account.name) == 0


def test_a_local_delete_is_pushed(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    store.delete(ids[0])
    assert [p.op for p in plan_push(store, account.name)] == ["delete"]
    with connect(account) as connector:
        assert push(store, connector).deleted == 1
    assert store.get(ids[0]) is None
    key = "id" if server.service.name == "harvest" else "contact_id"
    assert rid not in {str(c[key]) for c in remote_contacts(server)}


def test_a_local_delete_of_a_contact_edited_there_is_a_conflict(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    store.delete(ids[0])
    remote_edit(server, rid, "given_name", "Changed there")
    with connect(account) as connector:
        assert pull(store, connector, full=True).conflicts == [ids[0]]
        assert push(store, connector).deleted == 0  # waits for the user
    assert remote_value(server, rid, "given_name") == "Changed there"
    resolve(store, ids[0], "local")  # the delete wins
    with connect(account) as connector:
        assert push(store, connector).deleted == 1


def test_cancel_between_pages_keeps_the_cursor(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    token = CancelToken()

    def cancel_after_first_page(done: int, total: int | None, message: str) -> None:
        token.cancel()

    with connect(account) as connector, pytest.raises(Cancelled):
        pull(store, connector, progress=cancel_after_first_page, cancel=token)
    assert store.sync_state(account.name).cursor is None
    with connect(account) as connector:
        pull(store, connector)
    assert store.count(account.name) == len(remote_contacts(server))


def test_a_pull_after_a_lost_create_answer_links_the_record_once(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    first_pull(store, account)
    contact = Contact(
        given_name="Lost", family_name="Then Pulled", organization=organization_of(server),
        emails=[Email("pulled@example.nz")],
    )  # fmt: skip
    new_id = store.create(contact, account.name)
    with connect(account) as connector:
        connector.clients()
        server.service.add_fault("cut")
        with pytest.raises(ServiceUnavailable):
            push(store, connector)
    before = store.count(account.name)
    with connect(account) as connector:
        result = pull(store, connector, full=True)
        assert result.new == 0
        assert store.count(account.name) == before
        record = store.get(new_id)
        assert record.state == "synced" and record.remote_id
        assert push(store, connector).created == 0
    emails = [remote_value(server, str(c[k]), "email") for c in remote_contacts(server)
              for k in ["id" if server.service.name == "harvest" else "contact_id"]]  # fmt: skip
    assert emails.count("pulled@example.nz") == 1
