"""The Harvest connector against answers written by hand from seed 003 and SERVICES.md."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from addressbook.connectors.base import RemoteContact
from addressbook.connectors.harvest import HarvestConnector
from addressbook.errors import (
    AccountError,
    AuthError,
    BadAnswer,
    ConnectorError,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ValidationRefused,
)
from addressbook.model import Contact, Email, Phone
from tests.fakes import XML_UTF8, Canned, CannedServer, xml_answer

Make = Callable[..., HarvestConnector]

# Seed 003, "Get all contacts for an account", verbatim: no declaration, two-space indent.
SEED_LIST = """<contacts type="array">
  <contact>
    <created-at type="datetime">2008-04-09T12:07:56Z</created-at>
    <title>President</title>
    <updated-at type="datetime">2008-04-09T12:07:56Z</updated-at>
    <phone-office>555.555.5555</phone-office>
    <id type="integer">9</id>
    <client-id type="integer">11072</client-id>
    <fax>555.555.9999</fax>
    <last-name>Doe</last-name>
    <email>Jane@Doe.com</email>
    <first-name>Jane</first-name>
    <phone-mobile>555.555.7777</phone-mobile>
  </contact>
</contacts>"""

# Seed 003, "Get a client contact", verbatim.
SEED_ONE = """<contact>
  <created-at type="datetime">2008-04-09T12:07:56Z</created-at>
  <title>President</title>
  <updated-at type="datetime">2008-04-09T12:07:56Z</updated-at>
  <phone-office>555.555.5555</phone-office>
  <id type="integer">9</id>
  <client-id type="integer">11072</client-id>
  <fax>555.555.9999</fax>
  <last-name>Doe</last-name>
  <email>Jane@Doe.com</email>
  <first-name>Jane</first-name>
  <phone-mobile>555.555.7777</phone-mobile>
</contact>"""

# Harvest's clients, with the fields a real account carries that the connector ignores.
CLIENTS = """<?xml version="1.0" encoding="UTF-8"?>
<clients type="array">
  <client>
    <id type="integer">11072</id>
    <name>Doe Industries</name>
    <active type="boolean">true</active>
    <highrise-id type="integer" nil="true"></highrise-id>
    <details>123 Main St
Anytown, NY 12345</details>
  </client>
  <client>
    <id type="integer">11073</id>
    <name>Roe &amp; Sons</name>
  </client>
</clients>"""

WHO_AM_I = """<?xml version="1.0" encoding="UTF-8"?>
<hash>
  <company>
    <base-uri>https://acme.harvestapp.com</base-uri>
    <full-domain>acme.harvestapp.com</full-domain>
    <name>Acme &amp; Co</name>
    <active type="boolean">true</active>
    <week-start-day>Monday</week-start-day>
    <modules><expenses type="boolean">true</expenses><invoices type="boolean">true</invoices></modules>
  </company>
  <user>
    <timezone>Eastern Time (US &amp; Canada)</timezone>
    <email>jane@doe.com</email>
    <admin type="boolean">true</admin>
    <id type="integer">101</id>
    <timestamp-timers type="boolean">false</timestamp-timers>
  </user>
</hash>"""


def contact_xml(cid: str = "9", first: str = "Jane", extra: str = "", **fields: str) -> str:
    """One <contact> like the seed's, with overrides and extra elements."""
    values = {
        "first-name": first,
        "last-name": "Doe",
        "email": "Jane@Doe.com",
        "phone-office": "555.555.5555",
        **fields,
    }
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return (
        f'<contact><id type="integer">{cid}</id><client-id type="integer">11072</client-id>'
        f'<updated-at type="datetime">2008-04-09T12:07:56Z</updated-at>{inner}{extra}</contact>'
    )


