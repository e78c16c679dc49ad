"""Push of chosen contacts only (the preview's Push Selected), against both sandboxes."""

from __future__ import annotations

from addressbook.connectors.base import AccountConfig
from addressbook.model import Contact, Email
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import plan_push, push
from addressbook.sync.jobs import run_push
from tests.sync.conftest import connect, remote_contacts, remote_value
from tests.sync.test_engine import edit_local, first_pull, organization_of, remote_id


def test_only_the_chosen_contacts_reach_the_service(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    for number, contact_id in enumerate(ids[:3]):
        edit_local(store, contact_id, given_name=f"Chosen{number}")
    store.delete(ids[3])
    fresh = Contact(
        given_name="Kept", family_name="Here", organization=organization_of(server),
        emails=[Email("kept@example.nz")],
    )  # fmt: skip
    new_id = store.create(fresh, account.name)
    before = {remote_id(store, i): remote_value(server, remote_id(store, i), "given_name")
              for i in ids[:4]}  # fmt: skip
    count = len(remote_contacts(server))

    with connect(account) as connector:
        result = push(store, connector, contact_ids=[ids[0], ids[2]])

    assert (result.updated, result.created, result.deleted) == (2, 0, 0)
    assert remote_value(server, remote_id(store, ids[0]), "given_name") == "Chosen0"
    assert remote_value(server, remote_id(store, ids[2]), "given_name") == "Chosen2"
    untouched = remote_id(store, ids[1])
    assert remote_value(server, untouched, "given_name") == before[untouched]  # not sent
    assert len(remote_contacts(server)) == count  # neither created nor deleted
    assert store.get(ids[0]).state == store.get(ids[2]).state == "synced"
    waiting = {(p.contact_id, p.op) for p in plan_push(store, account.name)}
    assert waiting == {(ids[1], "update"), (ids[3], "delete"), (new_id, "create")}
    assert store.get(ids[1]).contact.given_name == "Chosen1"  # the edit kept here


def test_the_job_passes_the_choice_and_none_means_all(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    edit_local(store, ids[0], given_name="First")
    edit_local(store, ids[1], given_name="Second")
    chosen = run_push(account, database=store.path, contact_ids={ids[1]})
    assert chosen.updated == 1
    assert [p.contact_id for p in plan_push(store, account.name)] == [ids[0]]
    assert remote_value(server, remote_id(store, ids[1]), "given_name") == "Second"

    nothing = run_push(account, database=store.path, contact_ids=[])
    assert nothing.updated == 0 and store.pending_count(account.name) == 1

    rest = run_push(account, database=store.path)
    assert rest.updated == 1 and store.pending_count(account.name) == 0
    assert remote_value(server, remote_id(store, ids[0]), "given_name") == "First"


def test_a_choice_of_another_account_sends_nothing_here(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    edit_local(store, ids[0], given_name="Stays")
    other = store.create(Contact(display_name="Local only"))
    with connect(account) as connector:
        result = push(store, connector, contact_ids={other})
    assert result.summary().startswith("0 created, 0 updated, 0 deleted")
    assert [p.contact_id for p in plan_push(store, account.name)] == [ids[0]]
