"""The Xero 2.0 sandbox's contacts API against seed 002 and SERVICES.md."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero import XeroService
from tests.fakes import FakeClock
from tests.fixtures.sandbox import sandbox_account

SEED = json.loads(
    (Path(__file__).parent / "data" / "xero_002_put_contacts.json").read_text("utf-8")
)
SEED_REQUEST = SEED["requestExamples"][0]["example"]
SEED_200 = SEED["responseExamples"][0]["example"]
SEED_400 = SEED["responseExamples"][1]["example"]
DUPLICATE = SEED_400["Elements"][0]["ValidationErrors"][0]["Message"]
LIMIT_HEADERS = ("X-MinLimit-Remaining", "X-DayLimit-Remaining", "X-AppMinLimit-Remaining")

# One client for the module: a new httpx.Client per call costs ~100 ms (TLS set-up), and
# without keep-alive no server thread is left waiting on a stopped sandbox's connection.
HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


class Api:
    """A signed-in client of one tenant of a running Xero sandbox."""

    def __init__(self, server: SandboxServer, clock: FakeClock, tenant: int = 0) -> None:
        self.service: XeroService = server.service  # type: ignore[assignment]
        self.clock = clock
        self.base = server.url
        self.url = server.url + "/api.xro/2.0/Contacts"
        self.headers = {
            "Authorization": "Bearer " + self.service.issue_tokens()["access_token"],
            "xero-tenant-id": self.service.tenants[tenant].tenant_id,
            "Accept": "application/json",
        }

    def get(
        self, path: str = "", headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return HTTP.get(self.url + path, params=params, headers={**self.headers, **(headers or {})})

    def send(
        self,
        method: str,
        body: Any,
        path: str = "",
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> httpx.Response:
        return HTTP.request(
            method,
            self.url + path,
            params=params,
            content=json.dumps(body).encode(),
            headers={**self.headers, "Content-Type": "application/json", **(headers or {})},
        )

    def contacts(self, **params: Any) -> list[dict[str, Any]]:
        response = self.get(**params)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()["Contacts"]
        return result

    def stored(self, contact_id: str) -> dict[str, Any]:
        return next(c for c in self.service.state()["contacts"] if c["ContactID"] == contact_id)


def _serve(contacts: int, clock: FakeClock, **options: Any) -> Iterator[Api]:
    service = XeroService(contacts=contacts, seed=4, clock=clock, utcnow=clock.utcnow, **options)
    with SandboxServer(service) as server:
        yield Api(server, clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> Iterator[Api]:
    yield from _serve(12, clock)


def _shape(value: Any) -> Any:
    """Keys and types of a JSON value, recursively (first list element stands for all)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _assert_covers(seed: Any, ours: Any, where: str = "") -> None:
    """Every key of the seed's answer is in ours with the same JSON type."""
    if isinstance(seed, dict):
        assert isinstance(ours, dict), where
        for key, value in seed.items():
            assert key in ours, f"{where}.{key} missing"
            _assert_covers(value, ours[key], f"{where}.{key}")
    elif isinstance(seed, list):
        assert isinstance(ours, list), where
        if seed and ours:
            _assert_covers(seed[0], ours[0], where + "[0]")
    else:
        assert type(seed) is type(ours), f"{where}: {type(seed)} vs {type(ours)}"


# --- seed 002 -----------------------------------------------------------------------------
def test_seed_put_request_is_accepted_with_the_seed_answer_shape(api: Api) -> None:
    response = api.send("PUT", SEED_REQUEST)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = {k: v for k, v in SEED_200.items() if k != "Contacts"}
    _assert_covers(expected, body)
    assert body["Status"] == "OK"
    assert re.fullmatch(r"/Date\(\d+\)/", body["DateTimeUTC"])
    ours = body["Contacts"][0]
    seed_contact = dict(SEED_200["Contacts"][0])
    # The seed's answer shows a CompanyNumber its request never sent: ours echoes only
    # what was sent (checked with a CompanyNumber below).
    seed_contact.pop("CompanyNumber")
    _assert_covers(seed_contact, ours)
    assert set(ours) == set(SEED_200["Contacts"][0]) - {"CompanyNumber"}
    assert ours["ContactID"] == seed_contact["ContactID"]
    assert ours["Phones"] == seed_contact["Phones"]
    assert ours["Addresses"] == seed_contact["Addresses"]
    assert ours["PaymentTerms"] == seed_contact["PaymentTerms"]
    assert re.fullmatch(r"/Date\(\d+\+0000\)/", ours["UpdatedDateUTC"])
    assert ours["UpdatedDateUTC"] == "/Date(1714564800000+0000)/"  # the sandbox's clock