def serve_basics(server: CannedServer, contact: str = SEED_ONE) -> None:
    """Clients, who_am_i, the seed list and contact 9."""
    server.route("GET", "/clients", xml_answer(CLIENTS))
    server.route("GET", "/account/who_am_i", xml_answer(WHO_AM_I))
    server.route("GET", "/contacts", xml_answer(SEED_LIST))
    server.route("GET", "/contacts/9", xml_answer(contact))


def pull_all(connector: HarvestConnector) -> list[RemoteContact]:
    return [record for page in connector.pull(None) for record in page]


# --- reading the seed's answers ------------------------------------------------------------
def test_seed_list_verbatim_maps_every_field(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    [record] = pull_all(harvest())
    assert record.remote_id == "9"
    assert record.stamp == "2008-04-09T12:07:56Z"
    assert record.contact == Contact(
        given_name="Jane",
        family_name="Doe",
        organization="Doe Industries",
        title="President",
        emails=[Email(address="Jane@Doe.com")],
        phones=[
            Phone(number="555.555.5555", kind="work"),
            Phone(number="555.555.7777", kind="mobile"),
            Phone(number="555.555.9999", kind="fax"),
        ],
    )
    assert record.raw["created-at"] == {"@type": "datetime", "#text": "2008-04-09T12:07:56Z"}


def test_seed_get_verbatim(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    record = harvest().get("9")
    assert record.contact.display_name == "Jane Doe"
    assert record.contact.organization == "Doe Industries"


def test_list_of_one_and_of_zero(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route(
        "GET",
        "/contacts",
        xml_answer(f'<contacts type="array">{contact_xml()}</contacts>'),
        xml_answer('<contacts type="array"/>'),
        xml_answer('<contacts type="array">\n</contacts>'),
    )
    connector = harvest()
    assert [r.remote_id for r in pull_all(connector)] == ["9"]
    assert pull_all(connector) == []
    assert list(connector.pull(None)) == [[]]  # an empty full listing is one empty page


def test_nil_fields_are_empty(server: CannedServer, harvest: Make) -> None:
    body = contact_xml(
        extra='<title nil="true"></title><fax type="string" nil="true"/>',
        **{"phone-office": "", "email": ""},
    )
    body = body.replace("<email></email>", '<email nil="true"/>')
    serve_basics(server, body)
    record = harvest().get("9")
    assert record.contact.title == "" and list(record.contact.emails) == []
    assert list(record.contact.phones) == []


def test_unknown_elements_kept_in_raw_and_not_resent(server: CannedServer, harvest: Make) -> None:
    extra = (
        '<extension><note lang="en">VIP</note><tags type="array"><tag>a</tag></tags></extension>'
        '<archived type="boolean">false</archived>'
    )
    serve_basics(server, contact_xml(extra=extra))
    server.route("PUT", "/contacts/9", Canned(200, [("Location", "/contacts/9")]))
    connector = harvest()
    base = connector.get("9")
    assert base.raw["extension"]["note"] == {"@lang": "en", "#text": "VIP"}
    assert base.raw["archived"] == {"@type": "boolean", "#text": "false"}
    edited = replace(base.contact, emails=[Email(address="jane@janedoe.com")])
    updated = connector.update(base, edited, "k1")
    [put] = server.sent("PUT")
    assert put.body.endswith(b"<contact><email>jane@janedoe.com</email></contact>")
    assert "extension" in updated.raw and "archived" in updated.raw


def test_put_keeps_the_type_attribute_of_a_changed_element(
    server: CannedServer, harvest: Make
) -> None:
    serve_basics(server)
    server.route("PUT", "/contacts/9", Canned(200))
    connector = harvest()
    base = connector.get("9")
    edited = replace(
        base.contact,
        organization="Roe & Sons",
        phones=[p for p in base.contact.phones if p.kind != "fax"],
    )
    connector.update(base, edited, "k1")
    body = server.sent("PUT")[0].body
    assert b'<client-id type="integer">11073</client-id>' in body
    assert b"<fax></fax>" in body or b"<fax/>" in body or b'nil="true"' in body
    assert b"first-name" not in body and b"title" not in body


# --- encodings and content types ---------------------------------------------------------------
def test_latin1_declared_encoding(server: CannedServer, harvest: Make) -> None:
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + contact_xml(first="Jürgen")).replace(
        "<last-name>Doe", "<last-name>Müller-Straße"
    )
    serve_basics(server, "")
    server.route(
        "GET",
        "/contacts/9",
        Canned(200, [("Content-Type", "application/xml")], body.encode("latin-1")),
    )
    record = harvest().get("9")
    assert record.contact.given_name == "Jürgen"
    assert record.contact.family_name == "Müller-Straße"


def test_windows_1252_declared_encoding(server: CannedServer, harvest: Make) -> None:
    body = '<?xml version="1.0" encoding="windows-1252"?>' + contact_xml(title="€ Director")
    serve_basics(server)
    server.route("GET", "/contacts/9", Canned(200, [XML_UTF8], body.encode("cp1252")))
    assert harvest().get("9").contact.title == "€ Director"


def test_charset_in_content_type_without_declaration(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    body = contact_xml(first="Zoë").encode("latin-1")
    server.route(
        "GET", "/contacts/9", Canned(200, [("Content-Type", "text/xml; charset=ISO-8859-1")], body)
    )
    assert harvest().get("9").contact.given_name == "Zoë"


def test_utf8_bom_and_crlf(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    listing = ('<?xml version="1.0" encoding="UTF-8"?>\r\n' + SEED_LIST).replace("\n", "\r\n")
    listing = listing.replace("\r\r\n", "\r\n").replace("Jane<", "Jäne<")
    server.route("GET", "/contacts", xml_answer(b"\xef\xbb\xbf" + listing.encode("utf-8")))
    [record] = pull_all(harvest())
    assert record.contact.given_name == "Jäne" and record.contact.title == "President"
    assert record.stamp == "2008-04-09T12:07:56Z"


@pytest.mark.parametrize(
    "headers",
    [[("Content-Type", "application/xml; charset=utf-8")], [("Content-Type", "text/xml")], []],
    ids=["application-xml", "text-xml", "missing"],
)
def test_content_type_variants(
    server: CannedServer, harvest: Make, headers: list[tuple[str, str]]
) -> None:
    serve_basics(server)
    server.route("GET", "/contacts", Canned(200, headers, SEED_LIST.replace("Jane<", "Jāne<")))
    [record] = pull_all(harvest())
    assert record.contact.given_name == "Jāne"


@pytest.mark.parametrize(
    "stamp", ["2008-04-09T12:07:56Z", "2008-04-09T12:07:56", "2008-04-09T14:07:56+02:00"]
)
def test_datetimes_kept_verbatim(server: CannedServer, harvest: Make, stamp: str) -> None:
    serve_basics(server, contact_xml().replace("2008-04-09T12:07:56Z", stamp))
    assert harvest().get("9").stamp == stamp


def test_big_integer_ids(server: CannedServer, harvest: Make) -> None:
    big = "98765432109876543210"
    serve_basics(server)
    server.route("GET", "/contacts", xml_answer(f"<contacts>{contact_xml(big)}</contacts>"))
    server.route("GET", f"/contacts/{big}", xml_answer(contact_xml(big)))
    connector = harvest()
    [record] = pull_all(connector)
    assert record.remote_id == big
    assert connector.get(big).remote_id == big


def test_non_ascii_digits_never_reach_the_url(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    with pytest.raises(NotFound):
        harvest().get("١٢")  # Arabic-Indic digits: str.isdigit() says yes
    assert not server.sent("GET", "/contacts/١٢")


# --- throttling and failures -----------------------------------------------------------------
def test_503_with_http_date_retry_after(server: CannedServer, harvest: Make) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    serve_basics(server)
    server.route(
        "GET",
        "/contacts/9",
        Canned(503, [("Retry-After", soon), ("Content-Type", "text/plain")], "Throttled"),
        xml_answer(SEED_ONE),
    )
    started = time.monotonic()
    assert harvest().get("9").remote_id == "9"
    assert len(server.sent("GET", "/contacts/9")) == 2
    assert time.monotonic() - started < 2.5


def test_503_without_retry_after_read_is_retried(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("GET", "/contacts/9", Canned(503, body="busy"), xml_answer(SEED_ONE))
    assert harvest().get("9").remote_id == "9"
    assert len(server.sent("GET", "/contacts/9")) == 2


def test_503_on_a_write_is_not_retried(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("POST", "/contacts", Canned(503, [("Retry-After", "1")], "Throttled"))
    connector = harvest()
    contact = Contact(given_name="Ana", family_name="Lima", organization="Doe Industries")
    with pytest.raises(RateLimited, match="100 calls per 15 seconds") as caught:
        connector.create(contact, "k")
    assert len(server.sent("POST")) == 1
    assert "try again in 1 seconds" in str(caught.value)


def test_throttle_longer_than_give_up_fails_at_once_and_holds(
    server: CannedServer, harvest: Make
) -> None:
    serve_basics(server)
    server.route("GET", "/contacts/9", Canned(503, [("Retry-After", "7200")], "Throttled"))
    connector = harvest()
    started = time.monotonic()
    with pytest.raises(RateLimited, match="asks to wait 7200 seconds"):
        connector.get("9")
    with pytest.raises(RateLimited, match="wait"):  # the account is still paused: no sleep
        connector.get("9")
    assert time.monotonic() - started < 1.5
    assert len(server.sent("GET", "/contacts/9")) == 1


@pytest.mark.parametrize(
    "location",
    [
        "/contacts/123",
        "https://x.harvestapp.com/contacts/123",
        "/contacts/123/",
        "/contacts/123?format=xml",
        "https://x.harvestapp.com/contacts/123.xml",
    ],
)
def test_create_reads_the_id_from_location(
    server: CannedServer, harvest: Make, location: str
) -> None:
    serve_basics(server)
    server.route("POST", "/contacts", Canned(201, [("Location", location)]))
    server.route("GET", "/contacts/123", xml_answer(contact_xml("123", first="Ana")))
    contact = Contact(
        given_name="Ana",
        family_name="Doe",
        organization="Doe Industries",
        emails=[Email(address="ana@doe.com")],
    )
    created = harvest().create(contact, "k")
    assert created.remote_id == "123"
    [post] = server.sent("POST", "/contacts")
    assert post.body.startswith(b"<?xml")
    assert b'<client-id type="integer">11072</client-id>' in post.body
    assert b"<first-name>Ana</first-name>" in post.body


def test_create_without_location_is_a_clear_sentence(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("POST", "/contacts", Canned(201))
    contact = Contact(given_name="Ana", family_name="Doe", organization="Doe Industries")
    with pytest.raises(BadAnswer, match="did not say its id"):
        harvest().create(contact, "k")


def test_400_with_hint_header(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route(
        "POST",
        "/contacts",
        Canned(400, [("Hint", "Email is not valid"), ("Content-Type", "text/html")], ""),
    )
    contact = Contact(given_name="Ana", family_name="Doe", organization="Doe Industries")
    with pytest.raises(ValidationRefused) as caught:
        harvest().create(contact, "k")
    assert "Email is not valid" in str(caught.value)
    assert caught.value.problems == ["Email is not valid"]


def test_400_with_an_html_page_names_no_markup(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    page = (
        "<!DOCTYPE html><html><head><title>Bad Request</title><style>body{}</style></head>"
        "<body><h1>Bad Request</h1><p>The contact is invalid.</p></body></html>"
    )
    server.route("POST", "/contacts", Canned(400, [("Content-Type", "text/html")], page))
    contact = Contact(given_name="Ana", family_name="Doe", organization="Doe Industries")
    with pytest.raises(ValidationRefused) as caught:
        harvest().create(contact, "k")
    message = str(caught.value)
    assert "<" not in message and "Bad Request" in message


def test_500_html_page_is_a_sentence(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    page = (
        "<!DOCTYPE html>\n<html><body><h1>We're sorry, but something went wrong.</h1></body></html>"
    )
    server.route("GET", "/contacts", Canned(500, [("Content-Type", "text/html")], page))
    with pytest.raises(ServiceUnavailable) as caught:
        pull_all(harvest())
    message = str(caught.value)
    assert "500" in message and "<" not in message and message.endswith(".")


def test_200_html_page_is_a_bad_answer(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    page = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Log in</body></html>"
    server.route("GET", "/contacts", Canned(200, [("Content-Type", "text/html")], page))
    with pytest.raises(BadAnswer, match="web page"):
        pull_all(harvest())


def test_401_is_an_auth_sentence(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("GET", "/account/who_am_i", Canned(401, [("WWW-Authenticate", 'Basic realm="x"')]))
    with pytest.raises(AuthError) as caught:
        harvest().check()
    assert str(caught.value).startswith("Harvest refused the email or password for account work")
    assert "s3cret-pass" not in str(caught.value)


def test_who_am_i_with_extra_fields(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    assert harvest().check() == "Harvest: signed in as jane@doe.com at Acme & Co."


def test_404_on_a_known_contact_is_not_found(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route(
        "GET", "/contacts/9", Canned(404, [("Content-Type", "text/html")], "<h1>Gone</h1>")
    )
    with pytest.raises(NotFound, match="no longer on Harvest"):
        harvest().get("9")


def test_redirect_is_refused_with_a_sentence(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("GET", "/contacts", Canned(302, [("Location", f"{server.url}/login")]))
    with pytest.raises(AccountError, match="redirect") as caught:
        pull_all(harvest())
    assert "/login" in str(caught.value)
    assert not server.sent("GET", "/login")  # not followed: credentials stay put


# --- what the connector sends ------------------------------------------------------------------
def test_every_request_carries_xml_headers_basic_auth_and_user_agent(
    server: CannedServer, harvest: Make
) -> None:
    serve_basics(server)
    server.route("PUT", "/contacts/9", Canned(200))
    server.route("DELETE", "/contacts/9", Canned(200))
    connector = harvest()
    connector.check()
    base = connector.get("9")
    edited = replace(base.contact, title="CEO")
    connector.update(base, edited, "k")
    connector.delete(base, "k")
    list(connector.pull(datetime(2010, 9, 25, 18, 32, tzinfo=UTC)))
    assert {r.method for r in server.requests} == {"GET", "PUT", "DELETE"}
    for request in server.requests:
        assert request.header("Accept") == "application/xml"
        assert request.header("Content-Type") == "application/xml"
        assert request.basic_auth() == ("jane@doe.com", "s3cret-pass")
        assert (request.header("User-Agent") or "").startswith("addressbook/")
    listing = server.sent("GET", "/contacts")[-1]
    assert listing.query["updated_since"] == ["2010-09-25 18:30"]  # minute precision, 2 min back
    assert listing.raw_query == "updated_since=2010-09-25+18%3A30"  # as the seed writes it


def test_unicode_is_sent_as_utf8(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("PUT", "/contacts/9", Canned(200))
    connector = harvest()
    base = connector.get("9")
    edited = replace(base.contact, family_name="Te Āwhina 😀", display_name="")
    connector.update(base, edited, "k")
    body = server.sent("PUT")[0].body
    assert "<last-name>Te Āwhina 😀</last-name>".encode() in body
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_errors_are_connector_errors_not_tracebacks(server: CannedServer, harvest: Make) -> None:
    serve_basics(server)
    server.route("GET", "/contacts/9", Canned(200, [XML_UTF8], "<contact><id>9</id>"))
    with pytest.raises(ConnectorError):
        harvest().get("9")
