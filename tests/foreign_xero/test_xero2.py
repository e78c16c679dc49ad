"""Xero 2.0 (`xero`) against answers written by hand from seed 002 and SERVICES.md.

The canned server plays seed 002's answers verbatim, and the behaviour SERVICES.md
describes (token rotation, 401 invalid_token, 429 with X-Rate-Limit-Problem, old 503
forms, paging), over a real loopback socket; nothing here comes from our sandbox.
"""

from __future__ import annotations

import copy
import json
import logging
import time
import tracemalloc
import urllib.request
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors.base import AccountConfig, RemoteContact
from addressbook.connectors.xero import DEFAULT_THROTTLE_WAIT, READ_ONLY_SENTENCE, XeroConnector
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
from tests.connectors.xero_helpers import close_connectors, track  # noqa: F401 - fixture
from tests.fakes import (
    FORM,
    HTML,
    JSON,
    TEXT,
    Canned,
    CannedServer,
    FakeClock,
    RecordingKeyring,
    canned,
)
from tests.foreign_xero.seeds import SEED_002_OK, SEED_002_VALIDATION

pytestmark = pytest.mark.usefixtures("recording_keyring")

TENANT = "b1a2c3d4-0000-4000-8000-000000000001"
CONTACTS = "/api.xro/2.0/Contacts"
TOKEN = "/connect/token"
CONNECTIONS = "/connections"
SEED_ID = "3ff6d40c-af9a-40a3-89ce-3c1556a25591"
FIRST_REFRESH = "REFRESH-0-kx7Qw2"


def seed_contact() -> dict[str, Any]:
    """Seed 002's answered contact (a fresh copy)."""
    contact: dict[str, Any] = json.loads(SEED_002_OK)["Contacts"][0]
    return contact


def listing(contacts: list[dict[str, Any]]) -> str:
    """A GET /Contacts answer around these contacts, in seed 002's envelope."""
    envelope = json.loads(SEED_002_OK)
    envelope["Contacts"] = contacts
    return json.dumps(envelope, ensure_ascii=False)  # Xero sends UTF-8, not \u escapes


def token(n: int, refresh: bool = True, expires_in: Any = 1800) -> Canned:
    """The token endpoint's answer number n."""
    data: dict[str, Any] = {
        "access_token": f"ACCESS-{n}-zq8Lp",
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": "offline_access accounting.contacts",
    }
    if refresh:
        data["refresh_token"] = f"REFRESH-{n}-kx7Qw2"
    return canned(200, json.dumps(data), content_type=JSON)


def xero(
    server: CannedServer,
    tenant: str | None = TENANT,
    clock: FakeClock | None = None,
    **settings: str,
) -> XeroConnector:
    """A Xero 2.0 connector on the canned server, signed in (refresh token in the keyring).

    Its waits run on a fake clock (`clock`, or a fresh one): no test sleeps for real.
    """
    base = server.url
    all_settings = {
        "client_id": "CLIENT-ID-1",
        "token_url": base + TOKEN,
        "connections_url": base + CONNECTIONS,
        "give_up_seconds": "10",
        **settings,
    }
    if tenant:
        all_settings["tenant_id"] = tenant
    KeyringSecrets("books").set("refresh_token", FIRST_REFRESH)
    if not server.has_route("POST", TOKEN):
        server.answers("POST", TOKEN, [token(n) for n in range(1, 6)])
    config = AccountConfig("books", "xero", base + "/api.xro/2.0", all_settings)
    connector = track(XeroConnector(config, KeyringSecrets("books")))
    connector.clock = clock or FakeClock()
    return connector


def pull_all(connector: XeroConnector) -> list[RemoteContact]:
    return [record for page in connector.pull(None) for record in page]


def bearer(request: Any) -> str:
    return str(request.header("authorization") or "")


def posted(server: CannedServer, path: str) -> dict[str, Any]:
    """The one contact the last POST to `path` sent."""
    body = json.loads(server.requests_to("POST", path)[-1].body)
    assert len(body["Contacts"]) == 1
    result: dict[str, Any] = body["Contacts"][0]
    return result


