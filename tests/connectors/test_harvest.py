"""The Harvest connector against the Harvest sandbox over real loopback sockets."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from addressbook.connectors import connector_class, make_connector
from addressbook.connectors.base import Connector
from addressbook.connectors.harvest import HarvestConnector
from addressbook.errors import AuthError, BadAnswer, NotFound, RateLimited, ValidationRefused
from addressbook.model import Contact, Email, Phone
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.harvest import HarvestService
from tests.connectors.contract import ConnectorContract, account_config, pull_all
from tests.fakes import FakeClock
from tests.fixtures.sandbox import sandbox_account


def connect(server: SandboxServer, **settings: str) -> HarvestConnector:
    """A Harvest connector for the sandbox server's current service."""
    account = sandbox_account(server, "work")
    account["settings"].update(settings)
    config, secrets = account_config(account)
    connector = make_connector(config, secrets)
    assert isinstance(connector, HarvestConnector)
    return connector


@pytest.fixture
def connectors() -> Iterator[list[Connector]]:
    made: list[Connector] = []
    yield made
    for connector in made:
        connector.close()


class TestHarvestContract(ConnectorContract):
    given_name_key = "first-name"
    stamp_keys = ("updated-at",)
    preserved_keys = ("created-at", "client-id", "first-name", "email", "phone-office")
    extra_field = ("x-custom-field", "keep me")
    missing_id = "999999"

    @pytest.fixture
    def make(
        self, harvest: SandboxServer, connectors: list[Connector]
    ) -> Callable[[int], Connector]:
        def factory(contacts: int) -> Connector:
            harvest.service = HarvestService(contacts=contacts, seed=1)
            connectors.append(connect(harvest))
            return connectors[-1]

        return factory

    @pytest.fixture
    def service_record(self, harvest: SandboxServer) -> Callable[[str], dict[str, Any] | None]:
        def record(remote_id: str) -> dict[str, Any] | None:
            contacts = harvest.service.state()["contacts"]
            return next((c for c in contacts if str(c["id"]) == remote_id), None)

        return record

    @pytest.fixture
    def service_edit(self, harvest: SandboxServer) -> Callable[[str, dict[str, Any]], None]:
        return harvest.service.edit


def test_registry_and_flags() -> None:
    cls = connector_class("harvest")
    assert cls is HarvestConnector
    assert cls.secret_keys == ("email", "password") and cls.default_url is None
    assert cls.can_delete and cls.needs_client and cls.has_modified_since
    assert not cls.requires_email and cls.cursor_margin_seconds >= 60


