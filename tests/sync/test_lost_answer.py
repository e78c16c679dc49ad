"""An update that landed on the service but whose answer was lost, then edited again here.

The next push (or pull) must see the service's copy of that field as our own earlier
edit, not as somebody else's change: no false conflict, and the newer edit is sent.
Found by the state machine (tests/sync/test_state_machine.py); pinned down here for
every service, the ones that keep answers by Idempotency-Key (Xero) included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors.base import AccountConfig, Connector
from addressbook.connectors.xero import XeroConnector
from addressbook.errors import ConnectorError
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import pull, push
from tests.connectors.xero_helpers import close_connectors, track, xero_config  # noqa: F401
from tests.edits import rewrite
from tests.sync.conftest import connect

Writes = Callable[[Any], bool]


def _is_update(service: str) -> Writes:
    if service == "acuinvoice":
        return lambda request: b"contact.update" in request.body
    if service == "xero":
        return lambda request: request.method == "POST" and "/contacts/" in request.path.lower()
    return lambda request: request.method == "PUT" and "/contacts/" in request.path


@contextmanager
def answers_lost(server: SandboxServer, is_update: Writes) -> Iterator[None]:
    """The service acts on every update, then the connection is cut before the answer."""
    service: Any = server.service
    service.add_fault("cut", count=100, when=is_update)
    try:
        yield
    finally:
        service.clear_faults()


def _edit(store: Store, contact_id: int, family: str) -> None:
    record = store.get(contact_id)
    assert record is not None
    contact = replace(record.contact, family_name=family, display_name="")
    rewrite(store, contact_id, contact)


def _first_linked(store: Store, account: str) -> int:
    """The first active contact of the account (archived and read-only ones refuse edits)."""
    for record in store.records(store.search_ids("", account)):
        if record.contact.status == "active":
            return record.id
    raise AssertionError("the sandbox holds no active contact")


def _scenario(
    store: Store, connector: Connector, server: SandboxServer, pull_between: bool
) -> tuple[int, Any]:
    account = connector.account.name
    pull(store, connector, full=True)
    contact_id = _first_linked(store, account)
    _edit(store, contact_id, "Sent-Once")
    with answers_lost(server, _is_update(server.service.name)), pytest.raises(ConnectorError):
        push(store, connector)
    assert store.outbox_entry(contact_id) is not None, "the edit stays pending: no answer came"
    _edit(store, contact_id, "Edited-Again")
    if pull_between:
        pulled = pull(store, connector, full=True)
        assert pulled.conflicts == []
    result = push(store, connector)
    return contact_id, result


@pytest.mark.parametrize("pull_between", [False, True], ids=["push", "pull-then-push"])
def test_harvest_and_acuinvoice(
    server: SandboxServer, account: AccountConfig, store: Store, pull_between: bool
) -> None:
    connector = connect(account)
    try:
        contact_id, result = _scenario(store, connector, server, pull_between)
    finally:
        connector.close()
    assert result.conflicts == [] and store.conflicts() == []
    assert store.pending_count() == 0
    record = store.get(contact_id)
    assert record is not None and record.contact.family_name == "Edited-Again"
    key = "last-name" if server.service.name == "harvest" else "last_name"
    id_key = "id" if server.service.name == "harvest" else "contact_id"
    remote = next(
        c for c in server.service.state()["contacts"] if str(c[id_key]) == record.remote_id
    )
    assert remote[key] == "Edited-Again"


@pytest.mark.usefixtures("keyring_file")
@pytest.mark.parametrize("pull_between", [False, True], ids=["push", "pull-then-push"])
def test_xero_with_idempotency_keys(xero: SandboxServer, store: Store, pull_between: bool) -> None:
    """Xero answers a repeated Idempotency-Key with its first answer: a new edit needs a new key."""
    service: Any = xero.service
    config = xero_config(
        xero, tenant_id=service.tenants[0].tenant_id, give_up_seconds="3", read_timeout="2"
    )
    KeyringSecrets(config.name).set("refresh_token", service.issue_tokens()["refresh_token"])
    connector = track(XeroConnector(config, KeyringSecrets(config.name)))
    contact_id, result = _scenario(store, connector, xero, pull_between)
    assert result.conflicts == [] and store.conflicts() == []
    assert store.pending_count() == 0
    record = store.get(contact_id)
    assert record is not None and record.contact.family_name == "Edited-Again"
    remote = next(c for c in xero.service.state()["contacts"] if c["ContactID"] == record.remote_id)
    assert remote["LastName"] == "Edited-Again"