# --- reading -------------------------------------------------------------------------------
def test_seed_002_answer_verbatim_as_listing(server: CannedServer) -> None:
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    records = pull_all(xero(server))
    assert len(records) == 1
    record = records[0]
    assert record.remote_id == SEED_ID
    assert record.stamp == "2019-03-01T00:15:21.043Z"
    contact = record.contact
    assert contact.display_name == "Foo9987" and contact.organization == ""
    assert [e.address for e in contact.emails] == ["sid32476@blah.com"]
    assert [(p.kind, p.number) for p in contact.phones] == [("mobile", "415 555-1212")]
    assert contact.status == "active"
    assert record.raw["PaymentTerms"]["Bills"]["Day"] == 15  # kept whole
    request = server.requests_to("GET", CONTACTS)[0]
    assert request.header("xero-tenant-id") == TENANT
    assert bearer(request) == "Bearer ACCESS-1-zq8Lp"
    assert request.arg("page") == "1" and request.arg("includeArchived") == "true"
    assert len(server.requests_to("GET", CONTACTS)) == 1  # 1 < 100: the last page


def test_seed_002_answer_verbatim_to_a_create(server: CannedServer) -> None:
    server.answer("PUT", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    contact = Contact(display_name="Foo9987", emails=[Email("sid32476@blah.com")])
    created = xero(server).create(contact, "create-key-1")
    assert created.remote_id == SEED_ID
    request = server.requests_to("PUT", CONTACTS)[0]
    assert request.header("idempotency-key") == "create-key-1"
    assert request.arg("summarizeErrors") == "false"
    sent = json.loads(request.body)["Contacts"][0]
    assert sent["Name"] == "Foo9987" and sent["EmailAddress"] == "sid32476@blah.com"


@pytest.mark.parametrize(
    "stamp", ["/Date(1551399321043)/", "/Date(1551399321043+1300)/", "/Date(1551399321043-0500)/"]
)
def test_dates_with_and_without_offset(server: CannedServer, stamp: str) -> None:
    # The milliseconds are UTC; the offset only says where the writer was (.NET JSON dates).
    raw = seed_contact() | {"UpdatedDateUTC": stamp}
    server.answer("GET", CONTACTS, 200, listing([raw]), content_type=JSON)
    assert pull_all(xero(server))[0].stamp == "2019-03-01T00:15:21.043Z"


def test_addresses_and_phones_missing(server: CannedServer) -> None:
    raw = {"ContactID": SEED_ID, "ContactStatus": "ACTIVE", "Name": "Bare Ltd"}
    server.answer("GET", CONTACTS, 200, listing([raw]), content_type=JSON)
    connector = xero(server)
    base = pull_all(connector)[0]
    assert base.contact.display_name == "Bare Ltd"
    assert base.contact.given_name == base.contact.family_name == base.contact.organization == ""
    assert (
        list(base.contact.phones) == []
        and list(base.contact.addresses) == []
        and base.stamp is None
    )
    path = f"{CONTACTS}/{SEED_ID}"
    server.answer("POST", path, 200, listing([raw | {"Phones": []}]), content_type=JSON)
    connector.update(base, replace(base.contact, phones=[Phone("+64 21 555 1212", "mobile")]), "k")
    sent = posted(server, path)
    assert set(sent) == {"ContactID", "Phones"}
    mobile = [p for p in sent["Phones"] if p["PhoneType"] == "MOBILE"][0]
    assert (mobile["PhoneCountryCode"], mobile["PhoneAreaCode"]) == ("64", "21")
    assert mobile["PhoneNumber"] == "555 1212"


def test_only_name_rename_sends_only_name(server: CannedServer) -> None:
    raw = {"ContactID": SEED_ID, "ContactStatus": "ACTIVE", "Name": "Just A Name"}
    server.answer("GET", CONTACTS, 200, listing([raw]), content_type=JSON)
    connector = xero(server)
    base = pull_all(connector)[0]
    path = f"{CONTACTS}/{SEED_ID}"
    server.answer("POST", path, 200, listing([raw | {"Name": "Another"}]), content_type=JSON)
    saved = connector.update(base, replace(base.contact, display_name="Another"), "k")
    assert posted(server, path) == {"ContactID": SEED_ID, "Name": "Another"}
    assert saved.contact.display_name == "Another"


EXTRAS = {
    "Website": "https://foo.example",
    "XeroNetworkKey": "xnk-1",
    "Balances": {"AccountsReceivable": {"Outstanding": 760.0, "Overdue": 920.0}},
    "BrandingTheme": {"BrandingThemeID": "bt-1", "Name": "Special"},
    "Discount": 12.5,
    "HasAttachments": False,
    "SomeFieldNobodyDocumented": [1, {"a": None}],
}


def test_unknown_fields_kept_and_not_sent_back(server: CannedServer) -> None:
    raw = seed_contact() | EXTRAS
    server.answer("GET", CONTACTS, 200, listing([raw]), content_type=JSON)
    connector = xero(server)
    base = pull_all(connector)[0]
    for key, value in EXTRAS.items():
        assert base.raw[key] == value
    path = f"{CONTACTS}/{SEED_ID}"
    answered = raw | {"EmailAddress": "new@blah.com"}
    server.answer("POST", path, 200, listing([answered]), content_type=JSON)
    edited = replace(base.contact, emails=[Email("new@blah.com")])
    saved = connector.update(base, edited, "update-key-1")
    assert posted(server, path) == {"ContactID": SEED_ID, "EmailAddress": "new@blah.com"}
    assert server.requests_to("POST", path)[0].header("idempotency-key") == "update-key-1"
    assert saved.raw["Balances"] == EXTRAS["Balances"]
    assert saved.contact.emails[0].address == "new@blah.com"


def test_contact_persons_with_include_in_emails(server: CannedServer) -> None:
    persons = [
        {
            "FirstName": "John",
            "LastName": "Smith",
            "EmailAddress": "john.smith@blah.com",
            "IncludeInEmails": True,
        },
        {"FirstName": "No", "LastName": "Email", "IncludeInEmails": False},
    ]
    raw = seed_contact() | {"ContactPersons": persons}
    server.answer("GET", CONTACTS, 200, listing([raw]), content_type=JSON)
    connector = xero(server)
    base = pull_all(connector)[0]
    assert [(e.address, e.kind) for e in base.contact.emails] == [
        ("sid32476@blah.com", "work"),
        ("john.smith@blah.com", "other"),
    ]
    path = f"{CONTACTS}/{SEED_ID}"
    server.answer("POST", path, 200, listing([raw]), content_type=JSON)
    # an edit elsewhere does not touch the persons
    connector.update(base, replace(base.contact, display_name="Foo9988"), "k1")
    assert "ContactPersons" not in posted(server, path)
    # a new extra email adds a person; the existing ones go back exactly as they were
    emails = [*base.contact.emails, Email("kate@blah.com", "other")]
    connector.update(base, replace(base.contact, emails=emails), "k2")
    sent = posted(server, path)["ContactPersons"]
    assert sent[0] == persons[0] and sent[1] == persons[1]
    assert sent[2]["EmailAddress"] == "kate@blah.com" and len(sent) == 3


def test_gdpr_request_is_read_only(server: CannedServer) -> None:
    raw = seed_contact() | {"ContactStatus": "GDPRREQUEST", "Name": "Redacted", "EmailAddress": ""}
    server.answer("GET", CONTACTS, 200, listing([raw]), content_type=JSON)
    connector = xero(server)
    base = pull_all(connector)[0]
    assert base.contact.status == "read-only"
    edited = replace(base.contact, display_name="Not Redacted")
    assert connector.validate(edited, base) == [READ_ONLY_SENTENCE]
    with pytest.raises(ValidationRefused, match="GDPR"):
        connector.update(base, edited, "k")
    with pytest.raises(ValidationRefused, match="GDPR"):
        connector.delete(base, "k2")
    assert [r.method for r in server.requests if r.path.startswith(CONTACTS)] == ["GET"]


# --- writing: refusals ------------------------------------------------------------------------
def test_validation_exception_400_on_update(server: CannedServer) -> None:
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    connector = xero(server)
    base = pull_all(connector)[0]
    path = f"{CONTACTS}/{SEED_ID}"
    server.answer("POST", path, 400, SEED_002_VALIDATION, content_type=JSON)
    with pytest.raises(ValidationRefused) as refused:
        connector.update(base, replace(base.contact, display_name="Buzz Lightyear"), "k")
    assert "Buzz Lightyear is already assigned to another contact" in str(refused.value)
    assert len(refused.value.problems) == 1


def test_validation_exception_400_on_create(server: CannedServer) -> None:
    server.answer("PUT", CONTACTS, 400, SEED_002_VALIDATION, content_type=JSON)
    results = xero(server).create_many([(Contact(display_name="Buzz Lightyear"), "k1")])
    assert isinstance(results[0], ValidationRefused)
    assert "already assigned to another contact" in str(results[0])


def test_mixed_has_validation_errors(server: CannedServer) -> None:
    good = seed_contact()
    bad = json.loads(SEED_002_VALIDATION)["Elements"][0]
    other = seed_contact() | {"ContactID": "0000aaaa-0000-0000-0000-000000000003", "Name": "C"}
    server.answer("PUT", CONTACTS, 200, listing([good, bad, other]), content_type=JSON)
    items = [(Contact(display_name=n), f"k{n}") for n in ("Foo9987", "Buzz Lightyear", "C")]
    results = xero(server).create_many(items)
    assert isinstance(results[0], RemoteContact) and results[0].remote_id == SEED_ID
    assert isinstance(results[1], ValidationRefused)
    assert "already assigned" in str(results[1])
    assert isinstance(results[2], RemoteContact) and results[2].contact.display_name == "C"
    assert len(server.requests_to("PUT", CONTACTS)) == 1


# --- tokens -----------------------------------------------------------------------------
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def test_401_invalid_token_refreshes_and_retries_once(server: CannedServer) -> None:
    server.answers(
        "GET",
        CONTACTS,
        [canned(401, "", INVALID_TOKEN), canned(200, SEED_002_OK, content_type=JSON)],
    )
    records = pull_all(xero(server))
    assert records[0].remote_id == SEED_ID
    calls = server.requests_to("GET", CONTACTS)
    assert [bearer(r) for r in calls] == ["Bearer ACCESS-1-zq8Lp", "Bearer ACCESS-2-zq8Lp"]
    refreshes = server.requests_to("POST", TOKEN)
    assert len(refreshes) == 2
    second = parse_qs(refreshes[1].body.decode())
    assert second["refresh_token"] == ["REFRESH-1-kx7Qw2"]  # the rotated one, not the first
    assert second["grant_type"] == ["refresh_token"] and second["client_id"] == ["CLIENT-ID-1"]


def test_401_twice_is_one_retry_then_sign_in_again(server: CannedServer) -> None:
    server.answer("GET", CONTACTS, 401, "", INVALID_TOKEN)
    with pytest.raises(AuthError, match="accounts login books"):
        pull_all(xero(server))
    assert len(server.requests_to("GET", CONTACTS)) == 2


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (400, '{"error":"invalid_grant"}', JSON),
        (400, "error=invalid_grant&error_description=refresh%20token%20expired", FORM),
        (400, "error=invalid_grant", TEXT),
        (400, '\ufeff{"error":"invalid_grant"}', JSON),
    ],
)
def test_token_endpoint_invalid_grant(
    server: CannedServer, status: int, body: str, content_type: str
) -> None:
    server.answer("POST", TOKEN, status, body, content_type=content_type)
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    with pytest.raises(AuthError) as failed:
        pull_all(xero(server))
    assert "run `addressbook accounts login books` again" in str(failed.value)
    assert server.requests_to("GET", CONTACTS) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("Bad Request", TEXT), ("<html><body>Bad Request</body></html>", "text/html"), ("", TEXT)],
)
def test_token_endpoint_other_400(server: CannedServer, body: str, content_type: str) -> None:
    server.answer("POST", TOKEN, 400, body, content_type=content_type)
    with pytest.raises(AuthError) as failed:
        pull_all(xero(server))
    message = str(failed.value)
    assert "accounts login books" in message and "<" not in message


