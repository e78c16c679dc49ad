"""The AcuInvoice connector against the AcuInvoice sandbox over real loopback sockets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from addressbook.connectors import connector_class, make_connector
from addressbook.connectors.acuinvoice import AcuInvoiceConnector
from addressbook.connectors.base import Connector
from addressbook.errors import AuthError, BadAnswer, NotFound, ValidationRefused
from addressbook.model import Contact, Email, Phone
from addressbook.sandbox.acuinvoice import AcuInvoiceService
from addressbook.sandbox.core import SandboxServer
from tests.connectors.contract import ConnectorContract, account_config, pull_all
from tests.fixtures.sandbox import sandbox_account


def connect(server: SandboxServer, **secrets: str) -> AcuInvoiceConnector:
    """An AcuInvoice connector for the sandbox server's current service."""
    account = sandbox_account(server, "books")
    account["secrets"].update(secrets)
    config, secret_source = account_config(account)
    connector = make_connector(config, secret_source)
    assert isinstance(connector, AcuInvoiceConnector)
    return connector


@pytest.fixture
def connectors() -> Iterator[list[Connector]]:
    made: list[Connector] = []
    yield made
    for connector in made:
        connector.close()


def _record(server: SandboxServer, remote_id: str) -> dict[str, Any] | None:
    contacts = server.service.state()["contacts"]
    return next((c for c in contacts if str(c["contact_id"]) == remote_id), None)


class _AcuInvoiceContract(ConnectorContract):
    given_name_key = "first_name"
    stamp_keys = ("updated",)
    preserved_keys = ("username", "contact_type", "notify", "client_id", "email")
    extra_field = ("x_custom_field", "keep me")
    missing_id = "999999"
    wrapped_lists = True

    @pytest.fixture
    def make(
        self, acuinvoice: SandboxServer, connectors: list[Connector]
    ) -> Callable[[int], Connector]:
        def factory(contacts: int) -> Connector:
            acuinvoice.service = AcuInvoiceService(
                contacts=contacts, seed=1, wrapped_lists=self.wrapped_lists
            )
            connectors.append(connect(acuinvoice))
            return connectors[-1]

        return factory

    @pytest.fixture
    def service_record(self, acuinvoice: SandboxServer) -> Callable[[str], dict[str, Any] | None]:
        return lambda remote_id: _record(acuinvoice, remote_id)

    @pytest.fixture
    def service_edit(self, acuinvoice: SandboxServer) -> Callable[[str, dict[str, Any]], None]:
        return acuinvoice.service.edit


class TestAcuInvoiceContract(_AcuInvoiceContract):
    """Lists wrapped in <contacts page=… pages=…>."""


class TestAcuInvoiceBareListsContract(_AcuInvoiceContract):
    """Lists as bare <contact> elements under <response>, as the seed shows."""

    wrapped_lists = False


def test_registry_and_flags() -> None:
    cls = connector_class("acuinvoice")
    assert cls is AcuInvoiceConnector
    assert cls.secret_keys == ("api_key",) and cls.default_url is None
    assert cls.can_delete and cls.needs_client and cls.requires_email
    assert not cls.has_modified_since


@pytest.mark.parametrize("wrapped", [True, False])
@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 250])
def test_paging_reads_every_contact(
    acuinvoice: SandboxServer, connectors: list[Connector], wrapped: bool, count: int
) -> None:
    acuinvoice.service = AcuInvoiceService(contacts=count, seed=3, wrapped_lists=wrapped)
    connector = connect(acuinvoice)
    connectors.append(connector)
    ids = [r.remote_id for r in pull_all(connector)]
    assert len(ids) == count == len(set(ids))


