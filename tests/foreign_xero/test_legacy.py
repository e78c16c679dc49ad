"""Xero 1.0 (`xero-legacy`) against answers written by hand from seeds 000/001 and SERVICES.md.

The canned server plays the seeds' example answers verbatim (and the variations a real
service may send) over a real loopback socket; nothing here comes from our sandbox.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors import xml
from addressbook.connectors.base import AccountConfig, RemoteContact
from addressbook.connectors.xero_legacy import XeroLegacyConnector, contact_from_xml
from addressbook.errors import (
    AuthError,
    ConnectorError,
    RateLimited,
    ServiceUnavailable,
    ValidationRefused,
)
from addressbook.model import Email
from tests.connectors.xero_helpers import close_connectors, track  # noqa: F401 - fixture
from tests.fakes import HTML, TEXT, XML, Canned, CannedServer
from tests.foreign_xero.seeds import SEED_000_ANSWER, SEED_000_REQUEST, SEED_001_ANSWER

pytestmark = pytest.mark.usefixtures("recording_keyring")

API_KEY = "PARTNERKEY7Q2W9E3R"
XERO_KEY = "CUSTOMERKEY4R8T1Y6U"
LIST = "/api.xro/1.0/contacts"
SAVE = "/api.xro/1.0/contact"
SEED_ID = "4c76ffb5-02e7-47c5-9a86-b0a5a35d1682"
XSI = 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'


def legacy(server: CannedServer, **settings: str) -> XeroLegacyConnector:
    """A Xero 1.0 connector on the canned server, both keys in the (recording) keyring."""
    secrets = KeyringSecrets("old-books")
    secrets.set("api_key", API_KEY)
    secrets.set("xero_key", XERO_KEY)
    config = AccountConfig("old-books", "xero-legacy", server.url + "/api.xro/1.0", settings)
    return track(XeroLegacyConnector(config, secrets))


def pull_all(connector: XeroLegacyConnector) -> list[RemoteContact]:
    return [record for page in connector.pull(None) for record in page]


def one_contact(body: str, status: str = "ACTIVE", extra: str = "") -> str:
    """A listing of one contact of the given inner XML."""
    return (
        f"<Response><ID>1</ID><Status>OK</Status><ProviderName>P</ProviderName>"
        f"<DateTimeUTC>2020-01-01T00:00:00</DateTimeUTC><Contacts><Contact>"
        f"<ContactID>{SEED_ID}</ContactID><ContactStatus>{status}</ContactStatus>"
        f"{body}</Contact></Contacts>{extra}</Response>"
    )


def saved_answer(contact_xml: str) -> str:
    """Seed 000's answer shape around another <Contact>."""
    return (
        f"<Response {XSI}> <ID>751ec648</ID> <Status>OK</Status> <ProviderName>XeroTest"
        f"</ProviderName> <DateTimeUTC>2008-12-02T21:09:24.654875Z</DateTimeUTC> {contact_xml} "
        "</Response>"
    )


def sent_children(body: bytes) -> list[str]:
    """The child element names of the <Contact> a POST sent, in order."""
    import xml.etree.ElementTree as ElementTree

    return [child.tag for child in ElementTree.fromstring(body)]


# --- the listing ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "variant",
    ["verbatim", "xmlns", "declaration"],
)
def test_seed_001_listing_verbatim(server: CannedServer, variant: str) -> None:
    body = SEED_001_ANSWER
    if variant == "xmlns":
        body = body.replace("<Response>", f"<Response {XSI}>", 1)
    elif variant == "declaration":
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + body
    server.answer("GET", LIST, 200, body, content_type=XML)
    records = pull_all(legacy(server))
    assert len(records) == 1  # one <Contact> is a list of one
    record = records[0]
    assert record.remote_id == SEED_ID
    assert record.stamp == "2008-04-18T03:30:46"
    contact = record.contact
    assert contact.display_name == "Red House Reads"
    assert [e.address for e in contact.emails] == ["accounts@redhousereads.co.nz"]
    assert {p.kind: p.number for p in contact.phones} == {
        "ddi": "+64 4 1234567",
        "work": "+64 4 1234567",
        "mobile": "+64 21 123123",
        "fax": "+64 4 1234568",
    }
    postal = [a for a in contact.addresses if a.kind == "postal"][0]
    assert list(postal.lines) == ["Lvl 1", "Herd St Building", "Herd St", "Wellington"]
    assert (postal.city, postal.postcode, postal.country) == ("Wellington", "6011", "New Zealand")
    assert record.raw["SkypeUserName"] == "echo123"
    assert record.raw["BankAccountDetails"] == "123-456-789"
    request = server.requests_to("GET", LIST)[0]
    assert request.arg("apiKey") == API_KEY and request.arg("xeroKey") == XERO_KEY
    assert request.arg("type") == "all"


