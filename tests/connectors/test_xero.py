"""The Xero 2.0 connector: mapping, the contract, paging, pushes and limits, on the sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors import connector_class
from addressbook.connectors.base import Connector, RemoteContact
from addressbook.connectors.xero import (
    XeroConnector,
    compose_phone,
    contact_from_json,
    json_changes,
    modified_since_header,
    parse_xero_date,
    remote_from_json,
    split_phone,
    xero_name,
)
from addressbook.errors import RateLimited, ValidationRefused
from addressbook.model import Address, Contact, Email, Phone
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero import XeroService
from tests.connectors.contract import ConnectorContract, pull_all
from tests.connectors.xero_helpers import close_connectors, signed_in_xero  # noqa: F401
from tests.fakes import FakeClock
from tests.keyring_backend import keyring_file  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("keyring_file")

SEED_CONTACT: dict[str, Any] = {  # seed 002's answer, plus names and a contact person
    "ContactID": "3ff6d40c-af9a-40a3-89ce-3c1556a25591",
    "ContactStatus": "ACTIVE",
    "Name": "Foo9987",
    "FirstName": "Sid",
    "LastName": "Blah",
    "EmailAddress": "sid32476@blah.com",
    "Addresses": [
        {"AddressType": "STREET", "City": "", "Region": "", "PostalCode": "", "Country": ""},
        {
            "AddressType": "POBOX",
            "AddressLine1": "Lvl 1",
            "AddressLine2": "Herd St",
            "City": "Wellington",
            "PostalCode": "6011",
            "Country": "New Zealand",
            "AttentionTo": "Accounts",
        },
    ],
    "Phones": [
        {"PhoneType": "DEFAULT", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
        {"PhoneType": "DDI", "PhoneNumber": "1234567", "PhoneAreaCode": "4", "PhoneCountryCode": "64"},
        {"PhoneType": "FAX", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
        {"PhoneType": "MOBILE", "PhoneNumber": "555-1212", "PhoneAreaCode": "415", "PhoneCountryCode": ""},
    ],
    "UpdatedDateUTC": "/Date(1551399321043+0000)/",
    "ContactPersons": [{"FirstName": "Jo", "EmailAddress": "jo@blah.com"}, {"FirstName": "Kim"}],
    "PaymentTerms": {"Bills": {"Day": 15, "Type": "OFCURRENTMONTH"}},
}  # fmt: skip


# --- mapping (pure) ------------------------------------------------------------------------
def test_seed_contact_maps_to_the_model() -> None:
    record = remote_from_json(SEED_CONTACT)
    contact = record.contact
    assert record.remote_id == SEED_CONTACT["ContactID"]
    assert record.stamp == "2019-03-01T00:15:21.043Z"
    assert (contact.display_name, contact.given_name, contact.family_name) == (
        "Foo9987",
        "Sid",
        "Blah",
    )
    assert contact.organization == "Foo9987"  # Name differs from the person's name
    assert list(contact.emails) == [
        Email("sid32476@blah.com", "work"),
        Email("jo@blah.com", "other"),
    ]
    assert list(contact.phones) == [Phone("+64 4 1234567", "ddi"), Phone("415 555-1212", "mobile")]
    assert list(contact.addresses) == [
        Address("postal", ["Lvl 1", "Herd St"], "Wellington", "", "6011", "New Zealand")
    ]
    assert contact.status == "active"
    assert record.raw is SEED_CONTACT


def test_person_named_contact_has_no_organisation_and_statuses_map() -> None:
    person = {"ContactID": "x", "Name": "Ana Lima", "FirstName": "Ana", "LastName": "Lima"}
    assert contact_from_json(person).organization == ""
    assert contact_from_json({**person, "ContactStatus": "ARCHIVED"}).status == "archived"
    assert contact_from_json({**person, "ContactStatus": "GDPRREQUEST"}).status == "read-only"


def test_dates_and_if_modified_since() -> None:
    assert parse_xero_date("/Date(0)/") == "1970-01-01T00:00:00.000Z"
    assert parse_xero_date("/Date(1551399321043)/") == "2019-03-01T00:15:21.043Z"
    assert parse_xero_date("") is None
    since = datetime(2024, 5, 6, 7, 8, 9, 900000, tzinfo=UTC)
    assert modified_since_header(since, 5) == "2024-05-06T07:08:04"


def test_phones_compose_and_split() -> None:
    assert compose_phone("1234567", "4", "64") == "+64 4 1234567"
    assert compose_phone("555-1212", "415", "") == "415 555-1212"
    assert compose_phone("", "4", "64") == ""
    assert split_phone("+64 4 123 4567") == ("64", "4", "123 4567")
    assert split_phone("(04) 123 4567") == ("", "", "(04) 123 4567")


def test_changes_send_only_what_changed_and_keep_the_split() -> None:
    base = remote_from_json(SEED_CONTACT)
    assert json_changes(base, base.contact) == {}
    local = replace(
        base.contact, phones=[Phone("+64 4 1234567", "ddi"), Phone("021 555 0101", "mobile")]
    )
    changes = json_changes(base, local)
    assert set(changes) == {"Phones"}
    by_type = {p["PhoneType"]: p for p in changes["Phones"]}
    assert by_type["DDI"] == SEED_CONTACT["Phones"][1]  # unchanged: Xero's own split kept
    assert by_type["MOBILE"] == {
        "PhoneType": "MOBILE",
        "PhoneNumber": "021 555 0101",
        "PhoneAreaCode": "",
        "PhoneCountryCode": "",
    }
    assert by_type["DEFAULT"]["PhoneNumber"] == ""
    local = replace(
        base.contact, emails=[Email("sid32476@blah.com"), Email("new@blah.com", "other")]
    )
    changes = json_changes(base, local)
    assert set(changes) == {"ContactPersons"}
    assert changes["ContactPersons"] == [
        {"FirstName": "Kim"},
        {"EmailAddress": "new@blah.com", "IncludeInEmails": False},
    ]
    local = replace(base.contact, addresses=[Address("postal", ["PO Box 1"], "Wellington")])
    pobox = {a["AddressType"]: a for a in json_changes(base, local)["Addresses"]}["POBOX"]
    assert pobox["AttentionTo"] == "Accounts" and pobox["AddressLine2"] == ""


def test_names_go_back_to_xero() -> None:
    assert xero_name(Contact(display_name="Ana Lima", given_name="Ana", family_name="Lima")) == (
        "Ana Lima"
    )
    person_at_firm = Contact(given_name="Ana", family_name="Lima", organization="Lima Ltd")
    assert xero_name(person_at_firm) == "Lima Ltd"
    assert xero_name(Contact(display_name="Red House Reads")) == "Red House Reads"


def test_what_xero_cannot_hold_is_named() -> None:
    connector = XeroConnector.__new__(XeroConnector)
    assert connector.validate(Contact(display_name="Ok"), None) == []
    problems = connector.validate(
        Contact(
            display_name="Shop",
            organization="Other Name Ltd",
            notes="n",
            phones=[Phone("1", "mobile"), Phone("2", "mobile"), Phone("3", "other")],
            addresses=[Address("street", ["a"]), Address("street", ["b"])],
            emails=[Email(f"{n}@x.nz") for n in range(7)],
        ),
        None,
    )
    assert problems == [
        "Xero keeps one name per contact: the organisation 'Other Name Ltd' differs from the "
        "name 'Shop'; make the display name the organisation, or clear the organisation.",
        "Xero contacts have no notes: clear the notes to send this contact.",
        "Xero keeps one number of each kind (mobile phone) per contact: 2 would be lost next "
        "to 1; keep one of them.",
        "Xero has no place for a number of this kind (phone (other)); 3 would be lost: make "
        "it a work, mobile, fax or direct number.",
        "Xero keeps one address of each kind (street address) per contact: 'b' would be lost; "
        "keep one of them.",
        "Xero keeps at most 6 emails per contact (one plus 5 contact persons); this one has 7.",
    ]
    people = Contact(
        display_name="Ana Lima",
        given_name="Ana",
        family_name="Lima",
        organization="Lima Ltd",
        phones=[Phone("1", "work"), Phone("2", "default")],
        addresses=[Address("postal", ["1", "2", "3", "4", "5"])],
    )
    assert connector.validate(people, None) == [
        "Xero keeps one work or main number per contact: 2 would be lost next to 1; keep one "
        "of them.",
        "Xero keeps at most 4 lines per address; this one (postal address) has 5 lines: join "
        "some of them.",
    ]
    firm = Contact(display_name="Ana Lima", given_name="Ana", family_name="Lima", organization="X")
    assert connector.validate(firm, None) == []  # the name sent is the organisation's
    named = Contact(display_name="Shop", given_name="Ana", family_name="Lima", organization="X")
    assert connector.validate(named, None) == [
        "Xero keeps one name per contact: the organisation 'X' differs from the name 'Shop' of "
        "Ana Lima; make the display name the organisation, or clear the organisation."
    ]
    assert connector.validate(Contact(), None) == [
        "Xero needs a name for every contact: fill in the display name."
    ]


# --- the shared contract -------------------------------------------------------------------
class TestXeroContract(ConnectorContract):
    given_name_key = "FirstName"
    stamp_keys = ("UpdatedDateUTC", "Name")  # Name follows the display name the test clears
    preserved_keys = ("ContactPersons", "PaymentTerms", "Addresses", "Phones", "EmailAddress")
    extra_field = ("Website", "https://example.com")
    missing_id = "0f0f0f0f-0000-4000-8000-000000000000"

    def valid_contact(
        self, connector: Connector, given: str = "Ana", family: str = "Lima"
    ) -> Contact:
        """Xero has no job title: the contract's contact without one."""
        return replace(super().valid_contact(connector, given, family), title="")

    def test_nothing_dropped_silently(self, connector: Connector) -> None:
        """The contract's check, with the kept email tried on a contact without the notes.

        (The contract creates the contact still holding the notes Xero refuses, so the
        create fails for the notes before the second email can be checked.)
        """
        contact = self.valid_contact(connector)
        contact = replace(
            contact,
            emails=[*contact.emails, Email(address="second@example.com")],
            notes="Met at the conference",
        )
        problems = " ".join(connector.validate(contact, None))
        assert "notes" in problems and "second@example.com" not in problems
        contact = replace(contact, notes="")
        kept = connector.get(connector.create(contact, "key-2nd").remote_id)
        assert "second@example.com" in [e.address for e in kept.contact.emails]

    @pytest.fixture
    def make(self, xero: SandboxServer) -> Callable[[int], Connector]:
        def factory(contacts: int) -> Connector:
            xero.service = XeroService(contacts=contacts, seed=3)
            return signed_in_xero(xero)

        return factory

    @pytest.fixture
    def service_record(self, xero: SandboxServer) -> Callable[[str], dict[str, Any] | None]:
        def record(remote_id: str) -> dict[str, Any] | None:
            contacts = xero.service.state()["contacts"]
            return next((c for c in contacts if c["ContactID"] == remote_id), None)

        return record

    @pytest.fixture
    def service_edit(self, xero: SandboxServer) -> Callable[[str, dict[str, Any]], None]:
        return xero.service.edit