def test_company_number_round_trips(api: Api) -> None:
    contact = {**SEED_REQUEST["Contacts"][0], "CompanyNumber": "NumberBusiness1234"}
    body = api.send("PUT", {"Contacts": [contact]}).json()
    assert body["Contacts"][0]["CompanyNumber"] == "NumberBusiness1234"


def test_duplicate_name_gives_the_seed_validation_exception(api: Api) -> None:
    element = copy.deepcopy(SEED_400["Elements"][0])
    for key in ("ValidationErrors", "HasValidationErrors", "ContactID"):
        element.pop(key)
    for item in element["Addresses"] + element["Phones"]:
        item.pop("ValidationErrors")
    for part in element["PaymentTerms"].values():
        part.pop("ValidationErrors")
    assert api.send("PUT", {"Contacts": [element]}).status_code == 200
    refused = api.send("PUT", {"Contacts": [element]})
    assert refused.status_code == 400
    body = refused.json()
    assert _shape(body) == _shape(SEED_400)
    assert body["Elements"][0]["ValidationErrors"] == [{"Message": DUPLICATE}]
    assert body["Elements"][0]["ContactID"] == "00000000-0000-0000-0000-000000000000"
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException"
    names = [c["Name"] for c in api.service.state()["contacts"]]
    assert names.count("Buzz Lightyear") == 1


# --- gatekeeping ----------------------------------------------------------------------------
def test_an_unknown_or_missing_tenant_is_forbidden(api: Api) -> None:
    unknown = api.get(headers={"xero-tenant-id": "00000000-0000-0000-0000-000000000001"})
    assert unknown.status_code == 403 and unknown.json()["Title"] == "Forbidden"
    headers = {k: v for k, v in api.headers.items() if k != "xero-tenant-id"}
    assert HTTP.get(api.url, headers=headers).status_code == 403


def test_a_read_only_scope_cannot_write(api: Api) -> None:
    token = api.service.issue_tokens("accounting.contacts.read")["access_token"]
    headers = {"Authorization": "Bearer " + token}
    assert api.get(headers=headers).status_code == 200
    response = api.send("PUT", {"Contacts": [{"Name": "Nope"}]}, headers=headers)
    assert response.status_code == 403


def test_asking_for_xml_is_not_acceptable(api: Api) -> None:
    assert api.get(headers={"Accept": "application/xml"}).status_code == 406


def test_unknown_endpoints_answer_404(api: Api) -> None:
    assert HTTP.get(api.base + "/api.xro/2.0/Invoices", headers=api.headers).status_code == 404
    assert api.get("/" + "1" * 36).status_code == 404


# --- reading --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("count", "pages"), [(0, [0]), (100, [100, 0]), (101, [100, 1, 0]), (250, [100, 100, 50, 0])]
)
def test_paging_by_100(clock: FakeClock, count: int, pages: list[int]) -> None:
    for api in _serve(count, clock):
        sizes = [
            len(api.contacts(page=p, includeArchived="true")) for p in range(1, len(pages) + 1)
        ]
        assert sizes == pages
        everything = api.contacts(includeArchived="true")
        assert len(everything) == count
        paged = [
            c for p in range(1, len(pages)) for c in api.contacts(page=p, includeArchived="true")
        ]
        assert [c["ContactID"] for c in paged] == [c["ContactID"] for c in everything]


def test_include_archived_shows_archived_and_gdpr_contacts(api: Api) -> None:
    statuses = {c["ContactStatus"] for c in api.contacts(includeArchived="true")}
    assert statuses == {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}
    assert {c["ContactStatus"] for c in api.contacts()} == {"ACTIVE"}
    assert {c["ContactStatus"] for c in api.contacts(includeArchived="false")} == {"ACTIVE"}