def test_mapping_of_a_sample_contact(harvest: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    records = pull_all(connector)
    state = {str(c["id"]): c for c in harvest.service.state()["contacts"]}
    clients = {str(c["id"]): c["name"] for c in harvest.service.state()["clients"]}
    for record in records:
        raw = state[record.remote_id]
        contact = record.contact
        assert contact.given_name == raw["first-name"].strip()
        assert contact.family_name == raw["last-name"].strip()
        assert contact.organization == clients[str(raw["client-id"])]
        assert [e.address for e in contact.emails] == [raw["email"]] if raw["email"] else []
        phones = {p.kind: p.number for p in contact.phones}
        assert phones.get("work") == raw["phone-office"]
        assert phones.get("mobile") == raw["phone-mobile"]
        assert phones.get("fax") == raw["fax"]
        assert record.stamp == raw["updated-at"]
        assert record.raw["id"] == {"@type": "integer", "#text": record.remote_id}


def test_incremental_pull_picks_up_a_changed_contact(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    first = pull_all(connector)
    assert len(first) == 5
    pulled_at = datetime.now(UTC)
    assert [r for page in connector.pull(pulled_at) for r in page] == []
    changed = first[2].remote_id
    harvest.service.edit(changed, {"first-name": "Renamed"})
    since = [r for page in connector.pull(pulled_at) for r in page]
    assert [r.remote_id for r in since] == [changed]
    assert since[0].contact.given_name == "Renamed"


def test_updated_since_asks_a_margin_earlier_in_minutes() -> None:
    connector = HarvestConnector.__new__(HarvestConnector)
    since = datetime(2024, 3, 5, 10, 30, 45, tzinfo=UTC)
    assert connector.updated_since(since) == "2024-03-05 10:28"
    naive = datetime(2024, 3, 5, 0, 1)
    assert connector.updated_since(naive) == "2024-03-04 23:59"


def test_pages_of_500(harvest: SandboxServer, connectors: list[Connector]) -> None:
    harvest.service = HarvestService(contacts=1234, seed=2)
    connector = connect(harvest)
    connectors.append(connector)
    sizes = [len(page) for page in connector.pull(None)]
    assert sizes == [500, 500, 234]


def test_throttle_waits_and_continues(harvest: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    connector.clock = clock = FakeClock()
    harvest.service.add_fault("status", status=503, retry_after=1)
    assert len(pull_all(connector)) == 5
    assert clock.slept == [1.0]


def test_throttle_give_up_names_the_limit(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(harvest, give_up_seconds="1.5")
    connectors.append(connector)
    connector.clock = clock = FakeClock()
    harvest.service.add_fault("status", count=20, status=503, retry_after=0.5)
    with pytest.raises(RateLimited, match=r"100 calls per 15 seconds.*account work"):
        pull_all(connector)
    assert 1.0 <= sum(clock.slept) <= 1.5  # waited as asked until the give-up time


def test_pacing_stays_under_the_service_limit(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    from addressbook.sandbox.harvest import THROTTLE_CALLS, THROTTLE_SECONDS

    connector = connect(harvest)
    connectors.append(connector)
    settings = connector.http.settings
    assert settings.max_calls is not None
    assert settings.max_calls < THROTTLE_CALLS and settings.per_seconds >= THROTTLE_SECONDS


def test_wrong_password_is_a_clear_auth_error(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    account = sandbox_account(harvest, "work")
    account["secrets"]["password"] = "wrong-password-123"
    config, secrets = account_config(account)
    connector = make_connector(config, secrets)
    connectors.append(connector)
    with pytest.raises(AuthError) as caught:
        connector.check()
    assert str(caught.value) == (
        "Harvest refused the email or password for account work; enter them again with "
        "`addressbook accounts login work`."
    )


def test_missing_secret_is_an_auth_error(harvest: SandboxServer) -> None:
    account = sandbox_account(harvest, "work")
    del account["secrets"]["password"]
    config, secrets = account_config(account)
    with pytest.raises(AuthError, match="no email or password in the keyring"):
        make_connector(config, secrets).check()


def test_check_names_the_user(harvest: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    assert connector.check().startswith("Harvest: signed in as ")
    assert harvest.service.credentials()["email"] in connector.check()


def test_validate_sentences(harvest: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    client = connector.clients()[0].name
    contact = Contact(
        given_name="Ana",
        family_name="",
        organization="Nobody Inc",
        emails=[Email("a@example.com"), Email("b@example.com")],
        phones=[Phone("1", "work"), Phone("2", "work"), Phone("3", "ddi")],
        notes="hello",
    )
    problems = connector.validate(contact, None)
    text = "\n".join(problems)
    assert "Harvest needs a last name (family_name) for every contact." in problems
    assert "Harvest has no client named 'Nobody Inc'" in text and client in text
    assert "Harvest keeps 1 email; b@example.com would be lost." in problems
    assert "Harvest keeps one number of each kind (phone (work)); 2 would be lost." in problems
    assert "Harvest has no place for a number of this kind (direct line); 3 would be lost." in text
    assert "Harvest has no place for notes; they would be lost." in problems
    contact = replace(contact, organization=client.upper())  # matched case-insensitively
    assert not any("client" in p for p in connector.validate(contact, None))


def test_create_with_a_changed_client_and_update_moves_it(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    harvest.service = HarvestService(contacts=20)
    connector = connect(harvest)
    connectors.append(connector)
    first, second = connector.clients()[:2]
    created = connector.create(
        Contact(given_name="Ana", family_name="Lima", organization=first.name), "k"
    )
    assert created.contact.organization == first.name
    moved = replace(created.contact, organization=second.name)
    updated = connector.update(created, moved, "k2")
    assert updated.contact.organization == second.name
    record = next(
        c for c in harvest.service.state()["contacts"] if str(c["id"]) == created.remote_id
    )
    assert str(record["client-id"]) == second.id
    moved = replace(moved, organization="Unknown Client")
    with pytest.raises(ValidationRefused, match="no client named 'Unknown Client'"):
        connector.update(updated, moved, "k3")


def test_emptying_a_field_clears_it_on_the_service(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    base = pull_all(connector)[0]
    edited = replace(
        base.contact, title="", phones=[p for p in base.contact.phones if p.kind != "fax"]
    )
    updated = connector.update(base, edited, "k")
    assert updated.contact.title == ""
    assert "fax" not in {p.kind for p in updated.contact.phones}
    record = next(c for c in harvest.service.state()["contacts"] if str(c["id"]) == base.remote_id)
    assert not record["title"] and not record["fax"]


def test_update_of_a_contact_deleted_on_the_service(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    base = pull_all(connector)[0]
    harvest.service.remove(base.remote_id)
    edited = replace(base.contact, title="Gone")
    with pytest.raises(NotFound, match="no longer on Harvest"):
        connector.update(base, edited, "k")
    assert connector.delete(base, "k") is None  # deleting what is gone is done


def test_service_refusal_is_validation_refused(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    base = pull_all(connector)[0]
    edited = replace(base.contact, given_name="")
    # our own check refuses first: nothing is sent
    seen = harvest.service.requests_seen
    with pytest.raises(ValidationRefused, match="first name"):
        connector.update(base, edited, "k")
    assert harvest.service.requests_seen == seen


@pytest.mark.parametrize("fault", ["truncate", "malformed", "entity_bomb", "external_entity"])
def test_hostile_listing_is_bad_answer(
    harvest: SandboxServer, connectors: list[Connector], fault: str
) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    harvest.service.add_fault(fault)
    with pytest.raises(BadAnswer):
        pull_all(connector)


def test_huge_field_refused_quickly(harvest: SandboxServer, connectors: list[Connector]) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    harvest.service.add_fault("huge")
    started = time.monotonic()
    with pytest.raises(BadAnswer, match="longer than 64 KiB"):
        pull_all(connector)
    assert time.monotonic() - started < 5


def test_no_secret_in_logs(
    harvest: SandboxServer, connectors: list[Connector], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="addressbook")
    connector = connect(harvest)
    connectors.append(connector)
    pull_all(connector)
    password = harvest.service.credentials()["password"]
    assert "GET" in caplog.text and password not in caplog.text


def test_cursor_arithmetic_matches_flag() -> None:
    assert timedelta(seconds=HarvestConnector.cursor_margin_seconds) >= timedelta(minutes=1)


def test_display_name_renamed_by_the_user_is_named(
    harvest: SandboxServer, connectors: list[Connector]
) -> None:
    connector = connect(harvest)
    connectors.append(connector)
    base = pull_all(connector)[0]
    stale = replace(base.contact, family_name="Newname")
    assert connector.validate(stale, base) == []
    renamed = replace(base.contact, display_name="Dr. Someone")
    assert any("'Dr. Someone' would be lost" in p for p in connector.validate(renamed, base))