def test_registry_and_flags() -> None:
    cls = connector_class("xero")
    assert cls is XeroConnector
    assert (cls.can_delete, cls.has_modified_since, cls.has_idempotency) == (False, True, True)
    assert (cls.needs_login, cls.batch_create) == (True, True)
    assert cls.secret_keys == () and cls.login_secret_keys == ("refresh_token",)


# --- pull ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("count", "mode", "pages"),
    [
        (0, "honour", [0]),
        (1000, "honour", [1000]),  # pageCount ends it: no empty page after a full one
        (1001, "honour", [1000, 1]),
        (2500, "honour", [1000, 1000, 500]),
        (250, "refuse", [100, 100, 50]),  # a 400 to pageSize: pages of 100
        (100, "ignore", [100, 0]),  # neither pageSize nor pagination: a short page ends it
        (250, "ignore", [100, 100, 50]),
    ],
)
def test_paging_boundaries(xero: SandboxServer, count: int, mode: str, pages: list[int]) -> None:
    xero.service = service = XeroService(contacts=count, seed=5)
    service.page_size_mode = mode
    connector = signed_in_xero(xero)
    service.request_log.clear()
    got = list(connector.pull(None))
    assert [len(p) for p in got] == pages
    assert len({r.remote_id for p in got for r in p}) == count
    listings = [q for m, path, q in service.request_log if path.endswith("/Contacts")]
    refused = 1 if mode == "refuse" else 0  # the refused page is asked again at 100
    assert len(listings) == len(pages) + refused
    assert listings[0]["pageSize"] == ["1000"]
    if mode != "honour":
        assert all("pageSize" not in q for q in listings[1:])