def test_ids_filter(api: Api) -> None:
    every = api.contacts(includeArchived="true")
    wanted = [every[1]["ContactID"], every[5]["ContactID"].upper()]
    found = api.contacts(IDs=",".join(wanted), includeArchived="true")
    assert {c["ContactID"] for c in found} == {every[1]["ContactID"], every[5]["ContactID"]}


def test_search_term_is_case_insensitive_over_names_and_email(api: Api) -> None:
    target = api.contacts()[3]
    for term in (target["Name"].upper(), target["EmailAddress"].split("@")[0].title()):
        assert target["ContactID"] in {c["ContactID"] for c in api.contacts(searchTerm=term)}
    assert api.contacts(searchTerm="no such contact anywhere") == []


def test_if_modified_since_in_rfc_1123_and_iso(api: Api, clock: FakeClock) -> None:
    clock.advance(10)
    changed = api.contacts()[0]
    api.send("POST", {"Contacts": [{"ContactID": changed["ContactID"], "Website": "https://x.nz"}]})
    before = clock.utcnow() - timedelta(seconds=1)
    for header in (
        format_datetime(before, usegmt=True),
        before.strftime("%Y-%m-%dT%H:%M:%S"),
        before.isoformat(),
    ):
        found = api.contacts(headers={"If-Modified-Since": header})
        assert [c["ContactID"] for c in found] == [changed["ContactID"]], header
    after = format_datetime(clock.utcnow() + timedelta(seconds=1), usegmt=True)
    assert api.contacts(headers={"If-Modified-Since": after}) == []


def test_order_by_a_field_and_where_is_refused(api: Api, clock: FakeClock) -> None:
    clock.advance(10)
    last = api.contacts()[4]
    api.send("POST", {"Website": "https://late.example.nz"}, path="/" + last["ContactID"])
    newest_first = api.contacts(order="UpdatedDateUTC DESC")
    assert newest_first[0]["ContactID"] == last["ContactID"]
    stamps = [int(re.sub(r"\D", "", c["UpdatedDateUTC"][:-7])) for c in newest_first]
    assert stamps == sorted(stamps, reverse=True)
    emails = [c["EmailAddress"].casefold() for c in api.contacts(order="EmailAddress")]
    assert emails == sorted(emails)
    assert api.get(order="Name; DROP TABLE").status_code == 400
    refused = api.get(where='Name=="X"')
    assert refused.status_code == 400 and "where" in refused.json()["Message"]


def test_get_one_and_404(api: Api) -> None:
    contact = api.contacts()[2]
    one = api.get("/" + contact["ContactID"])
    assert one.status_code == 200 and one.json()["Contacts"] == [contact]
    missing = api.get("/" + "12345678-1234-4234-8234-123456789012")
    assert missing.status_code == 404


def test_sample_contacts_carry_xeros_extra_fields(clock: FakeClock) -> None:
    for api in _serve(60, clock):
        contacts = api.contacts(includeArchived="true")
        keys = set().union(*(c.keys() for c in contacts))
        for key in ("FirstName", "LastName", "CompanyNumber", "AccountNumber", "TaxNumber",
                    "ContactPersons", "ContactGroups", "PaymentTerms", "IsSupplier", "IsCustomer",
                    "BankAccountDetails", "DefaultCurrency", "SalesDefaultLineAmountType"):  # fmt: skip
            assert key in keys, key
        assert any(c["ContactPersons"] for c in contacts)
        assert any(c["ContactGroups"] for c in contacts)
        assert any(not c["Name"].isascii() for c in contacts)
        assert len({c["Name"].casefold() for c in contacts}) == 60
        assert [c["ContactStatus"] for c in contacts].count("GDPRREQUEST") == 1


