"""A hypothesis state machine driving the sync engine against the Harvest and AcuInvoice sandboxes.

Steps: local edits (per field), edits on the service, new contacts, pulls (incremental
and full), pushes, and pushes that crash — between two contacts (the process dies after
a commit) or with the service's answer lost after it acted (the connection cut).

The model is small on purpose. Per (contact, field) it keeps the value expected at the
end and whether a local edit is still unsent; the end is reached by settling: full pulls,
every conflict resolved "keep local", pushes, until nothing is pending. Checked:
- no edit lost: the service ends with the expected value of every field;
- no duplicate: each new contact exists exactly once on the service, at every step;
- conflicts only where both sides changed the same field while a local edit was unsent.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from addressbook.accounts import KeyringSecrets
from addressbook.connectors import make_connector
from addressbook.connectors.base import AccountConfig, Connector
from addressbook.errors import ConnectorError
from addressbook.model import Contact, Email
from addressbook.sandbox import SERVICES
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import DELETED, pull, push
from addressbook.sync.resolve import resolve
from tests.edits import rewrite

# Per service: the model fields the machine edits → the service's own names for them,
# and the service's names of its record id and email.
PROFILES: dict[str, dict[str, Any]] = {
    "harvest": {"fields": {"title": "title", "family_name": "last-name"}, "id": "id"},
    "acuinvoice": {"fields": {"given_name": "first_name", "family_name": "last_name"},
                   "id": "contact_id"},
}  # fmt: skip
VALUES = st.sampled_from(["Alpha", "Beta", "Gamma", "Ōtaki", "Zoë"])
SLOTS = st.sampled_from([0, 1])  # which of the service's two edited fields
_counter = itertools.count()


class SimulatedCrash(Exception):
    """The process died here (raised from the progress callback, after a commit)."""


class SyncMachine(RuleBasedStateMachine):
    """The engine against the sandbox, checked against a small model."""

    server: SandboxServer
    folder: Path
    name = "harvest"  # the service, and the account's name

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = PROFILES[self.name]["fields"]
        self.service: Any = SERVICES[self.name](contacts=4, seed=next(_counter) % 3)
        self.service.limits_enabled = False
        self.server.service = self.service
        self.store = Store(self.folder / f"cache-{next(_counter)}.sqlite3")
        self.account = AccountConfig(
            self.name, self.name, self.server.url, {"give_up_seconds": "2"}
        )
        self.connector: Connector = make_connector(self.account, KeyringSecrets(self.name))
        client = self.service.state()["clients"][0]
        self.client = client.get("name") or client["organization"]
        self.expected: dict[tuple[int, str], str] = {}
        self.unsent: set[tuple[int, str]] = set()
        self.both_changed: set[tuple[int, str]] = set()
        self.unseen: set[tuple[int, str]] = set()  # edited on the service, not pulled yet
        self.new_emails: dict[int, str] = {}
        self.remote_values: dict[tuple[int, str], str] = {}  # the service's last value set
        self.deleted: dict[int, str] = {}  # deleted here: contact id → remote id
        self.gone: list[str] = []  # remote ids deleted here whose contact id was reused

    def teardown(self) -> None:
        try:
            self.settle()
        finally:
            self.connector.close()
            self.store.close()

    # --- helpers ---------------------------------------------------------------------------
    def ids(self) -> list[int]:
        return self.store.search_ids(account=self.name)

    def linked(self) -> list[int]:
        return [i for i in self.ids() if (r := self.store.get(i)) is not None and r.remote_id]

    def after_push(self) -> None:
        """Contacts whose entry is gone were sent: their edits are on the service.

        (After a push, or after a pull that linked a create whose answer was lost.)
        """
        for key in list(self.unsent):
            if self.store.outbox_entry(key[0]) is None:
                self.unsent.discard(key)
                self.both_changed.discard(key)
                self.unseen.discard(key)
        self.check_conflicts()

    def after_pull(self) -> None:
        """A field the service already holds as edited here is no longer an unsent edit:
        the three-way merge of the pull takes the service's value as the field's base.

        (Both sides set the same value, or a push's answer was lost after the service
        took it.) A later change on the service is then the service's alone, and wins.
        """
        id_key = PROFILES[self.name]["id"]
        by_id = {str(c[id_key]): c for c in self.service.state()["contacts"]}
        for key in list(self.unsent):
            record = self.store.get(key[0])
            if record is None or not record.remote_id or record.remote_id not in by_id:
                continue
            if (by_id[record.remote_id].get(self.fields[key[1]]) or "") == self.expected[key]:
                self.unsent.discard(key)
                self.both_changed.discard(key)
        self.unseen.clear()

    def check_conflicts(self) -> None:
        for conflict in self.store.conflicts(self.name):
            if conflict.fields[0].field == DELETED:
                # Only "deleted here, edited there": nothing is deleted on the service.
                assert conflict.contact_id in self.deleted, conflict
                continue
            for item in conflict.fields:
                assert (conflict.contact_id, item.field) in self.both_changed, item

    # --- rules -----------------------------------------------------------------------------
    @initialize()
    def first_pull(self) -> None:
        pull(self.store, self.connector)
        for contact_id in self.ids():
            record = self.store.get(contact_id)
            assert record is not None
            for field in self.fields:
                self.expected[(contact_id, field)] = getattr(record.contact, field)

    @rule(data=st.data(), slot=SLOTS, value=VALUES)
    def local_edit(self, data: st.DataObject, slot: int, value: str) -> None:
        field = sorted(self.fields)[slot]
        if not self.ids():
            return
        contact_id = data.draw(st.sampled_from(self.ids()))
        record = self.store.get(contact_id)
        assert record is not None
        if getattr(record.contact, field) == value:
            return  # saving an unchanged value is no edit: the service's later change wins
        # the editor keeps a derived name in step with its parts
        contact = replace(record.contact, **{field: value, "display_name": ""})
        rewrite(self.store, contact_id, contact)
        self.expected[(contact_id, field)] = value
        self.unsent.add((contact_id, field))
        if (contact_id, field) in self.unseen:
            self.both_changed.add((contact_id, field))
        if self.store.outbox_entry(contact_id) is None and record.remote_id:
            # Edited back to the base: nothing is pending, so the service's value wins.
            id_key = PROFILES[self.name]["id"]
            remote = next(
                c for c in self.service.state()["contacts"] if str(c[id_key]) == record.remote_id
            )
            for name, remote_name in self.fields.items():
                key = (contact_id, name)
                self.unsent.discard(key)
                self.both_changed.discard(key)
                self.expected[key] = remote.get(remote_name) or ""

    @rule(data=st.data(), slot=SLOTS, value=VALUES)
    def remote_edit(self, data: st.DataObject, slot: int, value: str) -> None:
        field = sorted(self.fields)[slot]
        linked = self.linked()
        if not linked:
            return
        contact_id = data.draw(st.sampled_from(linked))
        record = self.store.get(contact_id)
        assert record is not None and record.remote_id
        self.service.edit(record.remote_id, {self.fields[field]: value})
        key = (contact_id, field)
        self.remote_values[key] = value
        self.unseen.add(key)
        if key in self.unsent:
            self.both_changed.add(key)  # the final "keep local" keeps the local value
        else:
            self.expected[key] = value

    @rule(data=st.data())
    def local_delete(self, data: st.DataObject) -> None:
        linked = self.linked()
        if not linked:
            return
        contact_id = data.draw(st.sampled_from(linked))
        record = self.store.get(contact_id)
        assert record is not None and record.remote_id
        self.store.delete(contact_id)
        self.deleted[contact_id] = record.remote_id
        self.new_emails.pop(contact_id, None)  # a created contact, deleted again
        for key in [k for k in self.expected if k[0] == contact_id]:
            del self.expected[key]
            self.unsent.discard(key)
            self.both_changed.discard(key)

    @rule(data=st.data(), value=VALUES)
    def remote_edit_of_deleted(self, data: st.DataObject, value: str) -> None:
        """The service edits a record deleted here: the delete still wins when kept."""
        remote_ids = [rid for cid, rid in self.deleted.items() if self.store.get(cid) is not None]
        if not remote_ids:
            return
        rid = data.draw(st.sampled_from(remote_ids))
        field = sorted(self.fields)[0]
        if any(str(c[PROFILES[self.name]["id"]]) == rid for c in self.service.state()["contacts"]):
            self.service.edit(rid, {self.fields[field]: value})

    @rule()
    def resolve_remote(self) -> None:
        """Settle every field conflict with the service's values; other edits stay pending."""
        for conflict in self.store.conflicts(self.name):
            if conflict.fields[0].field == DELETED:
                continue  # left for the end, which keeps the delete
            for item in conflict.fields:
                key = (conflict.contact_id, item.field)
                assert key in self.both_changed, item
                self.expected[key] = self.remote_values[key]
                self.unsent.discard(key)
                self.both_changed.discard(key)
            resolve(self.store, conflict.contact_id, "remote")

    @rule(family=VALUES)
    def local_create(self, family: str) -> None:
        email = f"new{next(_counter)}@example.org"
        contact = Contact(
            given_name="New", family_name=family, organization=self.client, emails=[Email(email)]
        )
        contact_id = self.store.create(contact, self.name)
        if contact_id in self.deleted:  # SQLite reuses the id of a row whose delete was pushed
            self.gone.append(self.deleted.pop(contact_id))
        self.new_emails[contact_id] = email
        for field in self.fields:
            self.expected[(contact_id, field)] = getattr(contact, field)
            self.unsent.add((contact_id, field))

    @rule(full=st.booleans())
    def do_pull(self, full: bool) -> None:
        pull(self.store, self.connector, full=full)
        self.after_pull()
        self.after_push()  # a pull may complete a push: a create whose answer was lost

    @rule()
    def do_push(self) -> None:
        push(self.store, self.connector)
        self.after_push()

    @rule(after=st.integers(min_value=1, max_value=4))
    def push_dies_between_contacts(self, after: int) -> None:
        def die(done: int, total: int | None, message: str) -> None:
            if done >= after:
                raise SimulatedCrash()

        try:
            push(self.store, self.connector, progress=die)
        except SimulatedCrash:
            pass
        self.after_push()

    @rule(skip=st.integers(min_value=0, max_value=4))
    def push_loses_an_answer(self, skip: int) -> None:
        """The connection is cut on a request: the service acted, the answer is lost."""
        self.connector.clients()  # keep the fault off the client listing
        self.service.requests_seen = 0
        original = self.service.handle

        def cut_later(request: Any) -> Any:
            if self.service.requests_seen == skip + 1 and request.method in ("POST", "PUT"):
                self.service.add_fault("cut")
            return original(request)

        self.service.handle = cut_later  # type: ignore[method-assign]
        try:
            push(self.store, self.connector)
        except ConnectorError:
            pass
        finally:
            self.service.handle = original  # type: ignore[method-assign]
            self.service.clear_faults()
        self.after_push()

    @invariant()
    def no_duplicate(self) -> None:
        emails = [c.get("email") for c in self.service.state()["contacts"]]
        for email in self.new_emails.values():
            assert emails.count(email) <= 1, email

    # --- the end ---------------------------------------------------------------------------
    def settle(self) -> None:
        """Pull, keep every local side, push — until nothing is pending — then compare."""
        self.service.clear_faults()
        for _ in range(4):
            pull(self.store, self.connector, full=True)
            self.after_pull()
            self.check_conflicts()
            for conflict in self.store.conflicts(self.name):
                resolve(self.store, conflict.contact_id, "local")
            push(self.store, self.connector)
            self.after_push()
            if not self.store.pending_count(self.name):
                break
        assert self.store.pending_count(self.name) == 0
        by_email = {c.get("email"): c for c in self.service.state()["contacts"]}
        id_key = PROFILES[self.name]["id"]
        by_id = {str(c[id_key]): c for c in self.service.state()["contacts"]}
        for email in self.new_emails.values():
            assert email in by_email, f"{email} was never created"
        for rid in [*self.deleted.values(), *self.gone]:
            assert rid not in by_id, f"{rid} was deleted here but is still on the service"
            assert self.store.find_remote(self.name, rid) is None
        for (contact_id, field), value in self.expected.items():
            record = self.store.get(contact_id)
            assert record is not None and record.remote_id, contact_id
            remote = by_id[record.remote_id]
            assert (remote.get(self.fields[field]) or "") == value, (contact_id, field)
            assert getattr(record.contact, field) == value