def test_archived_and_redacted_contacts_come_with_their_status(xero: SandboxServer) -> None:
    xero.service = XeroService(contacts=30, seed=6)
    statuses = {r.contact.status for r in pull_all(signed_in_xero(xero))}
    assert statuses == {"active", "archived", "read-only"}


def test_if_modified_since_brings_back_only_changed_contacts(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero)
    started = datetime.now(UTC)
    first = pull_all(connector)
    assert len(first) == 5
    changed = first[2].remote_id
    xero.service.edit(changed, {"EmailAddress": "changed@example.com"})
    again = pull_all_since(connector, started)
    assert [r.remote_id for r in again] == [changed]
    assert again[0].contact.emails[0].address == "changed@example.com"
    assert pull_all_since(connector, datetime.now(UTC) + timedelta(seconds=10)) == []


def _active(connector: XeroConnector) -> list[RemoteContact]:
    return [r for r in pull_all(connector) if r.contact.status == "active"]


def pull_all_since(connector: XeroConnector, since: datetime) -> list[RemoteContact]:
    return [r for page in connector.pull(since) for r in page]


# --- push ----------------------------------------------------------------------------------
def _new(name: str, email: str = "") -> Contact:
    return Contact(display_name=name, emails=[Email(email)] if email else [])


def test_batch_with_one_refused_contact(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero)
    taken = _active(connector)[0].contact.display_name
    items = [
        (_new("Alpha Ltd"), "k1"),
        (_new(taken), "k2"),
        (_new("Gamma"), "k3"),
        (Contact(), "k4"),
    ]
    results = connector.create_many(items)
    assert isinstance(results[0], RemoteContact) and isinstance(results[2], RemoteContact)
    assert isinstance(results[1], ValidationRefused)
    assert "is already assigned to another contact" in str(results[1])
    assert isinstance(results[3], ValidationRefused) and "needs a name" in str(results[3])
    names = {c["Name"] for c in xero.service.state()["contacts"]}
    assert {"Alpha Ltd", "Gamma"} <= names and len(names) == 7