# --- writing --------------------------------------------------------------------------------
def test_only_the_fields_sent_change(api: Api, clock: FakeClock) -> None:
    before = api.contacts()[0]
    clock.advance(5)
    sent = {
        "ContactID": before["ContactID"],
        "EmailAddress": "new.address@example.org",
        "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "021 555 0000"}],
        "CustomThing": {"kept": ["as", "sent"]},
    }
    response = api.send("POST", {"Contacts": [sent]})
    assert response.status_code == 200, response.text
    after = api.get("/" + before["ContactID"]).json()["Contacts"][0]
    assert after["EmailAddress"] == "new.address@example.org"
    assert after["CustomThing"] == {"kept": ["as", "sent"]}
    assert after["Name"] == before["Name"] and after["Addresses"] == before["Addresses"]
    phones = {p["PhoneType"]: p for p in after["Phones"]}
    assert phones["MOBILE"] == {"PhoneType": "MOBILE", "PhoneNumber": "021 555 0000"}
    for kind in ("DEFAULT", "DDI", "FAX"):
        assert phones[kind] == next(p for p in before["Phones"] if p["PhoneType"] == kind)
    assert after["UpdatedDateUTC"] != before["UpdatedDateUTC"]
    assert after["UpdatedDateUTC"] == "/Date(1714564805000+0000)/"


def test_post_to_one_contact_and_its_404(api: Api) -> None:
    target = api.contacts()[1]
    response = api.send("POST", {"Name": "Renamed Ltd"}, path="/" + target["ContactID"])
    assert response.status_code == 200
    assert api.stored(target["ContactID"])["Name"] == "Renamed Ltd"
    missing = api.send("POST", {"Name": "X"}, path="/12345678-1234-4234-8234-123456789012")
    assert missing.status_code == 404


def test_put_creates_and_post_without_id_creates(api: Api) -> None:
    count = len(api.service.state()["contacts"])
    made = api.send("PUT", {"Contacts": [{"Name": "Ōtaki Joinery"}, {"Name": "Café Zürich"}]})
    assert made.status_code == 200
    posted = api.send("POST", {"Contacts": [{"Name": "Đà Lạt Trà"}]}).json()["Contacts"][0]
    assert posted["ContactStatus"] == "ACTIVE" and posted["IsCustomer"] is False
    assert [p["PhoneType"] for p in posted["Phones"]] == ["DEFAULT", "DDI", "FAX", "MOBILE"]
    assert len(api.service.state()["contacts"]) == count + 3


def test_read_only_fields_are_not_taken_from_a_request(api: Api) -> None:
    target = api.contacts()[0]
    sent = {"ContactID": target["ContactID"], "IsSupplier": not target["IsSupplier"],
            "UpdatedDateUTC": "/Date(0+0000)/", "HasValidationErrors": True}  # fmt: skip
    after = api.send("POST", {"Contacts": [sent]}).json()["Contacts"][0]
    assert after["IsSupplier"] == target["IsSupplier"]
    assert after["HasValidationErrors"] is False and after["UpdatedDateUTC"] != "/Date(0+0000)/"


def test_post_with_an_unknown_contact_id_is_a_validation_error(api: Api) -> None:
    response = api.send(
        "POST", {"Contacts": [{"ContactID": "12345678-1234-4234-8234-123456789012", "Name": "X"}]}
    )
    assert response.status_code == 400
    assert "not found" in response.json()["Elements"][0]["ValidationErrors"][0]["Message"]


@pytest.mark.parametrize(
    ("element", "fragment"),
    [
        ({}, "name must be specified"),
        ({"Name": "   "}, "name must be specified"),
        ({"Name": "A", "EmailAddress": "not an address"}, "Email address"),
        ({"Name": "A", "ContactStatus": "GDPRREQUEST"}, "ContactStatus"),
        ({"Name": "A", "Phones": [{"PhoneType": "PAGER"}]}, "PhoneType"),
    ],
)
def test_validation_rules(api: Api, element: dict[str, Any], fragment: str) -> None:
    response = api.send("PUT", {"Contacts": [element]})
    assert response.status_code == 400
    messages = [e["Message"] for e in response.json()["Elements"][0]["ValidationErrors"]]
    assert any(fragment in m for m in messages), messages