@pytest.mark.parametrize(
    "contacts", ["<Contacts />", "<Contacts></Contacts>", "<Contacts> </Contacts>", ""]
)
def test_zero_contacts(server: CannedServer, contacts: str) -> None:
    body = (
        f"<Response {XSI}><ID>1</ID><Status>OK</Status><ProviderName>XeroTest</ProviderName>"
        f"<DateTimeUTC>2008-04-18T03:30:46.9953372Z </DateTimeUTC>{contacts}</Response>"
    )
    server.answer("GET", LIST, 200, body, content_type=XML)
    connector = legacy(server)
    assert pull_all(connector) == []
    assert "keys accepted" in connector.check()


def test_two_contacts_and_seven_digit_stamp_without_z(server: CannedServer) -> None:
    second = SEED_001_ANSWER.split("<Contacts>")[1].split("</Contacts>")[0]
    second = second.replace(SEED_ID, "0000aaaa-0000-0000-0000-000000000002")
    second = second.replace("Red House Reads", "Blue House Books")
    second = second.replace("2008-04-18T03:30:46<", "2008-04-18T03:30:46.9953372<")
    body = SEED_001_ANSWER.replace("</Contacts>", second + "</Contacts>")
    server.answer("GET", LIST, 200, body, content_type=XML)
    records = pull_all(legacy(server))
    assert [r.contact.display_name for r in records] == ["Red House Reads", "Blue House Books"]
    assert records[1].stamp == "2008-04-18T03:30:46.9953372"


def test_utf16_answer_with_bom(server: CannedServer) -> None:
    body = SEED_001_ANSWER.replace("Red House Reads", "Ngā Pukapuka o Tāmaki ßü 📚")
    body = '<?xml version="1.0" encoding="utf-16"?>' + body
    encoded = body.encode("utf-16")  # with its byte-order mark
    assert encoded[:2] in (b"\xff\xfe", b"\xfe\xff")
    server.answer("GET", LIST, 200, encoded, content_type="application/xml; charset=utf-16")
    records = pull_all(legacy(server))
    assert records[0].contact.display_name == "Ngā Pukapuka o Tāmaki ßü 📚"


def test_utf16_answer_with_bom_without_declaration(server: CannedServer) -> None:
    encoded = SEED_001_ANSWER.replace("Red House Reads", "Tūhoe").encode("utf-16")
    server.answer("GET", LIST, 200, encoded, content_type="text/xml")
    assert pull_all(legacy(server))[0].contact.display_name == "Tūhoe"


# --- saving ------------------------------------------------------------------------------
def test_update_answered_with_seed_000_verbatim(server: CannedServer) -> None:
    server.answer("GET", LIST, 200, SEED_001_ANSWER, content_type=XML)
    server.answer("POST", SAVE, 200, SEED_000_ANSWER, content_type=XML)
    connector = legacy(server)
    base = pull_all(connector)[0]
    edited = replace(base.contact, emails=[Email("new@redhousereads.co.nz", "work")])
    saved = connector.update(base, edited, "key-1")
    assert saved.remote_id == "74141f5b-c409-4ddc-8f10-a2e6823c2b19"
    assert saved.stamp == "2008-12-02T21:09:24.748625Z"
    assert saved.contact.display_name == "Red House Reads"
    assert len(saved.contact.phones) == 4
    request = server.requests_to("POST", SAVE)[0]
    assert request.arg("apiKey") == API_KEY and request.arg("xeroKey") == XERO_KEY
    assert "xml" in (request.header("content-type") or "")
    sent = xml.parse(request.body, force_list=("Address", "Phone"))["Contact"]
    assert sent["ContactID"] == SEED_ID
    assert sent["EmailAddress"] == "new@redhousereads.co.nz"
    assert "UpdatedDateUTC" not in sent
    assert sent["SkypeUserName"] == "echo123" and sent["ContactNumber"] == "C20081234"
    assert len(sent["Phones"]["Phone"]) == 4 and len(sent["Addresses"]["Address"]) == 2


def test_create_of_seed_000_contact(server: CannedServer) -> None:
    empty = SEED_001_ANSWER.split("<Contacts>")[0] + "<Contacts /></Response>"
    server.answer("GET", LIST, 200, empty, content_type=XML)
    server.answer("POST", SAVE, 200, SEED_000_ANSWER, content_type=XML)
    wanted = xml.parse(SEED_000_REQUEST, force_list=("Address", "Phone"))["Contact"]
    created = legacy(server).create(contact_from_xml(wanted), "create-1")
    assert created.remote_id == "74141f5b-c409-4ddc-8f10-a2e6823c2b19"
    sent = xml.parse(server.requests_to("POST", SAVE)[0].body, force_list=("Address", "Phone"))
    contact = sent["Contact"]
    assert "ContactID" not in contact and contact["ContactStatus"] == "ACTIVE"
    for key in ("Name", "EmailAddress"):
        assert contact[key] == wanted[key]
    # the same phones and addresses as seed 000's own request, in its numeric form
    phones = {p["PhoneType"]: p for p in contact["Phones"]["Phone"]}
    for phone in wanted["Phones"]["Phone"]:
        assert phones[phone["PhoneType"]] == phone
    postal = [a for a in contact["Addresses"]["Address"] if a["AddressType"] == "POBOX"][0]
    assert postal == wanted["Addresses"]["Address"][1]
    order = sent_children(server.requests_to("POST", SAVE)[0].body)
    assert order.index("Name") < order.index("Addresses") < order.index("Phones")