def test_a_retried_create_makes_one_contact(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero)
    one = connector.create(_new("Once Only Ltd", "once@example.com"), "outbox-17")
    two = connector.create(_new("Once Only Ltd", "once@example.com"), "outbox-17")
    assert one.remote_id == two.remote_id
    named = [c for c in xero.service.state()["contacts"] if c["Name"] == "Once Only Ltd"]
    assert len(named) == 1
    found = connector.find_created(_new("Once Only Ltd"), "outbox-17")
    assert found is not None and found.remote_id == one.remote_id


def test_a_large_batch_is_sent_in_chunks_of_fifty(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=0, seed=1)
    connector = signed_in_xero(xero)
    connector.tokens.access_token()
    seen = service.requests_seen
    results = connector.create_many([(_new(f"Firm {n:03d}"), f"key-{n}") for n in range(120)])
    assert all(isinstance(r, RemoteContact) for r in results)
    assert service.requests_seen - seen == 3
    assert len(service.state()["contacts"]) == 120


def test_update_changes_only_what_was_edited(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero)
    base = _active(connector)[1]
    before = dict(base.raw)
    local = replace(
        base.contact,
        phones=[
            *[p for p in base.contact.phones if p.kind != "mobile"],
            Phone("+64 21 555 0101", "mobile"),
        ],
    )
    updated = connector.update(base, local, "upd-1")
    assert Phone("+64 21 555 0101", "mobile") in updated.contact.phones
    after = next(c for c in xero.service.state()["contacts"] if c["ContactID"] == base.remote_id)
    mobile = next(p for p in after["Phones"] if p["PhoneType"] == "MOBILE")
    assert (mobile["PhoneCountryCode"], mobile["PhoneAreaCode"], mobile["PhoneNumber"]) == (
        "64",
        "21",
        "555 0101",
    )
    for key in ("Name", "EmailAddress", "Addresses", "ContactPersons", "ContactNumber"):
        assert after.get(key) == before.get(key), key