def test_summarize_errors_false_saves_the_good_ones(api: Api) -> None:
    taken = api.contacts()[0]["Name"]
    batch = {"Contacts": [{"Name": "Fresh One"}, {"Name": taken}, {"Name": "Fresh Two"}]}
    count = len(api.service.state()["contacts"])
    assert api.send("PUT", batch).status_code == 400
    assert len(api.service.state()["contacts"]) == count  # all or nothing
    response = api.send("PUT", batch, summarizeErrors="false")
    assert response.status_code == 200
    elements = response.json()["Contacts"]
    assert [e["HasValidationErrors"] for e in elements] == [False, True, False]
    assert [e["StatusAttributeString"] for e in elements] == ["OK", "ERROR", "OK"]
    assert elements[1]["ValidationErrors"] == [
        {"Message": DUPLICATE.replace("Buzz Lightyear", taken)}
    ]
    assert len(api.service.state()["contacts"]) == count + 2


def test_names_must_differ_within_one_batch(api: Api) -> None:
    response = api.send("PUT", {"Contacts": [{"Name": "Twin"}, {"Name": "twin"}]})
    assert response.status_code == 400
    errors = [e["ValidationErrors"] for e in response.json()["Elements"]]
    assert errors[0] == [] and len(errors[1]) == 1