def test_token_answer_without_refresh_token_keeps_the_old(
    server: CannedServer, recording_keyring: RecordingKeyring, events: list[Any]
) -> None:
    server.answers("POST", TOKEN, [token(1, refresh=False), token(2, refresh=False)])
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    connector = xero(server)
    events.clear()
    pull_all(connector)
    connector.tokens.expire_now()
    pull_all(connector)
    assert KeyringSecrets("books").get("refresh_token") == FIRST_REFRESH
    assert [e for e in events if e[0] == "keyring"] == []
    for refresh in server.requests_to("POST", TOKEN):
        assert parse_qs(refresh.body.decode())["refresh_token"] == [FIRST_REFRESH]


def test_rotated_refresh_token_saved_before_the_access_token_is_used(
    server: CannedServer, recording_keyring: RecordingKeyring, events: list[Any]
) -> None:
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    connector = xero(server)
    events.clear()
    pull_all(connector)
    connector.tokens.expire_now()
    pull_all(connector)
    order = []
    for event in events:
        if event[0] == "keyring":
            order.append(("saved", event[2]))
        elif event[1].path == CONTACTS:
            order.append(("used", bearer(event[1])))
        elif event[1].path == TOKEN:
            order.append(("refresh", parse_qs(event[1].body.decode())["refresh_token"][0]))
    assert order == [
        ("refresh", FIRST_REFRESH),
        ("saved", "REFRESH-1-kx7Qw2"),
        ("used", "Bearer ACCESS-1-zq8Lp"),
        ("refresh", "REFRESH-1-kx7Qw2"),
        ("saved", "REFRESH-2-kx7Qw2"),
        ("used", "Bearer ACCESS-2-zq8Lp"),
    ]
    assert recording_keyring.data[("addressbook", "books:refresh_token")] == "REFRESH-2-kx7Qw2"


