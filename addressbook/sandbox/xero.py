"""The Xero Accounting API 2.0 stand-in (service `xero`), from seed 002 and SERVICES.md.

Identity (OAuth 2.0 authorization code with PKCE, a public client: no secret; the
identity provider is sandbox/xero_identity.py, which this service builds on):
    GET  /identity/connect/authorize   consent page (Allow / Deny, a form POST back);
                                       `prompt=none` (or auto_approve=True) redirects at once
    POST /identity/connect/authorize   the consent form's answer → 302 to redirect_uri
    POST /connect/token                form-encoded: authorization_code (S256 verified) or
                                       refresh_token (rotated: a used refresh token is dead)
    POST /connect/revocation           form-encoded token + client_id: the consent ends
    GET  /connections                  the tenants (organisations) the user connected
API (bearer token + `xero-tenant-id` header; JSON):
    GET  /api.xro/2.0/Contacts[?page=&pageSize=&includeArchived=&IDs=&searchTerm=]
                                       If-Modified-Since; a paged answer (page given) carries
                                       `pagination` {page, pageSize, pageCount, itemCount};
                                       pageSize 1..1000, default 100 (`page_size_mode`
                                       'refuse' answers 400 to it, 'ignore' pages by 100)
    GET  /api.xro/2.0/Contacts/{ContactID}
    PUT  /api.xro/2.0/Contacts          bulk create (a known ContactID updates; an unknown one
                                       is created with that ID, as seed 002's example needs)
    POST /api.xro/2.0/Contacts          bulk create-or-update matched on ContactID
    POST /api.xro/2.0/Contacts/{ContactID}   update one

Choices where the documents are silent (the sandbox's, not necessarily Xero's):
- refresh tokens are strictly single-use by default; SERVICES.md's 30-minute grace for a
  lost answer is available as `refresh_grace_seconds=1800` (a re-used token then gets a
  new pair once, provided the pair it produced was never used).
- an `Idempotency-Key` reused with a different method, path or body → 400 problem JSON;
  with the same request → the stored answer again (nothing is written twice). Answers
  429 and 5xx are not stored, so a retry after them really runs.
- POST with an unknown ContactID is a validation error on that element.
- IsSupplier/IsCustomer are read-only through the API and their change (on the service
  side, `edit`) does not move UpdatedDateUTC, as SERVICES.md says.
- `Accept` that rules out JSON → 406 (real Xero would answer XML).
- listings are ordered by Name (then ContactID); `order=Field [ASC|DESC]` sorts by any
  top-level field; `where` is refused with a 400 (not implemented); `summaryOnly` is
  ignored (full records come back).

This module imports nothing from addressbook.connectors or addressbook.sync.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from addressbook.sandbox import sample
from addressbook.sandbox.core import RateWindow, Request, Response
from addressbook.sandbox.xero_identity import (
    AuthCode,
    Grant,
    RefreshToken,
    Refused,
    XeroIdentity,
    problem,
    s256,  # noqa: F401 - kept importable from here
)
from addressbook.sandbox.xero_legacy import parse_iso_micro, split_phone

API_PREFIX = "/api.xro/2.0"
PAGE_SIZE = 100  # the default page
MAX_PAGE_SIZE = 1000  # the most `pageSize` takes (since July 2024)
ZERO_ID = "00000000-0000-0000-0000-000000000000"
PHONE_TYPES = ("DEFAULT", "DDI", "FAX", "MOBILE")
ADDRESS_TYPES = ("STREET", "POBOX")
KNOWN_ADDRESS_TYPES = ("STREET", "POBOX", "DELIVERY")
STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
# Sent by clients in a round trip but owned by the service: never stored from a request.
READ_ONLY = frozenset(
    {
        "UpdatedDateUTC",
        "HasValidationErrors",
        "ValidationErrors",
        "Warnings",
        "StatusAttributeString",
        "IsSupplier",
        "IsCustomer",
        "HasAttachments",
        "Balances",
    }
)
FLAG_FIELDS = frozenset({"IsSupplier", "IsCustomer", "Balances"})
DUPLICATE_NAME = (
    "The contact name {name} is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)
GDPR_REFUSAL = (
    "This contact was redacted at the contact's request (GDPR) and can no longer be changed."
)
TENANT_NAMES = (
    "Demo Company (NZ)",
    "Ōtautahi Plumbing Ltd",
    "Müller & Söhne GmbH",
    "Phở Sài Gòn Co.",
    "شركة النخيل للتجارة",
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = {"en": "NZD", "mi": "NZD", "de": "EUR", "el": "EUR", "vi": "VND", "ar": "AED",
             "zh": "CNY", "ja": "JPY", "ru": "RUB"}  # fmt: skip


def name_key(name: Any) -> str:
    """How names compare for uniqueness: trimmed, case-folded."""
    return str(name or "").strip().casefold()


def date_json(millis: int, offset: bool = True) -> str:
    """`/Date(1551399321043+0000)/`, the 2.0 JSON date form (seed 002)."""
    return f"/Date({millis}+0000)/" if offset else f"/Date({millis})/"


def parse_if_modified_since(text: str) -> int | None:
    """Milliseconds since the epoch, to the second, from an RFC 1123 or ISO date; None if bad."""
    text = text.strip()
    micros = parse_iso_micro(text)
    if micros is not None:
        return micros // 1_000_000 * 1000
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1000


# --- sample data ----------------------------------------------------------------------------
def _phone_record(kind: str, text: str = "") -> dict[str, str]:
    country, area, number = split_phone(text) if text else ("", "", "")
    return {
        "PhoneType": kind,
        "PhoneNumber": number,
        "PhoneAreaCode": area,
        "PhoneCountryCode": country,
    }


def _empty_address(kind: str) -> dict[str, str]:
    return {"AddressType": kind, "City": "", "Region": "", "PostalCode": "", "Country": ""}


def sample_contacts(n: int, seed: int) -> list[dict[str, Any]]:
    """`n` deterministic 2.0 contacts from `sample`, with Xero's extra fields filled in.

    Index 2 is a GDPRREQUEST contact (redacted) and every 23rd from index 4 is ARCHIVED,
    so even the test fixtures' five contacts hold one of each.
    """
    firms = sample.companies(sample.company_count(n), seed) if n else []
    folk = sample.people(n, seed, companies=len(firms) or 1)
    taken: set[str] = set()
    groups = [
        {"ContactGroupID": str(uuid.UUID(int=seed * 7919 + k, version=4)), "Name": name,
         "Status": "ACTIVE", "Contacts": []}
        for k, name in enumerate(("Trade partners", "Stammkunden", "VIP ✨"))
    ]  # fmt: skip
    contacts = []
    for i, person in enumerate(folk):
        rng = random.Random(f"xero:{seed}:{i}")
        firm = firms[person.company]
        name = person.display_name
        if i % 4 == 3 and firm.name.casefold() not in taken:
            name = firm.name
        if name.casefold() in taken:
            name = f"{name} ({i})"
        taken.add(name.casefold())
        contacts.append(_sample_contact(i, rng, person, firm, name, folk, groups))
    for i in range(4, n, 23):
        contacts[i]["ContactStatus"] = "ARCHIVED"
    if n > 2:
        contacts[2].update(
            ContactStatus="GDPRREQUEST",
            Name=f"Redacted contact {contacts[2]['ContactID'][:8]}",
            FirstName="",
            LastName="",
            EmailAddress="",
            ContactPersons=[],
        )
    return contacts


def _sample_addresses(rng: random.Random, person: sample.Person) -> list[dict[str, str]]:
    """A full STREET address and a POBOX one (empty for most, as Xero shows it)."""
    street: dict[str, str] = {"AddressType": "STREET"}
    for k, line in enumerate(person.address_lines[:4], start=1):
        street[f"AddressLine{k}"] = line
    street.update(
        City=person.city, Region=person.region, PostalCode=person.postcode, Country=person.country
    )
    if rng.random() < 0.2:
        street["AttentionTo"] = person.display_name
    pobox = _empty_address("POBOX")
    if rng.random() < 0.3:
        pobox = {"AddressType": "POBOX", "AddressLine1": f"PO Box {rng.randrange(1, 9999)}",
                 "City": person.city, "Region": person.region, "PostalCode": person.postcode,
                 "Country": person.country}  # fmt: skip
    return [street, pobox]


def _sample_contact(
    i: int,
    rng: random.Random,
    person: sample.Person,
    firm: sample.Company,
    name: str,
    folk: list[sample.Person],
    groups: list[dict[str, Any]],
) -> dict[str, Any]:
    kinds = {"DEFAULT": "work", "DDI": "ddi", "FAX": "fax", "MOBILE": "mobile"}
    addresses = _sample_addresses(rng, person)
    phones = [_phone_record(kind, person.phones.get(key, "")) for kind, key in kinds.items()]
    contact: dict[str, Any] = {
        "ContactID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "ContactStatus": "ACTIVE",
        "Name": name,
        "FirstName": person.given,
        "LastName": person.family,
        "EmailAddress": person.email,
        "BankAccountDetails": f"{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}-"
        f"{rng.randrange(1000000, 9999999)}-00"
        if rng.random() < 0.5
        else "",
        "Addresses": addresses,
        "Phones": phones,
    }
    if rng.random() < 0.6:
        contact["ContactNumber"] = f"C{20190000 + i}"
    if rng.random() < 0.5:
        contact["AccountNumber"] = f"ACC-{i:05d}"
    if rng.random() < 0.3:
        contact["CompanyNumber"] = f"NZBN{rng.randrange(10**12, 10**13)}"
    if firm.tax_number:
        contact["TaxNumber"] = firm.tax_number
    if firm.website and name == firm.name:
        contact["Website"] = firm.website
    contact.update(
        UpdatedDateUTC=date_json(1551399321043 + i * 61_000 + rng.randrange(60_000)),
        ContactGroups=[copy.deepcopy(rng.choice(groups))] if rng.random() < 0.25 else [],
        IsSupplier=rng.random() < 0.3,
        IsCustomer=rng.random() < 0.7,
        DefaultCurrency=_CURRENCY.get(person.locale, "USD"),
        SalesDefaultLineAmountType=rng.choice(("INCLUSIVE", "EXCLUSIVE")),
        PurchasesDefaultLineAmountType=rng.choice(("INCLUSIVE", "EXCLUSIVE")),
        SalesTrackingCategories=[],
        PurchasesTrackingCategories=[],
    )
    if rng.random() < 0.4:
        contact["PaymentTerms"] = {
            "Bills": {"Day": rng.randrange(1, 31), "Type": "OFCURRENTMONTH"},
            "Sales": {"Day": rng.randrange(1, 31), "Type": "DAYSAFTERBILLDATE"},
        }
    contact["ContactPersons"] = []
    if rng.random() < 0.3:
        other = folk[rng.randrange(len(folk))]
        contact["ContactPersons"].append(
            {"FirstName": other.given, "LastName": other.family, "EmailAddress": other.email,
             "IncludeInEmails": rng.random() < 0.5}
        )  # fmt: skip
    contact["HasValidationErrors"] = False
    return contact


# --- records --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stored:
    """One contact as served: `data` is answer-ready and never mutated (copy on write)."""

    data: dict[str, Any]
    updated_ms: int
    search_text: str
    sort_key: tuple[str, str]

    @classmethod
    def of(cls, data: dict[str, Any], updated_ms: int) -> Stored:
        """Wrap `data`, setting its UpdatedDateUTC to `updated_ms`."""
        data["UpdatedDateUTC"] = date_json(updated_ms)
        text = "\n".join(
            str(data.get(key) or "") for key in ("Name", "FirstName", "LastName", "EmailAddress")
        )
        return cls(
            data,
            updated_ms,
            text.casefold(),
            (str(data.get("Name", "")).casefold(), data["ContactID"]),
        )

    @functools.cached_property
    def json_bytes(self) -> bytes:
        """`data` serialised once: listings join these instead of dumping dicts again."""
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def active(self) -> bool:
        """Whether the contact is ACTIVE (listed by default, its name taken)."""
        return bool(self.data.get("ContactStatus") == "ACTIVE")


def _millis(date: str) -> int:
    match = re.search(r"\((-?\d+)", date)
    return int(match.group(1)) if match else 0


def merge_typed(old: list[Any], sent: Any, key: str) -> list[Any]:
    """Sent items replace the old item of the same type; other types stay."""
    if not isinstance(sent, list):
        return sent  # refused by validation
    result = list(old)
    for item in sent:
        kind = str(item.get(key, "")).upper() if isinstance(item, dict) else None
        at = next((n for n, o in enumerate(result) if str(o.get(key, "")).upper() == kind), None)
        if at is None:
            result.append(item)
        else:
            result[at] = item
    return result


def merge_contact(old: dict[str, Any], sent: dict[str, Any], owner: bool = False) -> dict[str, Any]:
    """`old` with the fields of `sent` applied (only the fields sent change).

    `owner` (a change on the service side) may also set the read-only fields.
    """
    new = dict(old)
    for key, value in sent.items():
        if key in READ_ONLY and not (owner and key in FLAG_FIELDS):
            continue
        if key == "Phones":
            new[key] = merge_typed(old.get(key, []), value, "PhoneType")
        elif key == "Addresses":
            new[key] = merge_typed(old.get(key, []), value, "AddressType")
        elif key == "PaymentTerms" and isinstance(value, dict):
            new[key] = {**(old.get(key) or {}), **value}
        else:
            new[key] = value
    return new


def new_contact_defaults(contact_id: str) -> dict[str, Any]:
    """What Xero fills in on a new contact (seed 002's answer shows these)."""
    return {
        "ContactID": contact_id,
        "ContactStatus": "ACTIVE",
        "Addresses": [_empty_address(kind) for kind in ADDRESS_TYPES],
        "Phones": [_phone_record(kind) for kind in PHONE_TYPES],
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "SalesDefaultLineAmountType": "INCLUSIVE",
        "PurchasesDefaultLineAmountType": "INCLUSIVE",
        "SalesTrackingCategories": [],
        "PurchasesTrackingCategories": [],
        "ContactPersons": [],
        "HasValidationErrors": False,
    }


def _shape_errors(merged: dict[str, Any]) -> list[str]:
    errors = []
    for key, kinds, type_key in (
        ("Phones", PHONE_TYPES, "PhoneType"),
        ("Addresses", KNOWN_ADDRESS_TYPES, "AddressType"),
    ):
        items = merged.get(key)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            errors.append(f"{key} must be a list of objects.")
            continue
        for item in items:
            if str(item.get(type_key, "")).upper() not in kinds:
                errors.append(
                    f"{type_key} {item.get(type_key)!r} is not one of {', '.join(kinds)}."
                )
    for key in ("ContactPersons", "ContactGroups"):
        if not isinstance(merged.get(key, []), list):
            errors.append(f"{key} must be a list.")
    return errors


def echo_element(sent: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """A refused element as the ValidationException shows it (seed 002's 400 answer)."""
    element = copy.deepcopy(sent)
    element.setdefault("ContactID", ZERO_ID)
    for key in ("Addresses", "Phones"):
        if isinstance(element.get(key), list):
            for item in element[key]:
                if isinstance(item, dict):
                    item.setdefault("ValidationErrors", [])
    terms = element.get("PaymentTerms")
    if isinstance(terms, dict):
        for part in terms.values():
            if isinstance(part, dict):
                part.setdefault("ValidationErrors", [])
    element.setdefault("ContactGroups", [])
    element.setdefault("ContactPersons", [])
    element["HasValidationErrors"] = bool(errors)
    element["ValidationErrors"] = [{"Message": message} for message in errors]
    return element


# --- tenants, tokens, limits --------------------------------------------------------------
@dataclass
class Tenant:
    """One organisation: its contacts, idempotency memory and rate windows."""

    connection_id: str
    tenant_id: str
    name: str
    created: str
    contacts: dict[str, Stored] = field(default_factory=dict)
    active_names: dict[str, str] = field(default_factory=dict)  # casefold name -> ContactID
    # (includeArchived, order field, descending) -> the contacts in that order
    views: dict[tuple[bool, str, bool], list[Stored]] = field(default_factory=dict)
    idempotent: dict[str, tuple[str, Response]] = field(default_factory=dict)
    minute: RateWindow = field(default_factory=lambda: RateWindow(60, 60))
    day: RateWindow = field(default_factory=lambda: RateWindow(5000, 86400))
    in_flight: int = 0

    def put(self, stored: Stored) -> None:
        """Store a contact version and keep the name index and sorted views right."""
        old = self.contacts.get(stored.data["ContactID"])
        if old is not None and old.active:
            self.active_names.pop(name_key(old.data.get("Name")), None)
        self.contacts[stored.data["ContactID"]] = stored
        if stored.active:
            self.active_names[name_key(stored.data.get("Name"))] = stored.data["ContactID"]
        self.views.clear()

    def view(self, include_archived: bool, order: str = "Name", desc: bool = False) -> list[Stored]:
        """The contacts in listing order (cached until the next write)."""
        key = (include_archived, order, desc)
        cached = self.views.get(key)
        if cached is None:
            chosen = [s for s in self.contacts.values() if include_archived or s.active]
            if order == "Name":
                chosen.sort(key=lambda s: s.sort_key, reverse=desc)
            elif order == "UpdatedDateUTC":
                chosen.sort(key=lambda s: (s.updated_ms, s.data["ContactID"]), reverse=desc)
            else:
                chosen.sort(key=lambda s: _order_key(s, order), reverse=desc)
            cached = self.views[key] = chosen
        return cached


class XeroService(XeroIdentity):
    """Xero Accounting API 2.0 with its identity service: PKCE sign-in, tenants, contacts."""

    name = "xero"
    content_type = "json"

    def __init__(
        self,
        contacts: int = 0,
        seed: int = 1,
        *,
        tenants: int = 1,
        client_id: str | None = None,
        auto_approve: bool = False,
        access_token_lifetime: float = 1800.0,
        refresh_token_lifetime: float = 60 * 86400.0,
        refresh_grace_seconds: float = 0.0,
        minute_limit: int = 60,
        day_limit: int = 5000,
        concurrent_limit: int = 5,
        app_minute_limit: int = 10000,
        form_encoded_token_errors: bool = False,
        provider_name: str = "Xero API Partner",
        clock: Callable[[], float] | None = None,
        utcnow: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        rng = random.Random(f"xero-ids:{seed}")
        self.client_id = client_id or "".join(rng.choices("0123456789ABCDEF", k=32))
        self.auto_approve = auto_approve
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.refresh_grace_seconds = refresh_grace_seconds
        self.minute_limit, self.day_limit = minute_limit, day_limit
        self.concurrent_limit = concurrent_limit
        self.form_encoded_token_errors = form_encoded_token_errors
        self.provider_name = provider_name
        if clock is not None:
            self.clock = clock  # monotonic seconds: limits and token lifetimes
        if utcnow is not None:
            self.utcnow = utcnow  # wall time: record stamps and dates in answers
        self.call_delay = 0.0  # seconds each API call holds its in-flight slot (for tests)
        # 'honour' (Xero since July 2024), 'refuse' (400 to pageSize: an older organisation
        # or a proxy), 'ignore' (pages of 100 whatever is asked, no `pagination`)
        self.page_size_mode = "honour"
        self.app_minute = RateWindow(app_minute_limit, 60)
        self._limits_lock = threading.Lock()
        self._last_ms = 0
        self.codes: dict[str, AuthCode] = {}
        self.consents: dict[str, dict[str, str]] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, tuple[Grant, float]] = {}
        self.tenants: list[Tenant] = []
        for k in range(max(1, tenants)):
            self.tenants.append(self._make_tenant(k, rng, contacts, seed + k * 1000))

    def _make_tenant(self, k: int, rng: random.Random, contacts: int, seed: int) -> Tenant:
        created = datetime.fromtimestamp(1562715630 + k * 86400, UTC)
        stamp = f"{created:%Y-%m-%dT%H:%M:%S}.{rng.randrange(10**7):07d}"
        name = TENANT_NAMES[k % len(TENANT_NAMES)] + (
            f" {k // len(TENANT_NAMES) + 1}" if k >= len(TENANT_NAMES) else ""
        )
        tenant = Tenant(
            connection_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            tenant_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            name=name,
            created=stamp,
            minute=RateWindow(self.minute_limit, 60),
            day=RateWindow(self.day_limit, 86400),
        )
        _fill(tenant, contacts, seed)
        return tenant

    def reset(self, contacts: int = 0, seed: int = 1) -> None:
        """Fresh sample contacts in every tenant (tokens, tenants and limits stay)."""
        with self.lock:
            for k, tenant in enumerate(self.tenants):
                tenant.contacts.clear()
                tenant.active_names.clear()
                tenant.views.clear()
                tenant.idempotent.clear()
                _fill(tenant, contacts, seed + k * 1000)

    # --- account ------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        """A fresh refresh token, as if the user had signed in (skips the browser)."""
        return {"refresh_token": self.issue_tokens()["refresh_token"]}

    def account_settings(self, base_url: str) -> dict[str, Any]:
        """The account settings that point a connector at this sandbox."""
        return {
            "url": base_url + API_PREFIX,
            "client_id": self.client_id,
            "authorize_url": base_url + "/identity/connect/authorize",
            "token_url": base_url + "/connect/token",
            "connections_url": base_url + "/connections",
        }

    # --- dispatch -----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one request: identity endpoints, connections or the API."""
        path = request.path.rstrip("/")
        lowered = path.lower()
        try:
            if lowered == "/identity/connect/authorize":
                return self._authorize(request)
            if lowered == "/connect/token":
                return self._token(request)
            if lowered == "/connect/revocation":
                return self._revoke(request)
            if lowered == "/connections":
                self._grant_of(request)
                return Response.json([self._connection(t) for t in self.tenants])
            if lowered == API_PREFIX.lower() or lowered.startswith(API_PREFIX.lower() + "/"):
                return self._api(request, path[len(API_PREFIX) :])
            return problem(404, "NotFound", f"Nothing at {request.path}.")
        except Refused as refused:
            return refused.response

    def _connection(self, tenant: Tenant) -> dict[str, Any]:
        return {
            "id": tenant.connection_id,
            "authEventId": tenant.connection_id,
            "tenantId": tenant.tenant_id,
            "tenantType": "ORGANISATION",
            "tenantName": tenant.name,
            "createdDateUtc": tenant.created,
            "updatedDateUtc": tenant.created,
        }

    # --- the API: gatekeeping -----------------------------------------------------------
    def _api(self, request: Request, rest: str) -> Response:
        grant = self._grant_of(request)
        tenant_id = (request.header("xero-tenant-id") or "").strip().lower()
        tenant = next((t for t in self.tenants if t.tenant_id == tenant_id), None)
        if tenant is None:
            return problem(403, "Forbidden", "AuthenticationUnsuccessful")
        refusal = self._admit(tenant)
        if refusal is not None:
            return refusal
        try:
            if self.call_delay:
                time.sleep(self.call_delay)
            try:
                response = self._route(request, rest, tenant, grant)
            except Refused as refused:
                response = refused.response
        finally:
            with self._limits_lock:
                tenant.in_flight -= 1
        response.headers.update(self._remaining(tenant))
        return response

    def _admit(self, tenant: Tenant) -> Response | None:
        """Count the call against the tenant's limits, or the 429 answer if one is hit."""
        now = self.clock()
        with self._limits_lock:
            if self.limits_enabled:
                hit = None
                if tenant.in_flight >= self.concurrent_limit:
                    hit, wait = "concurrent", 1.0
                elif tenant.day.remaining(now) == 0:
                    hit, wait = "day", tenant.day.hit(now) or 1.0
                elif tenant.minute.remaining(now) == 0:
                    hit, wait = "minute", tenant.minute.hit(now) or 1.0
                elif self.app_minute.remaining(now) == 0:
                    hit, wait = "appminute", self.app_minute.hit(now) or 1.0
                if hit is not None:
                    seconds = max(1, int(wait + 0.999))
                    response = problem(
                        429,
                        "Too Many Requests",
                        f"Rate limit exceeded: the {hit} limit was hit; retry after {seconds} s.",
                        **{"X-Rate-Limit-Problem": hit, "Retry-After": str(seconds)},
                    )
                    response.headers.update(self._remaining(tenant, now))
                    return response
                tenant.day.hit(now)
                tenant.minute.hit(now)
                self.app_minute.hit(now)
            tenant.in_flight += 1
        return None

    def _remaining(self, tenant: Tenant, now: float | None = None) -> dict[str, str]:
        now = self.clock() if now is None else now
        return {
            "X-MinLimit-Remaining": str(tenant.minute.remaining(now)),
            "X-DayLimit-Remaining": str(tenant.day.remaining(now)),
            "X-AppMinLimit-Remaining": str(self.app_minute.remaining(now)),
        }

    def _route(self, request: Request, rest: str, tenant: Tenant, grant: Grant) -> Response:
        accept = (request.header("accept") or "").lower()
        if accept and "json" not in accept and "*/*" not in accept:
            return problem(406, "Not Acceptable", "The sandbox answers application/json only.")
        parts = [p for p in rest.split("/") if p]
        if not parts or parts[0].lower() != "contacts" or len(parts) > 2:
            return problem(404, "NotFound", f"The resource {request.path} was not found.")
        scopes = set(grant.scope.split())
        writing = request.method in ("PUT", "POST")
        allowed = (
            {"accounting.contacts"}
            if writing
            else {"accounting.contacts", "accounting.contacts.read"}
        )
        if not scopes & allowed:
            return problem(
                403, "Forbidden", "AuthorizationUnsuccessful: the token lacks the scope."
            )
        contact_id = parts[1] if len(parts) == 2 else None
        if request.method in ("GET", "HEAD"):
            return self._get_one(tenant, contact_id) if contact_id else self._list(request, tenant)
        if request.method == "PUT" and contact_id is None or request.method == "POST":
            return self._write(request, tenant, contact_id)
        return problem(405, "Method Not Allowed", f"{request.method} is not allowed here.")

    # --- the API: reading ---------------------------------------------------------------
    def _envelope(self, contacts: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": self.provider_name,
            "DateTimeUTC": date_json(self._now_ms(), offset=False),
            "Contacts": contacts,
        }

    def _list(self, request: Request, tenant: Tenant) -> Response:
        include_archived = (request.arg("includeArchived") or "").lower() == "true"
        ids = {i.strip().lower() for i in (request.arg("IDs") or "").split(",") if i.strip()}
        term = (request.arg("searchTerm") or "").casefold()
        since = None
        if request.header("if-modified-since"):
            since = parse_if_modified_since(request.header("if-modified-since") or "")
        page = None
        if request.arg("page") is not None:
            try:
                page = max(1, int(request.arg("page") or ""))
            except ValueError:
                return _validation_problem("page must be a whole number.")
        size = PAGE_SIZE
        if request.arg("pageSize") is not None and self.page_size_mode != "ignore":
            if self.page_size_mode == "refuse":
                return _validation_problem("The parameter pageSize is not supported.")
            try:
                size = int(request.arg("pageSize") or "")
            except ValueError:
                return _validation_problem("pageSize must be a whole number.")
            if not 1 <= size <= MAX_PAGE_SIZE:
                return _validation_problem(f"pageSize must be from 1 to {MAX_PAGE_SIZE}.")
        if request.arg("where"):
            return _validation_problem("The sandbox does not implement `where`: filter locally.")
        order = (request.arg("order") or "Name").split()
        if (
            len(order) > 2
            or not re.fullmatch(r"[A-Za-z]+", order[0] if order else "")
            or (len(order) == 2 and order[1].upper() not in ("ASC", "DESC"))
        ):
            return _validation_problem("order must be a field name, then ASC or DESC.")
        desc = len(order) == 2 and order[1].upper() == "DESC"
        with self.lock:
            chosen = tenant.view(include_archived, order[0], desc)
        if ids or term or since is not None:
            chosen = [
                s
                for s in chosen
                if (not ids or s.data["ContactID"].lower() in ids)
                and (since is None or s.updated_ms > since)
                and (not term or term in s.search_text)
            ]
        pagination = None
        if page is not None:
            count = len(chosen)
            if self.page_size_mode != "ignore":
                pagination = {
                    "page": page,
                    "pageSize": size,
                    "pageCount": (count + size - 1) // size,
                    "itemCount": count,
                }
            chosen = chosen[(page - 1) * size : page * size]
        return self._listing(chosen, pagination)

    def _listing(self, chosen: list[Stored], pagination: dict[str, int] | None = None) -> Response:
        """The envelope around `chosen`, from each contact's cached JSON."""
        envelope = self._envelope([])
        if pagination is not None:  # Xero puts it before the list
            envelope = {k: v for k, v in envelope.items() if k != "Contacts"}
            envelope.update(pagination=pagination, Contacts=[])
        head = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        body = b"".join(
            (head[: -len("]}")].encode("utf-8"), b",".join(s.json_bytes for s in chosen), b"]}")
        )
        return Response(200, body, {"Content-Type": "application/json; charset=utf-8"})

    def _get_one(self, tenant: Tenant, contact_id: str) -> Response:
        with self.lock:
            stored = self._find(tenant, contact_id)
        if stored is None:
            return problem(404, "NotFound", f"No contact with ContactID {contact_id}.")
        return self._listing([stored])

    @staticmethod
    def _find(tenant: Tenant, contact_id: str) -> Stored | None:
        return tenant.contacts.get(contact_id) or tenant.contacts.get(contact_id.lower())

    def _now_ms(self) -> int:
        return int(self.utcnow().timestamp() * 1000)

    def _stamp(self) -> int:
        """Now in milliseconds, strictly after every earlier stamp (lock held)."""
        self._last_ms = max(self._now_ms(), self._last_ms + 1)
        return self._last_ms

    # --- the API: writing ---------------------------------------------------------------
    def _write(self, request: Request, tenant: Tenant, path_id: str | None) -> Response:
        key = request.header("idempotency-key")
        if key is None:
            return self._write_now(request, tenant, path_id)
        if not 1 <= len(key) <= 128:
            return _validation_problem("Idempotency-Key must be 1 to 128 characters long.")
        fingerprint = hashlib.sha256(
            f"{request.method} {request.path.lower()}?{sorted(request.query.items())}\n".encode()
            + request.body
        ).hexdigest()
        with self.lock:
            seen = tenant.idempotent.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    return problem(
                        400,
                        "Bad Request",
                        f"The Idempotency-Key {key!r} was already used for a different request.",
                    )
                stored = seen[1]
                return Response(stored.status, stored.body, dict(stored.headers))
            response = self._write_now(request, tenant, path_id)
            if response.status < 500 and response.status != 429:
                tenant.idempotent[key] = (
                    fingerprint,
                    Response(response.status, response.body, dict(response.headers)),
                )
        return response

    def _write_now(self, request: Request, tenant: Tenant, path_id: str | None) -> Response:
        try:
            data = json.loads(request.body or b"null")
        except ValueError as error:
            return _post_data_invalid(f"The body is not JSON: {error}.")
        elements = data.get("Contacts") if isinstance(data, dict) and "Contacts" in data else [data]
        if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
            return _post_data_invalid('Send {"Contacts": [ {…}, … ]}.')
        if path_id is not None and len(elements) != 1:
            return _post_data_invalid("POST /Contacts/{ContactID} takes exactly one contact.")
        summarize = (request.arg("summarizeErrors") or "true").lower() != "false"
        with self.lock:
            if path_id is not None and self._find(tenant, path_id) is None:
                return problem(404, "NotFound", f"No contact with ContactID {path_id}.")
            names = dict(tenant.active_names)
            planned: list[
                tuple[dict[str, Any], Stored | None, dict[str, Any] | None, list[str]]
            ] = []
            for sent in elements:
                target_id = path_id or str(sent.get("ContactID") or "").strip()
                target, merged, errors = self._plan(tenant, request.method, target_id, sent, names)
                planned.append((sent, target, merged, errors))
            failed = any(errors for *_, errors in planned)
            if failed and summarize:
                body = {
                    "ErrorNumber": 10,
                    "Type": "ValidationException",
                    "Message": "A validation exception occurred",
                    "Elements": [echo_element(sent, errors) for sent, _, _, errors in planned],
                }
                return Response.json(body, 400)
            answers = []
            for sent, _target, merged, errors in planned:
                if errors or merged is None:
                    answers.append({**echo_element(sent, errors), "StatusAttributeString": "ERROR"})
                    continue
                stored = Stored.of(merged, self._stamp())
                tenant.put(stored)
                answer = dict(stored.data)
                if not summarize:
                    answer["StatusAttributeString"] = "OK"
                answers.append(answer)
        return Response.json(self._envelope(answers))

    def _plan(
        self,
        tenant: Tenant,
        method: str,
        target_id: str,
        sent: dict[str, Any],
        names: dict[str, str],
    ) -> tuple[Stored | None, dict[str, Any] | None, list[str]]:
        """What saving `sent` would make, and its validation errors (updates `names`)."""
        target = None
        if target_id and target_id != ZERO_ID:
            target = self._find(tenant, target_id)
            if target is None and method == "POST":
                return None, None, [f"The contact with ContactID {target_id} was not found."]
            if target is None and not _is_guid(target_id):
                return None, None, [f"ContactID {target_id} is not a valid GUID."]
        if target is not None and target.data.get("ContactStatus") == "GDPRREQUEST":
            return target, None, [GDPR_REFUSAL]
        base = (
            target.data
            if target is not None
            else new_contact_defaults(
                target_id.lower() if target_id and target_id != ZERO_ID else str(uuid.uuid4())
            )
        )
        merged = merge_contact(base, sent)
        merged["ContactID"] = base["ContactID"]
        errors = _contact_errors(merged)
        name = name_key(merged.get("Name"))
        if not errors and merged.get("ContactStatus") == "ACTIVE":
            holder = names.get(name)
            if holder is not None and holder != merged["ContactID"]:
                errors.append(DUPLICATE_NAME.format(name=str(merged["Name"]).strip()))
        if errors:
            return target, None, errors
        if target is not None and target.active:
            names.pop(name_key(target.data.get("Name")), None)
        if merged.get("ContactStatus") == "ACTIVE":
            names[name] = merged["ContactID"]
        return target, merged, []

    # --- the admin side -----------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The first tenant's contacts as `contacts`, and every tenant's under `tenants`."""
        with self.lock:
            tenants = [
                {
                    "tenantId": t.tenant_id,
                    "tenantName": t.name,
                    "contacts": [s.data for s in t.contacts.values()],
                }
                for t in self.tenants
            ]
            snapshot: list[dict[str, Any]] = json.loads(json.dumps(tenants))
        return {"contacts": snapshot[0]["contacts"], "tenants": snapshot}

    def _tenant_holding(self, record_id: str) -> Tenant:
        for tenant in self.tenants:
            if self._find(tenant, record_id) is not None:
                return tenant
        raise KeyError(f"no contact {record_id}")

    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        """A change on the service side; only flag fields (IsSupplier…) keep UpdatedDateUTC."""
        with self.lock:
            tenant = self._tenant_holding(record_id)
            stored = self._find(tenant, record_id)
            assert stored is not None
            merged = merge_contact(stored.data, changes, owner=True)
            merged["ContactID"] = stored.data["ContactID"]
            quiet = set(changes) <= FLAG_FIELDS
            tenant.put(Stored.of(merged, stored.updated_ms if quiet else self._stamp()))

    def remove(self, record_id: str) -> None:
        """Xero contacts cannot be deleted: archive it."""
        self.edit(record_id, {"ContactStatus": "ARCHIVED"})


def _order_key(stored: Stored, field_name: str) -> tuple[int, str, str]:
    """Sort key for `order=Field`: numbers and text compare apart; missing sorts first."""
    value = stored.data.get(field_name)
    if isinstance(value, bool | int | float):
        return (1, f"{float(value):030.6f}", stored.data["ContactID"])
    text = "" if value is None or isinstance(value, dict | list) else str(value).casefold()
    return (0 if text == "" else 2, text, stored.data["ContactID"])


def _fill(tenant: Tenant, contacts: int, seed: int) -> None:
    for data in sample_contacts(contacts, seed):
        stored = Stored.of(data, _millis(data["UpdatedDateUTC"]))
        stored.json_bytes  # noqa: B018 - serialised now, so the first listing is as fast
        tenant.put(stored)


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _contact_errors(merged: dict[str, Any]) -> list[str]:
    errors = []
    name = merged.get("Name")
    if not isinstance(name, str) or not name.strip():
        errors.append("The contact name must be specified.")
    elif len(name) > 255:
        errors.append("The contact name must be 255 characters or less.")
    if merged.get("ContactStatus") not in ("ACTIVE", "ARCHIVED"):
        errors.append(
            f"ContactStatus {merged.get('ContactStatus')!r} cannot be set: use ACTIVE or ARCHIVED."
        )
    email = merged.get("EmailAddress")
    if email and (not isinstance(email, str) or not _EMAIL.fullmatch(email.strip())):
        errors.append("Email address must be valid.")
    return errors + _shape_errors(merged)


def _validation_problem(message: str) -> Response:
    body = {"ErrorNumber": 10, "Type": "ValidationException", "Message": message}
    return Response.json(body, 400)


def _post_data_invalid(message: str) -> Response:
    body = {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}
    return Response.json(body, 400)