def test_archive_frees_the_name_and_unarchive_checks_it(api: Api) -> None:
    target = api.contacts()[0]
    archived = api.send("POST", {"ContactStatus": "ARCHIVED"}, path="/" + target["ContactID"])
    assert archived.json()["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert target["ContactID"] not in {c["ContactID"] for c in api.contacts()}
    assert api.send("PUT", {"Contacts": [{"Name": target["Name"]}]}).status_code == 200
    back = api.send("POST", {"ContactStatus": "ACTIVE"}, path="/" + target["ContactID"])
    assert back.status_code == 400
    assert "already assigned" in back.json()["Elements"][0]["ValidationErrors"][0]["Message"]


def test_a_gdpr_contact_cannot_be_changed(api: Api) -> None:
    gdpr = next(
        c for c in api.contacts(includeArchived="true") if c["ContactStatus"] == "GDPRREQUEST"
    )
    response = api.send("POST", {"Contacts": [{"ContactID": gdpr["ContactID"], "Name": "Back"}]})
    assert response.status_code == 400
    message = response.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    assert "GDPR" in message
    assert api.stored(gdpr["ContactID"]) == gdpr


def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    response = HTTP.put(api.url, content=b"<Contacts/>", headers=api.headers)
    assert response.status_code == 400 and response.json()["Type"] == "PostDataInvalidException"
    response = api.send("PUT", {"Contacts": "nope"})
    assert response.status_code == 400


# --- idempotency ----------------------------------------------------------------------------
def test_the_same_idempotency_key_replays_the_answer(api: Api) -> None:
    count = len(api.service.state()["contacts"])
    first = api.send(
        "PUT", {"Contacts": [{"Name": "Once Only"}]}, headers={"Idempotency-Key": "k-1"}
    )
    again = api.send(
        "PUT", {"Contacts": [{"Name": "Once Only"}]}, headers={"Idempotency-Key": "k-1"}
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(api.service.state()["contacts"]) == count + 1
    other = api.send(
        "PUT", {"Contacts": [{"Name": "Something Else"}]}, headers={"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 400 and "Idempotency-Key" in other.json()["Detail"]
    for bad in ("", "x" * 129):
        response = api.send("PUT", {"Contacts": [{"Name": "Z"}]}, headers={"Idempotency-Key": bad})
        assert response.status_code == 400
    assert len(api.service.state()["contacts"]) == count + 1


def test_idempotency_keys_belong_to_one_tenant(clock: FakeClock) -> None:
    for api in _serve(2, clock, tenants=2):
        other = dict(api.headers, **{"xero-tenant-id": api.service.tenants[1].tenant_id})
        body = {"Contacts": [{"Name": "Twice"}]}
        assert api.send("PUT", body, headers={"Idempotency-Key": "same"}).status_code == 200
        response = api.send("PUT", body, headers={**other, "Idempotency-Key": "same"})
        assert response.status_code == 200
        tenants = api.service.state()["tenants"]
        assert [sum(c["Name"] == "Twice" for c in t["contacts"]) for t in tenants] == [1, 1]


# --- rate limits ----------------------------------------------------------------------------
def test_every_answer_carries_the_remaining_headers(api: Api) -> None:
    answers = [api.get(), api.get("/" + "12345678-1234-4234-8234-123456789012"),
               api.send("PUT", {"Contacts": [{}]}), api.send("PUT", {"Contacts": [{"Name": "Q"}]})]  # fmt: skip
    assert [a.status_code for a in answers] == [200, 404, 400, 200]
    for n, answer in enumerate(answers, start=1):
        assert answer.headers["X-MinLimit-Remaining"] == str(60 - n)
        assert answer.headers["X-DayLimit-Remaining"] == str(5000 - n)
        assert answer.headers["X-AppMinLimit-Remaining"] == str(10000 - n)


def test_the_minute_limit_answers_429_until_the_window_moves(clock: FakeClock) -> None:
    for api in _serve(2, clock, minute_limit=3):
        assert [api.get().status_code for _ in range(3)] == [200, 200, 200]
        clock.advance(20)
        refused = api.get()
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "minute"
        assert refused.headers["Retry-After"] == "40"
        assert refused.headers["X-MinLimit-Remaining"] == "0"
        clock.advance(40)
        assert api.get().status_code == 200


def test_the_day_limit_answers_429_day(clock: FakeClock) -> None:
    for api in _serve(2, clock, day_limit=2, access_token_lifetime=86400):
        assert api.get().status_code == 200
        clock.advance(3600)
        assert api.get().status_code == 200
        refused = api.get()
        assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
        assert refused.headers["Retry-After"] == str(86400 - 3600)
        assert refused.headers["X-DayLimit-Remaining"] == "0"


def test_more_than_five_in_flight_answers_429_concurrent(clock: FakeClock) -> None:
    for api in _serve(2, clock):
        api.service.call_delay = 0.6
        results: list[httpx.Response] = []
        threads = [
            threading.Thread(target=lambda r=results, a=api: r.append(a.get())) for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200] * 5 + [429]
        refused = next(r for r in results if r.status_code == 429)
        assert refused.headers["X-Rate-Limit-Problem"] == "concurrent"
        assert refused.headers["Retry-After"] == "1"


def test_limits_switched_off_never_refuse(clock: FakeClock) -> None:
    for api in _serve(1, clock, minute_limit=2):
        HTTP.post(api.base + "/_sandbox/limits", json={"enabled": False})
        assert {api.get().status_code for _ in range(5)} == {200}


# --- admin side and faults ------------------------------------------------------------------
def test_admin_edit_of_flags_keeps_the_date_but_a_name_edit_moves_it(
    api: Api, clock: FakeClock
) -> None:
    target = api.contacts()[0]
    clock.advance(30)
    api.service.edit(target["ContactID"], {"IsSupplier": not target["IsSupplier"]})
    flagged = api.stored(target["ContactID"])
    assert flagged["IsSupplier"] != target["IsSupplier"]
    assert flagged["UpdatedDateUTC"] == target["UpdatedDateUTC"]
    HTTP.post(
        api.base + "/_sandbox/edit",
        json={"id": target["ContactID"], "changes": {"Name": "Edited There"}},
    )
    edited = api.stored(target["ContactID"])
    assert edited["Name"] == "Edited There" and edited["UpdatedDateUTC"] != target["UpdatedDateUTC"]


def test_admin_delete_archives(api: Api) -> None:
    target = api.contacts()[0]
    assert (
        HTTP.post(api.base + "/_sandbox/delete", json={"id": target["ContactID"]}).status_code
        == 200
    )
    assert api.stored(target["ContactID"])["ContactStatus"] == "ARCHIVED"
    assert api.get("/" + target["ContactID"]).status_code == 200  # still there, archived


def test_admin_reset_gives_fresh_contacts_and_keeps_tokens(api: Api) -> None:
    api.send("PUT", {"Contacts": [{"Name": "Gone After Reset"}]})
    assert HTTP.post(api.base + "/_sandbox/reset", json={"contacts": 3}).status_code == 200
    names = [c["Name"] for c in api.contacts(includeArchived="true")]
    assert len(names) == 3 and "Gone After Reset" not in names


def test_fault_status(api: Api) -> None:
    api.service.add_fault("status", status=503, retry_after=4)
    response = api.get()
    assert response.status_code == 503 and response.headers["Retry-After"] == "4"
    assert api.get().status_code == 200


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_fault_bodies_are_not_json(api: Api, kind: str) -> None:
    api.service.add_fault(kind)
    response = api.get()
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert api.get().json()["Status"] == "OK"


def test_state_lists_every_tenant(clock: FakeClock) -> None:
    for api in _serve(3, clock, tenants=2):
        state = api.service.state()
        assert [t["tenantId"] for t in state["tenants"]] == [
            t.tenant_id for t in api.service.tenants
        ]
        assert state["contacts"] == state["tenants"][0]["contacts"]
        assert len(state["tenants"][1]["contacts"]) == 3


def test_the_shared_fixture_gives_a_working_account(xero: SandboxServer) -> None:
    account = sandbox_account(xero)
    assert account["service"] == "xero" and account["url"] == xero.url + "/api.xro/2.0"
    settings = account["settings"]
    token = HTTP.post(
        settings["token_url"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": account["secrets"]["refresh_token"],
            "client_id": settings["client_id"],
        },
    ).json()
    bearer = {"Authorization": "Bearer " + token["access_token"]}
    tenants = HTTP.get(settings["connections_url"], headers=bearer).json()
    listing = HTTP.get(
        account["url"] + "/Contacts",
        params={"includeArchived": "true"},
        headers={**bearer, "xero-tenant-id": tenants[0]["tenantId"]},
    )
    assert len(listing.json()["Contacts"]) == 5


# --- pageSize, pagination, the request log ---------------------------------------------------
def _get_json(url: str, path: str, token: str, tenant: str) -> tuple[int, Any]:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url + path, headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_page_size_and_pagination_as_xero_documents(xero: SandboxServer) -> None:
    from addressbook.sandbox.xero import XeroService

    xero.service = service = XeroService(contacts=2500, seed=3)
    token = service.issue_tokens()["access_token"]
    tenant = service.tenants[0].tenant_id
    status, page = _get_json(
        xero.url, "/api.xro/2.0/Contacts?page=3&pageSize=1000&includeArchived=true", token, tenant
    )
    assert status == 200
    assert page["pagination"] == {"page": 3, "pageSize": 1000, "pageCount": 3, "itemCount": 2500}
    assert len(page["Contacts"]) == 500
    status, page = _get_json(xero.url, "/api.xro/2.0/Contacts?page=1", token, tenant)
    assert page["pagination"]["pageSize"] == 100 and len(page["Contacts"]) == 100
    status, refused = _get_json(
        xero.url, "/api.xro/2.0/Contacts?page=1&pageSize=1001", token, tenant
    )
    assert status == 400 and "pageSize must be from 1 to 1000" in refused["Message"]
    service.page_size_mode = "refuse"
    status, _ = _get_json(xero.url, "/api.xro/2.0/Contacts?page=1&pageSize=500", token, tenant)
    assert status == 400
    service.page_size_mode = "ignore"
    status, page = _get_json(xero.url, "/api.xro/2.0/Contacts?page=1&pageSize=500", token, tenant)
    assert status == 200 and len(page["Contacts"]) == 100 and "pagination" not in page
    logged = [(m, p, q) for m, p, q in service.request_log if p.endswith("/Contacts")]
    assert len(logged) == 5 and logged[0][2]["pageSize"] == ["1000"]


def test_ids_filter_and_the_admin_request_log(xero: SandboxServer) -> None:
    import json
    import urllib.request

    from addressbook.sandbox.xero import XeroService

    xero.service = service = XeroService(contacts=60, seed=4)
    token = service.issue_tokens()["access_token"]
    tenant = service.tenants[0].tenant_id
    ids = [c["ContactID"] for c in service.state()["contacts"] if c["ContactStatus"] == "ACTIVE"][
        :3
    ]
    status, page = _get_json(xero.url, "/api.xro/2.0/Contacts?IDs=" + ",".join(ids), token, tenant)
    assert status == 200 and sorted(c["ContactID"] for c in page["Contacts"]) == sorted(ids)
    with urllib.request.urlopen(xero.url + "/_sandbox/requests") as answer:
        log = json.loads(answer.read())
    assert log[-1]["query"] == {"IDs": [",".join(ids)]}
    urllib.request.urlopen(urllib.request.Request(xero.url + "/_sandbox/clear-requests", b"{}"))
    assert service.request_log == []