@pytest.mark.parametrize("expires_in", ["1800", 1800.0, "1800.0", None, "soon"])
def test_expires_in_as_string_or_odd(server: CannedServer, expires_in: Any) -> None:
    server.answers("POST", TOKEN, [token(1, expires_in=expires_in), token(2)])
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    connector = xero(server)
    pull_all(connector)
    pull_all(connector)
    assert len(server.requests_to("POST", TOKEN)) == 1  # the token was kept, not re-asked
    assert [bearer(r) for r in server.requests_to("GET", CONTACTS)] == ["Bearer ACCESS-1-zq8Lp"] * 2


# --- limits and outages ----------------------------------------------------------------------
def _throttled(problem: str, retry_after: str | None = "1") -> Canned:
    headers = {"X-Rate-Limit-Problem": problem, "X-MinLimit-Remaining": "0"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return canned(429, "", headers)


@pytest.mark.parametrize("problem", ["minute", "concurrent", "appminute"])
def test_429_waits_retry_after_then_succeeds(server: CannedServer, problem: str) -> None:
    server.answers(
        "GET", CONTACTS, [_throttled(problem), canned(200, SEED_002_OK, content_type=JSON)]
    )
    clock = FakeClock()
    connector = xero(server, clock=clock)
    assert pull_all(connector)[0].remote_id == SEED_ID
    assert clock.slept == [1.0]  # waited the second Xero asked for
    assert len(server.requests_to("GET", CONTACTS)) == 2


def test_429_day_stops_at_once(server: CannedServer) -> None:
    server.answer("GET", CONTACTS, 429, "", {"Retry-After": "7200", "X-Rate-Limit-Problem": "day"})
    started = time.monotonic()
    with pytest.raises(RateLimited) as limited:
        pull_all(xero(server))
    assert time.monotonic() - started < 2
    assert "daily limit" in str(limited.value) and "2 hours" in str(limited.value)
    assert limited.value.limit == "day"
    assert len(server.requests_to("GET", CONTACTS)) == 1


@pytest.mark.parametrize(
    ("problem", "named"),
    [("minute", "60 calls a minute"), ("concurrent", "5 calls at once")],
)
def test_429_longer_than_allowed_names_the_limit(
    server: CannedServer, problem: str, named: str
) -> None:
    server.answer("GET", CONTACTS, 429, "", {"Retry-After": "600", "X-Rate-Limit-Problem": problem})
    with pytest.raises(RateLimited) as limited:
        pull_all(xero(server, give_up_seconds="5"))
    assert named in str(limited.value) and "600 seconds" in str(limited.value)


def test_429_without_retry_after_waits_a_bounded_while(server: CannedServer) -> None:
    server.answers("GET", CONTACTS, [_throttled("minute", None)])
    clock = FakeClock()
    with pytest.raises(RateLimited) as limited:
        # The bound leaves room for one wait of DEFAULT_THROTTLE_WAIT, not two.
        pull_all(xero(server, clock=clock, give_up_seconds="8"))
    assert len(server.requests_to("GET", CONTACTS)) == 2  # one retry, after a wait
    assert clock.slept and clock.slept[0] >= DEFAULT_THROTTLE_WAIT - 0.1  # no hammering
    assert clock.now() - clock.start < 8  # bounded: give_up_seconds ends the waiting
    assert "rate limit" in str(limited.value) and "60 calls a minute" in str(limited.value)


def test_503_organisation_offline(server: CannedServer) -> None:
    server.answer("GET", CONTACTS, 503, "Organisation is offline", content_type=TEXT)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as failed:
        pull_all(xero(server))
    assert time.monotonic() - started < 2
    assert "Organisation is offline" in str(failed.value)


def test_503_old_rate_limit_form(server: CannedServer) -> None:
    body = "oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait"
    server.answer("GET", CONTACTS, 503, body, content_type=FORM)
    with pytest.raises(RateLimited, match="rate limit exceeded; please wait"):
        pull_all(xero(server))


def test_503_with_retry_after_is_retried(server: CannedServer) -> None:
    server.answers(
        "GET",
        CONTACTS,
        [
            canned(503, "Down for maintenance", {"Retry-After": "1"}, TEXT),
            canned(200, SEED_002_OK, content_type=JSON),
        ],
    )
    assert pull_all(xero(server))[0].remote_id == SEED_ID


# --- organisations ----------------------------------------------------------------------------
TWINS = [
    {
        "id": "c-1",
        "tenantId": "aaaaaaaa-0000-4000-8000-000000000001",
        "tenantType": "ORGANISATION",
        "tenantName": "Demo Company (NZ)",
    },
    {
        "id": "c-2",
        "tenantId": "aaaaaaaa-0000-4000-8000-000000000002",
        "tenantType": "ORGANISATION",
        "tenantName": "Demo Company (NZ)",
    },
]


def _browser(url: str) -> None:
    """The user's browser: signs in and comes straight back with a code."""
    query = parse_qs(urlsplit(url).query)
    target = query["redirect_uri"][0].replace("localhost", "127.0.0.1", 1)
    target += f"?code=CODE-abc123&state={query['state'][0]}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(target, timeout=10) as answer:
        answer.read()


@pytest.mark.parametrize("wanted", [None, "Demo Company (NZ)", "demo company (nz)"])
def test_two_tenants_with_the_same_name_are_not_guessed(
    server: CannedServer, wanted: str | None
) -> None:
    server.answer("GET", CONNECTIONS, 200, json.dumps(TWINS), content_type=JSON)
    connector = xero(server, tenant=None)
    with pytest.raises(AccountError) as ambiguous:
        connector.login(_browser, wanted)
    message = str(ambiguous.value)
    assert TWINS[0]["tenantId"] in message and TWINS[1]["tenantId"] in message
    assert "--tenant" in message
    assert "tenant_id" not in connector.account.settings


def test_two_tenants_with_the_same_name_chosen_by_id(server: CannedServer) -> None:
    server.answer("GET", CONNECTIONS, 200, json.dumps(TWINS), content_type=JSON)
    connector = xero(server, tenant=None)
    said = connector.login(_browser, TWINS[1]["tenantId"])
    assert connector.account.settings["tenant_id"] == TWINS[1]["tenantId"]
    assert "Demo Company (NZ)" in said
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    assert connector.check() == "Xero organisation Demo Company (NZ)"
    assert server.requests_to("GET", CONTACTS)[0].header("xero-tenant-id") == TWINS[1]["tenantId"]


# --- paging and odd bodies --------------------------------------------------------------------
def test_page_of_exactly_100_then_an_empty_page(server: CannedServer) -> None:
    full = []
    for n in range(100):
        raw = copy.deepcopy(seed_contact())
        raw["ContactID"] = f"00000000-0000-4000-8000-{n:012d}"
        raw["Name"] = f"Contact {n}"
        full.append(raw)
    server.answers(
        "GET",
        CONTACTS,
        [
            canned(200, listing(full), content_type=JSON),
            canned(200, listing([]), content_type=JSON),
            canned(599, "a third page was asked for", content_type=TEXT),
        ],
    )
    pages = list(xero(server).pull(None))
    assert [len(page) for page in pages] == [100, 0]
    assert [r.arg("page") for r in server.requests_to("GET", CONTACTS)] == ["1", "2"]


def test_json_with_utf8_bom(server: CannedServer) -> None:
    server.answer(
        "POST",
        TOKEN,
        200,
        b"\xef\xbb\xbf" + json.dumps({"access_token": "ACCESS-9-bom", "expires_in": 1800}).encode(),
        content_type=JSON,
    )
    raw = seed_contact() | {"Name": "Ngā Pukapuka ßü 📚"}
    server.answer(
        "GET", CONTACTS, 200, b"\xef\xbb\xbf" + listing([raw]).encode(), content_type=JSON
    )
    records = pull_all(xero(server))
    assert records[0].contact.display_name == "Ngā Pukapuka ßü 📚"
    assert bearer(server.requests_to("GET", CONTACTS)[0]) == "Bearer ACCESS-9-bom"


def test_huge_field_refused_within_bounded_memory(server: CannedServer) -> None:
    notes = "ā" * (5 * 1024 * 1024 // 2)  # a 5 MB (UTF-8) string
    body = listing([seed_contact() | {"Notes": notes}]).encode()
    assert len(body) > 5 * 1024 * 1024
    server.answer("GET", CONTACTS, 200, body, content_type=JSON)
    connector = xero(server)
    tracemalloc.start()
    try:
        with pytest.raises(BadAnswer) as refused:
            pull_all(connector)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Refused as the XML path refuses it: no field over 64 KiB is cached.
    assert "more than the 64 KiB a field may have; refused" in str(refused.value)
    assert "2,621,440 characters" in str(refused.value)
    assert peak < 8 * len(body), f"peak {peak / 1e6:.0f} MB for a {len(body) / 1e6:.0f} MB answer"


@pytest.mark.parametrize("field", ["Name", "EmailAddress"])
def test_a_one_mib_field_is_refused_not_cached(server: CannedServer, field: str) -> None:
    body = listing([seed_contact() | {field: "x" * (1024 * 1024)}]).encode()
    server.answer("GET", CONTACTS, 200, body, content_type=JSON)
    with pytest.raises(BadAnswer, match="64 KiB a field may have"):
        pull_all(xero(server))


def test_json_nested_ten_thousand_deep_is_a_clear_refusal(server: CannedServer) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    body = ('{"Contacts":[' + json.dumps(seed_contact())[:-1] + ',"Deep":' + deep + "}]}").encode()
    server.answer("GET", CONTACTS, 200, body, content_type=JSON)
    with pytest.raises(BadAnswer) as refused:
        pull_all(xero(server))
    assert "nested deeper than 64 levels; refused" in str(refused.value)
    assert "Recursion" not in str(refused.value)


def test_json_nested_just_past_the_cap_is_refused_and_within_it_accepted(
    server: CannedServer,
) -> None:
    def body(depth: int) -> bytes:
        nest = "[" * depth + "]" * depth
        return listing([seed_contact() | {"Deep": json.loads(nest)}]).encode()

    server.answer("GET", CONTACTS, 200, body(60), content_type=JSON)
    assert len(pull_all(xero(server))) == 1
    server.answer("GET", CONTACTS, 200, body(70), content_type=JSON)
    with pytest.raises(BadAnswer, match="nested deeper than 64"):
        pull_all(xero(server))


# --- secrets ----------------------------------------------------------------------------------
def test_tokens_never_logged(server: CannedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.answers(
        "GET",
        CONTACTS,
        [canned(401, "", INVALID_TOKEN), canned(200, SEED_002_OK, content_type=JSON)],
    )
    connector = xero(server)
    assert connector.client is not None
    for name in ("httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    pull_all(connector)
    secrets = [FIRST_REFRESH, "REFRESH-1-kx7Qw2", "ACCESS-1-zq8Lp", "ACCESS-2-zq8Lp"]
    assert any(r.name.startswith("httpx") for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        for secret in secrets:
            assert secret not in text, record.name


# --- reasons that fit the request ------------------------------------------------------------
def test_a_listing_404_is_not_a_missing_contact(server: CannedServer) -> None:
    page = "<html><head><title>404 - File or directory not found.</title></head></html>"
    server.answer("GET", CONTACTS, 404, page, content_type=HTML)
    with pytest.raises(ConnectorError) as failed:
        pull_all(xero(server))
    message = str(failed.value)
    assert not isinstance(failed.value, NotFound)
    assert "no longer in Xero" not in message and "check the URL of account books" in message


def test_a_contacts_404_is_gone(server: CannedServer) -> None:
    server.answer("GET", CONTACTS + "/" + SEED_ID, 404, "", content_type=JSON)
    with pytest.raises(NotFound, match="no longer in Xero"):
        xero(server).get(SEED_ID)


@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        ('{"Type":"BadRequest","Message":"The organisation is not subscribed"}', JSON,
         "The organisation is not subscribed"),
        ("<html><head><title>Bad Request</title></head><body><h1>Header too long</h1></body></html>",
         HTML, "Bad Request: Header too long"),
        ("Unsupported media type", TEXT, "Unsupported media type"),
    ],
)  # fmt: skip
def test_4xx_bodies_of_every_form_are_quoted(
    server: CannedServer, body: str, kind: str, said: str
) -> None:
    server.answer("GET", CONTACTS, 400, body, content_type=kind)
    connector = xero(server)
    connector.page_size = 100  # a 400 to pageSize would be asked again at 100
    with pytest.raises(ConnectorError) as failed:
        pull_all(connector)
    assert said in str(failed.value) and "HTTP 400" in str(failed.value)


def test_a_refused_page_size_is_asked_again_at_100(server: CannedServer) -> None:
    refusal = (
        '{"ErrorNumber":10,"Type":"ValidationException","Message":"pageSize is not supported"}'
    )
    server.answers(
        "GET",
        CONTACTS,
        [canned(400, refusal, content_type=JSON), canned(200, SEED_002_OK, content_type=JSON)],
    )
    assert [r.remote_id for r in pull_all(xero(server))] == [SEED_ID]
    asked = server.requests_to("GET", CONTACTS)
    assert asked[0].arg("pageSize") == "1000" and asked[1].arg("pageSize") is None


# --- one size policy on every path -----------------------------------------------------------
def _bomb(kind: str) -> Canned:
    from addressbook.sandbox.core import gzip_bomb

    return Canned(200, [("Content-Type", kind), ("Content-Encoding", "gzip")], gzip_bomb())


@pytest.mark.parametrize("path", [CONTACTS, TOKEN, CONNECTIONS])
def test_a_gzip_bomb_is_refused_on_every_xero_path(server: CannedServer, path: str) -> None:
    connections = [{"id": "c", "tenantId": TENANT, "tenantType": "ORGANISATION", "tenantName": "D"}]
    server.answer("GET", CONNECTIONS, 200, json.dumps(connections), content_type=JSON)
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    server.route("GET" if path != TOKEN else "POST", path, _bomb(JSON))
    connector = xero(server)
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(BadAnswer) as refused:
            connector.check()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert "compression bomb" in str(refused.value) or "larger than" in str(refused.value)


def test_a_401_is_closed_unread(server: CannedServer) -> None:
    # a hostile 401 of a gigabyte (gzip) costs nothing: the sign-in renews and goes on
    from addressbook.sandbox.core import gzip_bomb

    bomb = Canned(401, [("Content-Type", JSON), ("Content-Encoding", "gzip")], gzip_bomb())
    server.answers("GET", CONTACTS, [bomb, canned(200, SEED_002_OK, content_type=JSON)])
    started = time.monotonic()
    assert [r.remote_id for r in pull_all(xero(server))] == [SEED_ID]
    assert time.monotonic() - started < 2


def test_a_refusal_carries_account_and_what_was_being_done(server: CannedServer) -> None:
    server.answer("GET", CONTACTS, 404, "", content_type=TEXT)
    with pytest.raises(ConnectorError) as failed:
        pull_all(xero(server))
    assert failed.value.account == "books"
    assert failed.value.doing == "page 1 of the contacts"


def test_a_token_answer_nested_too_deep_is_a_clear_refusal(server: CannedServer) -> None:
    deep = '{"access_token": "A", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    server.answer("POST", TOKEN, 200, deep, content_type=JSON)
    server.answer("GET", CONTACTS, 200, SEED_002_OK, content_type=JSON)
    with pytest.raises(BadAnswer, match="nested deeper than 64 levels"):
        pull_all(xero(server))