UNKNOWN = (
    "<ContactNumber>C1</ContactNumber><Name>Red House Reads</Name>"
    "<EmailAddress>a@b.nz</EmailAddress>"
    "<Addresses><Address><AddressType>STREET</AddressType><City>Wellington</City></Address>"
    "</Addresses>"
    "<ContactGroups><ContactGroup><ContactGroupID>g-1</ContactGroupID><Name>VIP</Name>"
    "<Status>ACTIVE</Status></ContactGroup></ContactGroups>"
    "<Phones><Phone><PhoneType>MOBILE</PhoneType><PhoneNumber>123123</PhoneNumber></Phone>"
    "</Phones>"
    "<UpdatedDateUTC>2008-04-18T03:30:46.9953372</UpdatedDateUTC>"
    "<BankAccountDetails>123-456-789</BankAccountDetails>"
    '<Website type="url">http://redhousereads.co.nz</Website>'
    "<SkypeUserName>echo123</SkypeUserName><IsSupplier>true</IsSupplier>"
)


def test_unknown_elements_sent_back_in_place(server: CannedServer) -> None:
    server.answer("GET", LIST, 200, one_contact(UNKNOWN), content_type=XML)
    connector = legacy(server)
    base = pull_all(connector)[0]
    assert base.stamp == "2008-04-18T03:30:46.9953372"
    server.answer(
        "POST",
        SAVE,
        200,
        saved_answer(
            f"<Contact><ContactID>{SEED_ID}</ContactID>"
            f"<ContactStatus>ACTIVE</ContactStatus>{UNKNOWN}</Contact>"
        ),
        content_type=XML,
    )
    edited = replace(base.contact, emails=[Email("new@b.nz", "work")])
    saved = connector.update(base, edited, "key-1")
    body = server.requests_to("POST", SAVE)[0].body
    sent = xml.parse(body, force_list=("Address", "Phone"))["Contact"]
    assert sent["ContactGroups"] == {
        "ContactGroup": {"ContactGroupID": "g-1", "Name": "VIP", "Status": "ACTIVE"}
    }
    assert sent["IsSupplier"] == "true"
    assert sent["Website"] == {"@type": "url", "#text": "http://redhousereads.co.nz"}
    order = sent_children(body)
    # each unknown element follows the element it followed in the service's answer
    assert order[order.index("Addresses") + 1] == "ContactGroups"
    assert order[order.index("BankAccountDetails") + 1] == "Website"
    assert order[order.index("SkypeUserName") + 1] == "IsSupplier"
    assert order.index("ContactID") < order.index("Name") < order.index("Phones")
    assert saved.raw["ContactGroups"]["ContactGroup"]["Name"] == "VIP"


API_EXCEPTION = (
    '<ApiException xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
    "<ErrorNumber>10</ErrorNumber><Type>ValidationException</Type>"
    "<Message>A validation exception occurred</Message><Elements>"
    '<DataContractBase i:type="Contact"><ValidationErrors><ValidationError>'
    "<Message>The contact name Red House Reads is already assigned to another contact."
    "</Message></ValidationError></ValidationErrors><Name>Red House Reads</Name>"
    "</DataContractBase></Elements></ApiException>"
)


@pytest.mark.parametrize("status", [400, 200])
def test_api_exception_on_save(server: CannedServer, status: int) -> None:
    server.answer("GET", LIST, 200, SEED_001_ANSWER, content_type=XML)
    server.answer("POST", SAVE, status, API_EXCEPTION, content_type=XML)
    connector = legacy(server)
    base = pull_all(connector)[0]
    with pytest.raises(ValidationRefused) as refused:
        connector.update(base, replace(base.contact, display_name="Red House Books"), "k")
    assert "already assigned to another contact" in str(refused.value)
    assert any("already assigned" in p for p in refused.value.problems)
    assert len(server.requests_to("POST", SAVE)) == 1


