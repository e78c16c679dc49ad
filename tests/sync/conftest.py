"""Fixtures of the sync tests: the test keyring, accounts on the sandboxes, the cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from addressbook import accounts
from addressbook.connectors.base import AccountConfig, Connector
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from tests.fixtures.sandbox import sandbox_account

# Model field → the service's own element name, for edits "on the service side".
REMOTE_NAMES = {
    "harvest": {"given_name": "first-name", "family_name": "last-name", "title": "title",
                "email": "email", "phone.mobile": "phone-mobile"},
    "acuinvoice": {"given_name": "first_name", "family_name": "last_name", "email": "email",
                   "phone.mobile": "mobile_phone", "phone.work": "phone"},
}  # fmt: skip


def add_sandbox_account(server: SandboxServer, **settings: str) -> AccountConfig:
    """Register an account on a running sandbox (secrets into the test keyring)."""
    info: dict[str, Any] = sandbox_account(server, server.service.name)
    account = AccountConfig(
        info["name"], info["service"], info["url"], {**info["settings"], **settings}
    )
    accounts.add_account(account, info["secrets"])
    return account


def connect(account: AccountConfig) -> Connector:
    """A connector for the account, its secrets read from the keyring."""
    from addressbook.connectors import make_connector

    return make_connector(account, accounts.KeyringSecrets(account.name))


def remote_contacts(server: SandboxServer) -> list[dict[str, Any]]:
    """The service's contacts, in its own field names."""
    return list(server.service.state()["contacts"])


def remote_id_key(server: SandboxServer) -> str:
    return "id" if server.service.name == "harvest" else "contact_id"


def remote_edit(server: SandboxServer, remote_id: str, field: str, value: str) -> None:
    """Change one field of a contact as a user of the service would."""
    server.service.edit(remote_id, {REMOTE_NAMES[server.service.name][field]: value})


def remote_value(server: SandboxServer, remote_id: str, field: str) -> Any:
    key = remote_id_key(server)
    record = next(c for c in remote_contacts(server) if str(c[key]) == str(remote_id))
    return record.get(REMOTE_NAMES[server.service.name][field])


@pytest.fixture(params=["harvest", "acuinvoice"])
def server(request: pytest.FixtureRequest) -> SandboxServer:
    """Each engine test runs against both sandboxes."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def account(server: SandboxServer, keyring_file: Any) -> Iterator[AccountConfig]:
    """An account on the test's sandbox, with short give-up bounds."""
    yield add_sandbox_account(server, give_up_seconds="3", read_timeout="2")


@pytest.fixture
def store() -> Iterator[Store]:
    """The test's cache (a real SQLite file under ADDRESSBOOK_HOME)."""
    with Store.default() as opened:
        yield opened