def test_delete_archives(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero)
    base = _active(connector)[0]
    archived = connector.delete(base, "del-1")
    assert archived is not None and archived.contact.status == "archived"
    record = next(c for c in xero.service.state()["contacts"] if c["ContactID"] == base.remote_id)
    assert record["ContactStatus"] == "ARCHIVED"


def test_redacted_contact_is_refused_before_any_request(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=10, seed=7)
    connector = signed_in_xero(xero)
    redacted = next(r for r in pull_all(connector) if r.contact.status == "read-only")
    local = replace(redacted.contact, display_name="Un-redacted")
    seen = service.requests_seen
    assert connector.validate(local, redacted) and "GDPR" in connector.validate(local, redacted)[0]
    with pytest.raises(ValidationRefused, match="GDPR"):
        connector.update(redacted, local, "upd-gdpr")
    with pytest.raises(ValidationRefused, match="GDPR"):
        connector.delete(redacted, "del-gdpr")
    assert service.requests_seen == seen


# --- limits --------------------------------------------------------------------------------
def test_minute_limit_waits_retry_after_then_continues(xero: SandboxServer) -> None:
    clock = FakeClock()
    xero.service = service = XeroService(contacts=250, seed=8, minute_limit=2, clock=clock)
    connector = signed_in_xero(xero)
    connector.clock = clock  # the connector's waits move the sandbox's time too
    connector.page_size = 100  # pages of 100 (what this test counts in)
    connector.low_remaining = 0  # only the 429 path here (pacing is the benchmark's)
    pages = connector.pull(None)
    assert len(next(pages)) == 100
    assert len(next(pages)) == 100
    clock.advance(59)  # the minute is nearly over: Xero will ask to wait about one second
    assert len(next(pages)) == 50
    assert clock.slept == [1.0]  # the second Xero asked for, on the fake clock
    assert connector.client.waited_seconds >= 1
    assert service.requests_seen == 5  # token, 2 pages, the 429, the retried page


def test_day_limit_stops_at_once_with_a_sentence(xero: SandboxServer) -> None:
    xero.service = service = XeroService(contacts=250, seed=8, day_limit=2)
    connector = signed_in_xero(xero)
    connector.page_size = 100  # pages of 100 (what this test counts in)
    pages = connector.pull(None)
    next(pages)
    next(pages)
    started = time.monotonic()
    with pytest.raises(RateLimited) as stopped:
        next(pages)
    assert str(stopped.value) == "Xero's daily limit is reached; try again in 24 hours."
    assert stopped.value.limit == "day"
    assert time.monotonic() - started < 2
    assert service.requests_seen == 4


def test_pacing_slows_down_when_the_minute_runs_low(xero: SandboxServer) -> None:
    clock = FakeClock()
    xero.service = XeroService(contacts=450, seed=8, minute_limit=7, clock=clock)
    connector = signed_in_xero(xero)
    connector.clock = clock
    connector.page_size = 100  # pages of 100 (what this test counts in)
    got = sum(len(p) for p in connector.pull(None))
    assert got == 450
    assert connector.client.waited_seconds > 0  # it paused: X-MinLimit-Remaining fell below 5
    assert clock.slept and all(0 < pause <= 61 for pause in clock.slept)


def test_account_in_secrets_and_settings(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero, "flags")
    assert KeyringSecrets("flags").get("refresh_token")
    assert "refresh_token" not in connector.account.settings
