"""Xero 2.0 at its limits: pages of 1000, records read 50 a call, updates sent 50 a call.

Call counts come from the sandbox's request log; the engine's per-contact semantics
(merge, conflicts, outbox) are checked on a real cache.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from addressbook.connectors.base import RemoteContact
from addressbook.errors import NotFound, ValidationRefused
from addressbook.model import Contact
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero import XeroService
from addressbook.store import Store
from addressbook.sync.pull import pull
from addressbook.sync.push import push
from tests.connectors.contract import pull_all
from tests.connectors.xero_helpers import close_connectors, signed_in_xero  # noqa: F401 - fixture
from tests.edits import rewrite
from tests.fakes import FakeClock

pytestmark = pytest.mark.usefixtures("keyring_file")


def api_calls(service: XeroService) -> list[tuple[str, str, dict[str, list[str]]]]:
    return [(m, p, q) for m, p, q in service.request_log if "/api.xro/" in p]


def active(records: list[RemoteContact]) -> list[RemoteContact]:
    return [r for r in records if r.contact.status == "active" and not r.contact.organization]


def renamed(remote: RemoteContact, family: str) -> Contact:
    return replace(remote.contact, family_name=family, display_name="")


def test_get_many_reads_fifty_records_a_call(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=120, seed=3)
    connector = signed_in_xero(xero)
    ids = [r.remote_id for r in pull_all(connector)]
    service.request_log.clear()
    gone = "0d3f6a2e-0000-4000-8000-000000000000"
    found = connector.get_many([*ids, gone])
    calls = api_calls(service)
    assert [len(q["IDs"][0].split(",")) for _, _, q in calls] == [50, 50, 21]
    assert all(m == "GET" and p.endswith("/Contacts") for m, p, _ in calls)
    assert {k for k, v in found.items() if isinstance(v, RemoteContact)} == set(ids)
    assert isinstance(found[gone], NotFound)


def test_update_many_sends_fifty_a_call_and_gives_each_its_own_answer(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=150, seed=4)
    connector = signed_in_xero(xero)
    everyone = active(pull_all(connector))
    people, taken = everyone[:60], everyone[60].raw["Name"]
    items = [(r, renamed(r, f"Batch{i}"), f"key-{i}") for i, r in enumerate(people)]
    # the 8th takes the name of a contact outside the batch: Xero refuses that one element
    items[7] = (people[7], replace(people[7].contact, display_name=taken), "key-7")
    service.request_log.clear()
    answers = connector.update_many(items)
    posts = [(m, p, q) for m, p, q in api_calls(service) if m == "POST"]
    assert len(posts) == 2 and all(q["summarizeErrors"] == ["false"] for *_, q in posts)
    assert all(p.endswith("/Contacts") for _, p, _ in posts)
    refused = answers[7]
    assert isinstance(refused, ValidationRefused)
    assert "already assigned to another contact" in str(refused)
    for i, answer in enumerate(answers):
        if i != 7:
            assert isinstance(answer, RemoteContact) and answer.remote_id == people[i].remote_id
            assert answer.contact.family_name == f"Batch{i}"
    state = {c["ContactID"]: c for c in service.state()["contacts"]}
    assert state[people[7].remote_id]["Name"] == people[7].raw["Name"]  # untouched


def test_a_retried_batch_is_the_same_request(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=80, seed=5)
    connector = signed_in_xero(xero)
    people = active(pull_all(connector))[:5]
    items = [(r, renamed(r, f"Again{i}"), f"k{i}") for i, r in enumerate(people)]
    first = connector.update_many(items)
    second = connector.update_many(items)  # the same batch: Xero answers it from its keys
    assert [a.stamp for a in first if isinstance(a, RemoteContact)] == [
        a.stamp for a in second if isinstance(a, RemoteContact)
    ]
    tenant: Any = service.tenants[0]
    assert len(tenant.idempotent) == 1  # one key for the whole batch


def test_a_batch_of_one_uses_the_contacts_own_endpoint(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=20, seed=6)
    connector = signed_in_xero(xero)
    person = active(pull_all(connector))[0]
    service.request_log.clear()
    [answer] = connector.update_many([(person, renamed(person, "Solo"), "solo")])
    assert isinstance(answer, RemoteContact) and answer.contact.family_name == "Solo"
    [(method, path, _)] = api_calls(service)
    assert method == "POST" and path.endswith(f"/Contacts/{person.remote_id}")


def test_push_of_100_edits_reads_and_writes_by_batches(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=300, seed=7)
    connector = signed_in_xero(xero)
    with Store.default() as store:
        pull(store, connector, full=True)
        ids = [
            contact_id
            for contact_id in store.search_ids(account=connector.account.name)
            if (r := store.get(contact_id)) is not None
            and r.contact.status == "active"
            and not r.contact.organization
        ][:100]
        assert len(ids) == 100
        for n, contact_id in enumerate(ids):
            record = store.get(contact_id)
            assert record is not None
            rewrite(store, contact_id, replace(record.contact, title="", family_name=f"Edit{n}"))
        # one contact changed on the service meanwhile, in another field: merged, not lost
        first = store.get(ids[0])
        assert first is not None and first.remote_id is not None
        service.edit(first.remote_id, {"EmailAddress": "moved@example.com"})
        service.request_log.clear()
        result = push(store, connector)
        assert (result.updated, result.conflicts, result.refused) == (100, [], [])
        calls = api_calls(service)
        assert len(calls) <= 6, calls
        assert sum(1 for m, *_ in calls if m == "GET") == 2  # 100 records, 50 IDs a call
        assert store.pending_count() == 0
        state = {c["ContactID"]: c for c in service.state()["contacts"]}
        for n, contact_id in enumerate(ids):
            record = store.get(contact_id)
            assert record is not None and record.remote_id is not None
            assert state[record.remote_id]["LastName"] == f"Edit{n}"
        assert state[first.remote_id]["EmailAddress"] == "moved@example.com"


def test_push_of_100_creates_takes_at_most_three_calls(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=0, seed=8)
    connector = signed_in_xero(xero)
    with Store.default() as store:
        for n in range(100):
            store.create(
                Contact(given_name="New", family_name=f"Person{n}", display_name=f"New Person{n}"),
                connector.account.name,
            )
        service.request_log.clear()
        result = push(store, connector)
        assert result.created == 100
        assert len(service.request_log) <= 3
        assert len(service.state()["contacts"]) == 100


def test_a_batch_whose_answer_is_lost_settles_at_the_next_push(xero: SandboxServer) -> None:
    from addressbook.errors import ConnectorError

    xero.service = service = XeroService(contacts=40, seed=9)
    connector = signed_in_xero(xero)
    connector.account.settings.update(give_up_seconds="20", read_timeout="2")
    connector.clock = FakeClock()  # the retries of the cut batch wait on a fake clock
    with Store.default() as store:
        pull(store, connector, full=True)
        ids = [
            i
            for i in store.search_ids(account=connector.account.name)
            if (r := store.get(i)) is not None
            and r.contact.status == "active"
            and not r.contact.organization
        ][:3]
        for n, contact_id in enumerate(ids):
            record = store.get(contact_id)
            assert record is not None
            rewrite(store, contact_id, replace(record.contact, family_name=f"Lost{n}"))
        # Xero takes the batch, then every answer to it is cut off
        service.add_fault(
            "cut", count=100, when=lambda r: r.method == "POST" and r.path.endswith("/Contacts")
        )
        with pytest.raises(ConnectorError):
            push(store, connector)
        service.clear_faults()
        assert store.pending_count() == 3  # no answer came: every edit stays pending
        state = {c["ContactID"]: c for c in service.state()["contacts"]}
        landed = [store.get(i) for i in ids]
        assert all(r and r.remote_id and state[r.remote_id]["LastName"] == f"Lost{n}"
                   for n, r in enumerate(landed))  # fmt: skip
        again = push(store, connector)
        assert again.conflicts == [] and store.conflicts() == []
        assert store.pending_count() == 0
        for n, contact_id in enumerate(ids):
            record = store.get(contact_id)
            assert record is not None and record.contact.family_name == f"Lost{n}"