def test_api_exception_on_listing(server: CannedServer) -> None:
    body = (
        "<ApiException><ErrorNumber>16</ErrorNumber><Type>QueryParseException</Type>"
        "<Message>The updatedAfter date is not valid.</Message></ApiException>"
    )
    server.answer("GET", LIST, 400, body, content_type=XML)
    with pytest.raises(ConnectorError) as failed:
        pull_all(legacy(server))
    assert "The updatedAfter date is not valid." in str(failed.value)
    server.answer("GET", LIST, 200, body, content_type=XML)
    with pytest.raises(ConnectorError, match="updatedAfter date is not valid"):
        pull_all(legacy(server))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_status_error(server: CannedServer, method: str) -> None:
    body = (
        "<Response><ID>1</ID><Status>ERROR</Status><ProviderName>XeroTest</ProviderName>"
        "<DateTimeUTC>2008-04-18T03:30:46</DateTimeUTC></Response>"
    )
    server.answer("GET", LIST, 200, SEED_001_ANSWER if method == "POST" else body, content_type=XML)
    server.answer("POST", SAVE, 200, body, content_type=XML)
    connector = legacy(server)
    with pytest.raises(ConnectorError) as failed:
        base = pull_all(connector)[0]
        connector.update(base, replace(base.contact, display_name="Red House Books"), "k")
    assert "ERROR" in str(failed.value)
    assert not isinstance(failed.value, ValidationRefused)


# --- failures of the service -------------------------------------------------------------
HTML_500 = (
    "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body><h1>Server Error "
    "in '/' Application.</h1><p>Runtime Error</p></body></html>"
)


def test_html_500_page(server: CannedServer) -> None:
    server.answer("GET", LIST, 200, SEED_001_ANSWER, content_type=XML)
    connector = legacy(server, give_up_seconds="2")
    base = pull_all(connector)[0]
    server.answer("GET", LIST, 500, HTML_500, content_type=HTML)
    server.answer("POST", SAVE, 500, HTML_500, content_type=HTML)
    with pytest.raises(ServiceUnavailable) as failed:
        pull_all(connector)
    assert "500" in str(failed.value) and "<" not in str(failed.value)
    with pytest.raises(ServiceUnavailable):
        connector.update(base, replace(base.contact, display_name="Red House Books"), "k")
    assert len(server.requests_to("POST", SAVE)) == 1


OLD_THROTTLE = (
    "oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before"
    "%20retrying%20the%20xero%20api"
)


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", TEXT, None])
def test_old_style_503_rate_limit(server: CannedServer, content_type: str | None) -> None:
    server.answer("GET", LIST, 503, OLD_THROTTLE, content_type=content_type)
    connector = legacy(server, give_up_seconds="3")
    started = time.monotonic()
    with pytest.raises(RateLimited) as limited:
        pull_all(connector)
    assert time.monotonic() - started < 2.5  # named at once, not after minutes of retries
    message = str(limited.value)
    assert "rate limit" in message and "Xero 1.0" in message
    assert "please wait before retrying" in message
    assert "%20" not in message and "oauth_problem" not in message


def test_keys_sent_but_never_logged(server: CannedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.answer("GET", LIST, 200, SEED_001_ANSWER, content_type=XML)
    server.answer("POST", SAVE, 200, SEED_000_ANSWER, content_type=XML)
    connector = legacy(server)
    assert connector.client is not None
    # An embedding program may turn the libraries' debug logs on after we set ours up.
    for name in ("httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    base = pull_all(connector)[0]
    connector.update(base, replace(base.contact, display_name="Red House Books"), "k")
    server.answer("GET", LIST, 400, API_EXCEPTION, content_type=XML)
    with pytest.raises(ConnectorError) as failed:
        pull_all(connector)
    for request in server.requests:
        assert request.arg("apiKey") == API_KEY and request.arg("xeroKey") == XERO_KEY
    assert API_KEY not in str(failed.value) and XERO_KEY not in str(failed.value)
    assert any(r.name.startswith("httpx") for r in caplog.records)  # the check saw them
    assert any("apiKey" in r.getMessage() for r in caplog.records)  # URLs were logged…
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert API_KEY not in text and XERO_KEY not in text, record.name  # …scrubbed


def test_a_redirect_means_wrong_keys_or_url(server: CannedServer) -> None:
    server.route(
        "GET", LIST, Canned(302, [("Location", "/login?ReturnUrl=%2fapi.xro%2f1.0%2fcontacts")])
    )
    with pytest.raises(AuthError) as failed:
        pull_all(legacy(server))
    message = str(failed.value)
    assert "HTTP 302" in message and "API key or Xero key is wrong" in message
    assert "URL" in message and API_KEY not in message and XERO_KEY not in message


def test_an_error_page_is_quoted(server: CannedServer) -> None:
    page = "<html><head><title>Service Unavailable</title></head><body>Try later</body></html>"
    server.route("GET", LIST, Canned(400, [("Content-Type", "text/html")], page))
    with pytest.raises(ConnectorError, match=r"HTTP 400: Service Unavailable"):
        pull_all(legacy(server))