def test_mapping_of_a_sample_contact(
    acuinvoice: SandboxServer, connectors: list[Connector]
) -> None:
    acuinvoice.service = AcuInvoiceService(contacts=30, seed=1)
    connector = connect(acuinvoice)
    connectors.append(connector)
    state = acuinvoice.service.state()
    clients = {c["client_id"]: c["organization"] for c in state["clients"]}
    by_id = {c["contact_id"]: c for c in state["contacts"]}
    for record in pull_all(connector):
        raw = by_id[record.remote_id]
        assert record.contact.given_name == raw["first_name"].strip()
        assert record.contact.family_name == raw["last_name"].strip()
        assert record.contact.organization == clients[raw["client_id"]]
        assert [e.address for e in record.contact.emails] == [raw["email"]]
        phones = {p.kind: p.number for p in record.contact.phones}
        assert phones.get("work", "") == raw["phone"]
        assert phones.get("mobile", "") == raw["mobile_phone"]
        assert record.stamp == raw["updated"]


def test_update_sends_only_changed_fields(
    acuinvoice: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(acuinvoice)
    connectors.append(connector)
    base = pull_all(connector)[0]
    acuinvoice.service.edit(base.remote_id, {"phone": "+1 555 0000"})  # a change there
    edited = replace(base.contact, family_name="Changed-Here")
    updated = connector.update(base, edited, "k")
    record = _record(acuinvoice, base.remote_id)
    assert record is not None
    assert record["last_name"] == "Changed-Here"
    assert record["phone"] == "+1 555 0000"  # not overwritten with the base's phone
    assert {p.kind: p.number for p in updated.contact.phones}["work"] == "+1 555 0000"


def test_validate_sentences(acuinvoice: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(acuinvoice)
    connectors.append(connector)
    contact = Contact(
        given_name="Ana",
        family_name="Lima",
        title="CEO",
        phones=[Phone("1", "ddi")],
    )
    problems = connector.validate(contact, None)
    assert "AcuInvoice needs an email for every contact." in problems
    assert any(p.startswith("AcuInvoice needs a client for every contact") for p in problems)
    assert any("job title" in p for p in problems)
    assert any("(direct line)" in p for p in problems)
    seen = acuinvoice.service.requests_seen
    with pytest.raises(ValidationRefused):
        connector.create(contact, "k")
    assert acuinvoice.service.requests_seen == seen


def test_changed_api_key_is_a_clear_auth_error(
    acuinvoice: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(acuinvoice, api_key="old-key-before-password-change")
    connectors.append(connector)
    with pytest.raises(AuthError) as caught:
        pull_all(connector)
    assert "refused the API key for account books" in str(caught.value)
    assert "master password" in str(caught.value)
    assert "old-key-before-password-change" not in str(caught.value)


def test_deleted_on_the_service(acuinvoice: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(acuinvoice)
    connectors.append(connector)
    base = pull_all(connector)[0]
    acuinvoice.service.remove(base.remote_id)
    with pytest.raises(NotFound):
        connector.get(base.remote_id)
    edited = replace(base.contact, family_name="X")
    with pytest.raises(NotFound):
        connector.update(base, edited, "k")
    assert connector.delete(base, "k") is None


@pytest.mark.parametrize("fault", ["truncate", "malformed", "entity_bomb", "external_entity"])
def test_hostile_answer_is_bad_answer(
    acuinvoice: SandboxServer, connectors: list[Connector], fault: str
) -> None:
    connector = connect(acuinvoice)
    connectors.append(connector)
    acuinvoice.service.add_fault(fault)
    with pytest.raises(BadAnswer):
        pull_all(connector)


def test_find_created_matches_email_and_names(
    acuinvoice: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(acuinvoice)
    connectors.append(connector)
    client = connector.clients()[0].name
    contact = Contact(
        given_name="Mere", family_name="Ngata", organization=client,
        emails=[Email("mere@example.com")],
    )  # fmt: skip
    other = replace(contact, given_name="Hone")
    connector.create(other, "k0")  # same email, another person
    assert connector.find_created(contact, "k1") is None
    created = connector.create(contact, "k1")
    found = connector.find_created(contact, "k1")
    assert found is not None and found.remote_id == created.remote_id
