"""The Xero 1.0 connector: streamed listing, whole-record saves, the request-XSD checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors import connector_class, xml
from addressbook.connectors.base import Connector, RemoteContact
from addressbook.connectors.xero_legacy import (
    FORCE_LIST,
    XeroLegacyConnector,
    legacy_problems,
    remote_from_xml,
    xml_record,
    xsd_problems,
)
from addressbook.errors import AuthError, ConnectorError, ValidationRefused
from addressbook.model import Address, Contact, Email, Phone
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero_legacy import XeroLegacyService
from tests.connectors.contract import UNICODE_NAMES, ConnectorContract, pull_all
from tests.connectors.xero_helpers import close_connectors, legacy_connector  # noqa: F401
from tests.keyring_backend import keyring_file  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("keyring_file")

SEED_ANSWER = """<Response> <ID>e3f25470-d80a-47d5-9bfc-2efd964c3cbd</ID> <Status>OK</Status>
<ProviderName>XeroTest</ProviderName> <DateTimeUTC>2008-04-18T03:30:46.9953372Z </DateTimeUTC>
<Contacts> <Contact> <ContactID>4c76ffb5-02e7-47c5-9a86-b0a5a35d1682</ContactID>
<ContactNumber>C20081234</ContactNumber> <ContactStatus>ACTIVE</ContactStatus>
<Name>Red House Reads</Name> <EmailAddress>accounts@redhousereads.co.nz</EmailAddress>
<Addresses> <Address> <AddressType>POBOX</AddressType> <AddressLine1>Lvl 1</AddressLine1>
<AddressLine2>Herd St Building</AddressLine2> <City>Wellington</City> <Region>Wellington</Region>
<PostalCode>6011</PostalCode> <Country>New Zealand</Country> </Address> </Addresses>
<Phones> <Phone> <PhoneType>DDI</PhoneType> <PhoneNumber>1234567</PhoneNumber>
<PhoneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> </Phones>
<UpdatedDateUTC>2008-04-18T03:30:46</UpdatedDateUTC> <SkypeUserName>echo123</SkypeUserName>
<BankAccountDetails>123-456-789</BankAccountDetails> </Contact> </Contacts> </Response>"""


def _seed_record() -> RemoteContact:
    document = xml.parse(SEED_ANSWER, force_list=FORCE_LIST)
    return remote_from_xml(document["Response"]["Contacts"]["Contact"][0])


# --- mapping and the XSD checks (pure) -----------------------------------------------------
def test_lists_of_one_are_lists_and_map() -> None:
    record = _seed_record()
    assert record.remote_id == "4c76ffb5-02e7-47c5-9a86-b0a5a35d1682"
    assert record.stamp == "2008-04-18T03:30:46"
    contact = record.contact
    assert contact.display_name == "Red House Reads" and contact.organization == ""
    assert list(contact.phones) == [Phone("+64 4 1234567", "ddi")]
    assert list(contact.addresses) == [
        Address("postal", ["Lvl 1", "Herd St Building"], "Wellington", "Wellington", "6011",
                "New Zealand")
    ]  # fmt: skip
    assert list(contact.emails) == [Email("accounts@redhousereads.co.nz")]


def test_save_body_is_the_whole_record_in_xsd_order() -> None:
    base = _seed_record()
    local = replace(base.contact, emails=[Email("new@redhousereads.co.nz")])
    record = xml_record(base, local)
    assert list(record) == [
        "ContactID",
        "ContactNumber",
        "ContactStatus",
        "Name",
        "EmailAddress",
        "Addresses",
        "Phones",
        "BankAccountDetails",
        "SkypeUserName",
    ]
    assert record["EmailAddress"] == "new@redhousereads.co.nz"
    assert record["Phones"] == base.raw["Phones"]  # untouched: sent back as it was
    body = xml.to_xml("Contact", record).decode()
    assert "<UpdatedDateUTC>" not in body and "<SkypeUserName>echo123</SkypeUserName>" in body


def test_xsd_checks_name_the_field() -> None:
    base = _seed_record()
    assert xsd_problems(xml_record(base, base.contact)) == []
    local = replace(
        base.contact,
        phones=[Phone("+64 21 555 01x1", "mobile"), Phone("99999999999", "fax")],
        addresses=[Address("street", ["1 High St"], "London", postcode="SW1A 1AA")],
    )
    problems = xsd_problems(xml_record(base, local))
    assert problems == [
        "Xero 1.0 refuses the number '55501x1' (mobile phone): it must be digits only, "
        "at most 4294967295.",
        "Xero 1.0 refuses the number '99999999999' (fax): it must be digits only, "
        "at most 4294967295.",
        "Xero 1.0 refuses the postcode 'SW1A 1AA' (street address): it must be a number "
        "from 0 to 65535.",
    ]
    local = replace(
        local,
        addresses=[Address("postal", ["PO Box 1"], postcode="70000")],
        phones=[Phone("+64 4 123-4567", "work")],
    )
    assert xsd_problems(xml_record(base, local)) == [
        "Xero 1.0 refuses the postcode '70000' (postal address): it must be a number "
        "from 0 to 65535."
    ]
    assert xsd_problems({"Name": ["One", "Two"]}) == [
        "A Xero 1.0 contact has exactly one name; this one has several."
    ]
    assert "needs a name" in xsd_problems({"Name": None})[0]


def test_what_only_xero_1_cannot_hold_is_named() -> None:
    two = Contact(display_name="Red House", emails=[Email("a@x.nz"), Email("b@x.nz")])
    assert legacy_problems(two) == [
        "Xero 1.0 keeps one email per contact: 1 more would be lost (b@x.nz); keep one."
    ]
    three = replace(two, emails=[*two.emails, Email("c@x.nz")])
    assert legacy_problems(three) == [
        "Xero 1.0 keeps one email per contact: 2 more would be lost (b@x.nz, …); keep one."
    ]
    person = Contact(display_name="Shop", given_name="Ana", family_name="Lima")
    assert legacy_problems(person) == [
        "Xero 1.0 keeps one name per contact and no given or family name: clear them, "
        "or make the display name the person's name."
    ]
    assert (
        legacy_problems(Contact(display_name="Ana Lima", given_name="Ana", family_name="Lima"))
        == []
    )


# --- the shared contract -------------------------------------------------------------------
class TestXeroLegacyContract(ConnectorContract):
    given_name_key = "Name"  # 1.0 keeps one name: given and family fold into it
    stamp_keys = ("UpdatedDateUTC",)
    preserved_keys = ("ContactNumber", "Addresses", "Phones", "BankAccountDetails", "EmailAddress")
    missing_id = "0f0f0f0f-0000-4000-8000-000000000000"
    replaces_whole_record = True  # POST /contact saves the record as sent (SERVICES.md)

    def valid_contact(
        self, connector: Connector, given: str = "Ana", family: str = "Lima"
    ) -> Contact:
        """Xero 1.0 has no title and keeps a phone's number as digits."""
        return replace(
            super().valid_contact(connector, given, family),
            title="",
            phones=[Phone("+64 4 5550101", "work")],
        )

    # Xero 1.0 has one Name and no FirstName/LastName: the contract's three name checks
    # below are replayed on the display name (the contract has no flag for this yet).
    def test_create_pull_update_pull_delete(
        self, connector: Connector, service_record: Callable[[str], dict[str, Any] | None]
    ) -> None:
        local = self.valid_contact(connector)
        created = connector.create(local, "key-create-1")
        assert created.contact.display_name == "Ana Lima"
        assert (created.contact.emails, created.contact.phones) == (local.emails, local.phones)
        assert created.remote_id in {r.remote_id for r in pull_all(connector)}
        before = service_record(created.remote_id)
        edited = replace(created.contact, display_name="Anabel Lima")
        updated = connector.update(created, edited, "key-update-1")
        after = service_record(created.remote_id)
        assert before is not None and after is not None
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        assert changed == {"Name", "UpdatedDateUTC"}
        archived = connector.delete(updated, "key-delete-1")
        assert archived is not None and archived.contact.status == "archived"

    def test_update_keeps_unknown_and_unmapped_fields(
        self,
        connector: Connector,
        service_record: Callable[[str], dict[str, Any] | None],
        service_edit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        created = connector.create(self.valid_contact(connector), "key-create-2")
        service_edit(created.remote_id, {"BankAccountDetails": "12-3456-7890123-00"})
        base = connector.get(created.remote_id)
        before = service_record(created.remote_id)
        edited = replace(base.contact, display_name="Ana Lima-Sousa")
        updated = connector.update(base, edited, "key-update-2")
        after = service_record(created.remote_id)
        assert before is not None and after is not None
        assert updated.contact.display_name == "Ana Lima-Sousa"
        for key in self.preserved_keys:
            assert after.get(key) == before.get(key), key

    def test_unicode_names_round_trip(self, connector: Connector) -> None:
        for given, family in UNICODE_NAMES:
            created = connector.create(self.valid_contact(connector, given, family), f"k-{given}")
            assert connector.get(created.remote_id).contact.display_name == f"{given} {family}"

    @pytest.fixture
    def make(self, xero_legacy: SandboxServer) -> Callable[[int], Connector]:
        def factory(contacts: int) -> Connector:
            xero_legacy.service = XeroLegacyService(contacts=contacts, seed=3)
            return legacy_connector(xero_legacy)

        return factory

    @pytest.fixture
    def service_record(self, xero_legacy: SandboxServer) -> Callable[[str], dict[str, Any] | None]:
        def record(remote_id: str) -> dict[str, Any] | None:
            contacts = xero_legacy.service.state()["contacts"]
            return next((c for c in contacts if c["ContactID"] == remote_id), None)

        return record

    @pytest.fixture
    def service_edit(self, xero_legacy: SandboxServer) -> Callable[[str, dict[str, Any]], None]:
        return xero_legacy.service.edit


def test_registry_and_flags() -> None:
    cls = connector_class("xero-legacy")
    assert cls is XeroLegacyConnector
    assert cls.secret_keys == ("api_key", "xero_key")
    assert (cls.can_delete, cls.has_modified_since, cls.needs_login) == (False, True, False)


# --- pull ----------------------------------------------------------------------------------
def test_stream_yields_pages_of_500(xero_legacy: SandboxServer) -> None:
    xero_legacy.service = XeroLegacyService(contacts=1200, seed=2)
    pages = list(legacy_connector(xero_legacy).pull(None))
    assert [len(p) for p in pages] == [500, 500, 200]
    assert len({r.remote_id for p in pages for r in p}) == 1200


def test_a_listing_of_one_contact_with_one_phone(xero_legacy: SandboxServer) -> None:
    xero_legacy.service = service = XeroLegacyService(contacts=1, seed=2)
    only = service.state()["contacts"][0]
    phone = {"PhoneType": "MOBILE", "PhoneNumber": "5550101", "PhoneAreaCode": "21",
             "PhoneCountryCode": "64"}  # fmt: skip
    address = {"AddressType": "STREET", "AddressLine1": "1 Queen St", "City": "Auckland"}
    service.edit(only["ContactID"], {"Phones": [phone], "Addresses": [address]})
    [record] = pull_all(legacy_connector(xero_legacy))
    assert list(record.contact.phones) == [Phone("+64 21 5550101", "mobile")]
    assert list(record.contact.addresses) == [Address("street", ["1 Queen St"], "Auckland")]
    assert isinstance(record.raw["Phones"]["Phone"], list)


def test_updated_after_brings_back_only_changed_contacts(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    started = datetime.now(UTC)
    first = pull_all(connector)
    xero_legacy.service.edit(first[3].remote_id, {"EmailAddress": "moved@example.com"})
    again = [r for page in connector.pull(started) for r in page]
    assert [r.remote_id for r in again] == [first[3].remote_id]
    assert list(again[0].contact.emails) == [Email("moved@example.com")]


def test_bad_keys_are_an_auth_error_without_the_keys(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    KeyringSecrets("old-books").set("xero_key", "WRONGKEY-1234567890")
    connector.close()
    with pytest.raises(AuthError) as refused:
        connector.check()
    assert "WRONGKEY" not in str(refused.value)
    assert "refused the API key or Xero key" in str(refused.value)


def test_not_ok_status_and_api_exception_are_failures(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    base = pull_all(connector)[0]
    xero_legacy.service.add_fault(
        "status", status=200, body="<Response><ID>x</ID><Status>ERROR</Status></Response>"
    )
    with pytest.raises(ConnectorError, match="refused the request: ERROR"):
        pull_all(connector)
    exception = (
        "<ApiException><ErrorNumber>10</ErrorNumber><Type>ValidationException</Type>"
        "<Message>Name is required</Message></ApiException>"
    )
    xero_legacy.service.add_fault("status", status=400, body=exception)
    with pytest.raises(ValidationRefused, match="Name is required"):
        connector.update(base, base.contact, "k")


# --- push ----------------------------------------------------------------------------------
def test_update_sends_contact_id_so_a_rename_overwrites_nobody(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    one, two = pull_all(connector)[:2]
    renamed = replace(one.contact, display_name=two.contact.display_name)
    saved = connector.update(one, renamed, "k")
    assert saved.remote_id == one.remote_id
    state = {c["ContactID"]: c for c in xero_legacy.service.state()["contacts"]}
    assert state[one.remote_id]["Name"] == two.contact.display_name
    assert state[two.remote_id]["EmailAddress"] == two.raw["EmailAddress"]  # untouched


def test_update_keeps_what_it_does_not_edit(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    base = next(r for r in pull_all(connector) if "BankAccountDetails" in r.raw)
    before = next(
        c for c in xero_legacy.service.state()["contacts"] if c["ContactID"] == base.remote_id
    )
    local = replace(base.contact, emails=[Email("changed@example.com")])
    connector.update(base, local, "k")
    after = next(
        c for c in xero_legacy.service.state()["contacts"] if c["ContactID"] == base.remote_id
    )
    assert after["EmailAddress"] == "changed@example.com"
    for key in ("Name", "ContactNumber", "BankAccountDetails", "Addresses", "Phones"):
        assert after.get(key) == before.get(key), key


def test_xsd_refusals_happen_before_any_request(xero_legacy: SandboxServer) -> None:
    service = xero_legacy.service
    connector = legacy_connector(xero_legacy)
    base = pull_all(connector)[0]
    local = replace(base.contact, phones=[Phone("555-CALL-NOW", "mobile")])
    seen = service.requests_seen
    with pytest.raises(ValidationRefused, match=r"\(mobile phone\)"):
        connector.update(base, local, "k")
    assert service.requests_seen == seen


def test_create_refuses_a_name_that_would_overwrite(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    existing = pull_all(connector)[0]
    count = len(xero_legacy.service.state()["contacts"])
    with pytest.raises(ValidationRefused, match="would overwrite it"):
        connector.create(Contact(display_name=existing.contact.display_name.upper()), "k")
    created = connector.create(Contact(display_name="Brand New Ltd"), "k2")
    assert created.contact.display_name == "Brand New Ltd"
    assert len(xero_legacy.service.state()["contacts"]) == count + 1


def test_delete_archives(xero_legacy: SandboxServer) -> None:
    connector = legacy_connector(xero_legacy)
    base = pull_all(connector)[0]
    archived = connector.delete(base, "k")
    assert archived is not None and archived.contact.status == "archived"
    assert connector.get(base.remote_id).contact.status == "archived"


def test_keys_never_reach_the_logs(
    xero_legacy: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="addressbook")
    service = xero_legacy.service
    connector = legacy_connector(xero_legacy)
    base = pull_all(connector)[0]
    local = replace(base.contact, emails=[Email("logged@example.com")])
    connector.update(base, local, "k")
    assert "contacts" in caplog.text and "contact" in caplog.text
    assert service.api_key not in caplog.text and service.xero_key not in caplog.text