class AcuInvoiceMachine(SyncMachine):
    """The same machine against AcuInvoice (no idempotency keys: lost creates are looked up)."""

    name = "acuinvoice"


@pytest.mark.slow
@pytest.mark.parametrize(
    "machine_class", [SyncMachine, AcuInvoiceMachine], ids=["harvest", "acuinvoice"]
)
def test_sync_state_machine(
    machine_class: type[SyncMachine],
    request: pytest.FixtureRequest,
    keyring_file: Path,
    tmp_path: Path,
) -> None:
    server: SandboxServer = request.getfixturevalue(machine_class.name)
    for key, value in server.service.credentials().items():
        KeyringSecrets(machine_class.name).set(key, value)
    machine_class.server = server
    machine_class.folder = tmp_path
    machine = machine_class.TestCase
    machine.settings = settings(
        max_examples=int(os.environ.get("ADDRESSBOOK_STATE_MACHINE_EXAMPLES", "25")),
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine().runTest()


class _Drawn:
    """The `data` of a scripted run: draws the given values in turn."""

    def __init__(self, *values: Any) -> None:
        self.values = list(values)

    def draw(self, strategy: Any) -> Any:
        return self.values.pop(0)


@pytest.mark.parametrize("machine_class", [SyncMachine, AcuInvoiceMachine], ids=["harvest", "acu"])
def test_a_field_set_alike_on_both_sides_is_not_unsent_after_a_pull(
    machine_class: type[SyncMachine],
    request: pytest.FixtureRequest,
    keyring_file: Path,
    tmp_path: Path,
) -> None:
    """Found by the machine (explored): both sides set a family name to the same value, a
    pull took it as the base, a push's answer was lost, then the service changed the name
    again. The service's later change wins: the edit here had nothing left to send."""
    server: SandboxServer = request.getfixturevalue(machine_class.name)
    for key, value in server.service.credentials().items():
        KeyringSecrets(machine_class.name).set(key, value)
    machine_class.server = server
    machine_class.folder = tmp_path
    machine = machine_class()
    family, other = 0, 1  # slots in the sorted field names: family_name, then given_name/title
    machine.first_pull()
    machine.local_edit(_Drawn(2), other, "Zoë")  # type: ignore[arg-type]
    machine.remote_edit(_Drawn(2), family, "Zoë")  # type: ignore[arg-type]
    machine.local_edit(_Drawn(2), family, "Zoë")  # type: ignore[arg-type]
    machine.do_pull(True)
    machine.push_loses_an_answer(1)
    machine.remote_edit(_Drawn(2), other, "Beta")  # type: ignore[arg-type]
    machine.remote_edit(_Drawn(2), family, "Beta")  # type: ignore[arg-type]
    machine.teardown()  # settles and compares: the service's 'Beta' for the family name
    assert machine.expected[(2, "family_name")] == "Beta"  # what settle found on both sides
