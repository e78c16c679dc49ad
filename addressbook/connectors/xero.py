"""Xero Accounting API 2.0 (service `xero`): OAuth 2.0 with PKCE, JSON contacts.

Glossary (see also SERVICES.md, "Xero Accounting API 2.0"):
- *tenant*: the Xero organisation an account works on; every call carries
  `xero-tenant-id`. Chosen at sign-in and kept in the account's settings.
- *Name*: Xero's one name of a contact, unique among active contacts. It is the model's
  `display_name`. When the contact also has FirstName/LastName that differ from Name,
  Name is the organisation, so it is ALSO the model's `organization` (else that is
  empty). Going back, a contact whose display name is just its person's name but which
  has an organisation sends the organisation as Name (Xero's Name is the organisation).
- *ContactPersons*: their emails are the contact's extra emails (kind 'other'); their
  names have no place in the model and stay in the raw record.
- *phone*: Xero splits a number in PhoneCountryCode / PhoneAreaCode / PhoneNumber; the
  model keeps it as typed ("+64 4 1234567"). An unchanged number keeps Xero's split.
- *read-only*: ContactStatus GDPRREQUEST (redacted; Xero refuses every edit).
- Delete means archive (ContactStatus ARCHIVED): `can_delete` is False.

Limits: at most 5 calls in flight and 60 a minute per organisation (HttpSettings), slowed
further when `X-MinLimit-Remaining` runs low; a 429 for the minute waits `Retry-After`
(http.py), a 429 for the day stops at once with a sentence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from addressbook.connectors.base import (
    HTTP_SETTINGS,
    AccountConfig,
    CancelToken,
    Connector,
    OpenUrl,
    RemoteContact,
    SecretSource,
)
from addressbook.connectors.service import FieldRules, SecretSpec, ServiceDescription, SettingSpec
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
from addressbook.i18n import N_
from addressbook.model import Address, Contact, Email, Phone, changed_fields, clean

if TYPE_CHECKING:
    import httpx

    from addressbook.connectors.http import HttpClient
    from addressbook.connectors.oauth import TokenAnswer, TokenStore

log = logging.getLogger("addressbook.connectors.xero")

SCOPE = "offline_access accounting.contacts"
PAGE_SIZE = 100  # Xero's fixed page size for GET /Contacts
BATCH_SIZE = 50  # contacts per PUT /Contacts
MAX_CONTACT_PERSONS = 5  # Xero's limit per contact
DEFAULT_SETTINGS = {
    "authorize_url": "https://login.xero.com/identity/connect/authorize",
    "token_url": "https://identity.xero.com/connect/token",
    "connections_url": "https://api.xero.com/connections",
}
DEFAULT_THROTTLE_WAIT = 5.0  # seconds to hold calls after a 429 without Retry-After
LIMIT_NAMES = {  # X-Rate-Limit-Problem → the limit, as http.py's sentences name it
    "minute": "60 calls a minute per organisation",
    "concurrent": "5 calls at once per organisation",
    "appminute": "10,000 calls a minute for this app across all organisations",
}
STATUS_FROM_XERO = {"ACTIVE": "active", "ARCHIVED": "archived", "GDPRREQUEST": "read-only"}
STATUS_TO_XERO = {"active": "ACTIVE", "archived": "ARCHIVED"}
# DEFAULT is Xero's main phone: the model's 'work' (so `--field phone.work=…` edits it);
# a 'default' phone from elsewhere also goes to DEFAULT.
PHONE_KINDS = {"DEFAULT": "work", "DDI": "ddi", "MOBILE": "mobile", "FAX": "fax"}
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX")
ADDRESS_KINDS = {"STREET": "street", "POBOX": "postal"}
ADDRESS_TYPES = ("STREET", "POBOX")
ADDRESS_LINES = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")
READ_ONLY_SENTENCE = (
    "This contact was redacted in Xero at its owner's request (GDPR); Xero allows no changes to it."
)
_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_SPLIT_PHONE = re.compile(r"\+(\d{1,4})[\s-]+(\d{1,6})[\s-]+(\S.*)")


# --- answers that explain themselves ------------------------------------------------------
EXPLAINED_BYTES = 4096  # a 503 body read to find its reason: reasons are short


def _small_body(response: httpx.Response) -> str | None:
    """The start of a (streamed) answer's body as text; None if it cannot be read."""
    import httpx

    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > 16 * EXPLAINED_BYTES:
        return None
    data = bytearray()
    try:
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= EXPLAINED_BYTES:
                break
    except httpx.HTTPError:
        return None
    return bytes(data[:EXPLAINED_BYTES]).decode("utf-8", "replace").lstrip("\ufeff").strip()


def _said(text: str) -> str:
    """A service's own words, safe for a one-line sentence (no secrets, no line breaks)."""
    from addressbook.logs import scrub

    words = " ".join(scrub(text).split())
    return words if len(words) <= 200 else words[:199] + "…"


def explained_503(response: httpx.Response, label: str, account: str) -> ConnectorError | None:
    """What a 503 without Retry-After says about itself, or None (http.py then retries it).

    Xero's older rate limit answers 503 with a form body `oauth_problem=rate%20limit%20
    exceeded&oauth_problem_advice=…` (SERVICES.md): that is RateLimited, named at once.
    A short plain-text reason ("organisation offline", maintenance) is quoted in a
    ServiceUnavailable: retrying for minutes would not help and hides the reason.
    """
    from urllib.parse import parse_qs

    if response.status_code != 503 or response.headers.get("Retry-After"):
        return None
    kind = response.headers.get("Content-Type", "").lower()
    text = _small_body(response)
    if not text:
        return None
    error: ConnectorError | None = None
    if "oauth_problem=" in text:
        form = {k: v[0] for k, v in parse_qs(text).items()}
        problem = _said(form.get("oauth_problem", ""))
        advice = _said(form.get("oauth_problem_advice", ""))
        reason = "; ".join(p for p in (problem, advice) if p)
        if "rate limit" in problem.lower():
            error = RateLimited(
                f"{label}'s rate limit was hit for account {account} ({label} says: {reason}); "
                "try again in a few minutes.",
                limit=problem,
            )
        else:
            error = ServiceUnavailable(
                f"{label} is unavailable for account {account} ({label} says: {reason}); "
                "try again later."
            )
    elif "html" not in kind and not text.startswith(("<", "{", "[")):
        error = ServiceUnavailable(
            f"{label} is unavailable for account {account} ({label} says: "
            f"{_said(text.splitlines()[0])}); try again later."
        )
    if error is not None:
        response.close()
    return error


# --- dates ---------------------------------------------------------------------------------
def parse_xero_date(value: Any) -> str | None:
    """ISO 8601 UTC text from Xero's `/Date(1551399321043+0000)/` (ISO text passes through)."""
    if not isinstance(value, str) or not value.strip():
        return None
    match = _DATE.fullmatch(value.strip())
    if match is None:
        return value.strip()
    moment = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def modified_since_header(since: datetime, margin_seconds: float) -> str:
    """`If-Modified-Since` for Xero: UTC, to the second, a little before `since`."""
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC) - timedelta(seconds=margin_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# --- phones --------------------------------------------------------------------------------
def compose_phone(number: str | None, area: str | None, country: str | None) -> str:
    """A phone as a user types it: '+64 4 1234567', '415 555-1212', '1234567'."""
    # strip only: callers normalise the Contact afterwards (this runs for every phone pulled)
    number, area, country = (number or "").strip(), (area or "").strip(), (country or "").strip()
    if not number:
        return ""
    parts = [f"+{country.lstrip('+')}" if country else "", area, number]
    return " ".join(p for p in parts if p)


def split_phone(text: str) -> tuple[str, str, str]:
    """(country code, area code, number) of a typed phone: '+64 4 123 4567' → ('64','4','123 4567').

    Only the '+CC AREA NUMBER' form is split; anything else is all number.
    """
    text = clean(text)
    match = _SPLIT_PHONE.fullmatch(text)
    if match:
        return match.group(1), match.group(2), match.group(3)
    return "", "", text


# --- Xero → model ---------------------------------------------------------------------------
def as_list(value: Any) -> list[dict[str, Any]]:
    """The dicts of a JSON/xmltodict value that may be one dict, a list of them, or nothing."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def as_text(value: Any) -> str:
    """A field's text ('' for None)."""
    return value if isinstance(value, str) else ("" if value is None else str(value))


def contact_from_parts(
    raw: dict[str, Any],
    addresses: list[dict[str, Any]],
    phones: list[dict[str, Any]],
    persons: list[dict[str, Any]],
) -> Contact:
    """The model's contact from Xero's fields (shared by 2.0's JSON and 1.0's XML)."""
    name = clean(as_text(raw.get("Name")))
    given, family = clean(as_text(raw.get("FirstName"))), clean(as_text(raw.get("LastName")))
    person = " ".join(p for p in (given, family) if p)
    emails = [Email(as_text(raw.get("EmailAddress")), "work")]
    emails += [Email(as_text(p.get("EmailAddress")), "other") for p in persons]
    contact = Contact(
        display_name=name,
        given_name=given,
        family_name=family,
        organization=name if person and name.casefold() != person.casefold() else "",
        emails=emails,
        phones=[
            Phone(
                compose_phone(
                    as_text(p.get("PhoneNumber")),
                    as_text(p.get("PhoneAreaCode")),
                    as_text(p.get("PhoneCountryCode")),
                ),
                PHONE_KINDS.get(as_text(p.get("PhoneType")).upper(), "other"),
            )
            for p in phones
            if as_text(p.get("PhoneNumber")).strip()  # Xero lists every type, most empty
        ],
        addresses=[
            Address(
                kind=ADDRESS_KINDS.get(as_text(a.get("AddressType")).upper(), "street"),
                lines=[as_text(a.get(line)) for line in ADDRESS_LINES],
                city=as_text(a.get("City")),
                region=as_text(a.get("Region")),
                postcode=as_text(a.get("PostalCode")),
                country=as_text(a.get("Country")),
            )
            for a in addresses
        ],
        status=STATUS_FROM_XERO.get(as_text(raw.get("ContactStatus")).upper(), "active"),
    )
    return contact.normalized()


def contact_from_json(raw: dict[str, Any]) -> Contact:
    """The model's contact from a 2.0 JSON Contact."""
    return contact_from_parts(
        raw,
        as_list(raw.get("Addresses")),
        as_list(raw.get("Phones")),
        as_list(raw.get("ContactPersons")),
    )


def remote_from_json(raw: dict[str, Any]) -> RemoteContact:
    """A RemoteContact from a 2.0 JSON Contact (raw kept whole)."""
    contact_id = as_text(raw.get("ContactID"))
    if not contact_id:
        raise BadAnswer("Xero sent a contact without a ContactID.")
    return RemoteContact(
        remote_id=contact_id,
        contact=contact_from_json(raw),
        raw=raw,
        stamp=parse_xero_date(raw.get("UpdatedDateUTC")),
    )


# --- model → Xero ---------------------------------------------------------------------------
def xero_name(contact: Contact) -> str:
    """The Name to send: the display name, or the organisation when the display name is the person."""
    contact = contact.normalized()
    person = " ".join(p for p in (contact.given_name, contact.family_name) if p)
    if contact.organization and person and contact.display_name.casefold() == person.casefold():
        return contact.organization
    return contact.display_name


def _phones_by_type(contact: Contact) -> tuple[dict[str, Phone], list[str]]:
    """Each Xero phone type's number, and a sentence for each phone Xero cannot hold."""
    chosen: dict[str, Phone] = {}
    problems: list[str] = []
    by_kind = {kind: t for t, kind in PHONE_KINDS.items()}
    for phone in contact.phones:
        kind = phone.kind
        xero_type = by_kind.get(kind) or ("DEFAULT" if kind == "default" else None)
        if xero_type is None:
            problems.append(
                f"Xero has no place for the {kind} phone {phone.number}: make it a work, "
                "mobile, fax or DDI number."
            )
        elif xero_type in chosen:
            label = "work (main)" if xero_type == "DEFAULT" else kind
            problems.append(
                f"Xero keeps one {label} phone per contact: {phone.number} would be lost "
                f"next to {chosen[xero_type].number}; keep one of them."
            )
        else:
            chosen[xero_type] = phone
    return chosen, problems


def _addresses_by_type(contact: Contact) -> tuple[dict[str, Address], list[str]]:
    """Each Xero address type's address, and a sentence for each one Xero cannot hold."""
    chosen: dict[str, Address] = {}
    problems: list[str] = []
    types = {kind: t for t, kind in ADDRESS_KINDS.items()}
    for address in contact.addresses:
        xero_type = types.get(address.kind, "STREET")
        if xero_type in chosen:
            problems.append(
                f"Xero keeps one {address.kind} address per contact: "
                f"{address.one_line()!r} would be lost; keep one of them."
            )
            continue
        if len(address.lines) > len(ADDRESS_LINES):
            problems.append(
                f"Xero keeps at most 4 address lines: the {address.kind} address has "
                f"{len(address.lines)}; join some of them."
            )
        chosen[xero_type] = address
    return chosen, problems


def xero_problems(contact: Contact) -> list[str]:
    """What Xero (2.0 and 1.0) cannot hold of this contact, one sentence each (empty: it fits).

    The number of emails is checked by each connector (2.0: contact persons; 1.0: one).
    """
    contact = contact.normalized()
    problems: list[str] = []
    if not xero_name(contact):
        problems.append("Xero needs a name for every contact: fill in the display name.")
    person = " ".join(p for p in (contact.given_name, contact.family_name) if p)
    name = xero_name(contact)
    if contact.organization and contact.organization.casefold() != name.casefold():
        problems.append(
            f"Xero keeps one name per contact: the organisation {contact.organization!r} "
            f"differs from the name {name!r}" + (f" of {person}" if person else "") + "; "
            "make the display name the organisation, or clear the organisation."
        )
    if contact.title:
        problems.append("Xero contacts have no job title: clear the title to send this contact.")
    if contact.notes:
        problems.append("Xero contacts have no notes: clear the notes to send this contact.")
    if contact.status == "read-only":
        problems.append("A contact cannot be made read-only in Xero; choose active or archived.")
    problems += _phones_by_type(contact)[1] + _addresses_by_type(contact)[1]
    return problems


def phone_entry(phone: Phone | None, base: dict[str, Any] | None, xero_type: str) -> dict[str, Any]:
    """One Phones entry: the base's split kept when the number did not change."""
    entry = dict(base or {})
    entry["PhoneType"] = xero_type
    old = compose_phone(
        as_text(entry.get("PhoneNumber")),
        as_text(entry.get("PhoneAreaCode")),
        as_text(entry.get("PhoneCountryCode")),
    )
    number = phone.number if phone else ""
    if clean(number) == clean(old) and base is not None:
        return entry
    country, area, rest = split_phone(number)
    entry.update(PhoneNumber=rest, PhoneAreaCode=area, PhoneCountryCode=country)
    return entry


def address_entry(
    address: Address | None, base: dict[str, Any] | None, xero_type: str
) -> dict[str, Any]:
    """One Addresses entry over the base's (AttentionTo and the like kept)."""
    entry = dict(base or {})
    entry["AddressType"] = xero_type
    lines = list(address.lines) if address else []
    for index, key in enumerate(ADDRESS_LINES):
        entry[key] = lines[index] if index < len(lines) else ""
    entry["City"] = address.city if address else ""
    entry["Region"] = address.region if address else ""
    entry["PostalCode"] = address.postcode if address else ""
    entry["Country"] = address.country if address else ""
    return entry


def contact_persons(
    emails: list[Email], base_persons: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """ContactPersons for the extra emails: existing persons kept, new emails added."""
    wanted = [e.address for e in emails]
    folded = [w.casefold() for w in wanted]
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for person in base_persons:
        address = as_text(person.get("EmailAddress")).strip()
        if not address:
            kept.append(person)  # a person without an email is not in the model: keep it
        elif address.casefold() in folded and address.casefold() not in seen:
            kept.append(person)
            seen.add(address.casefold())
    for address in wanted:
        if address.casefold() not in seen:
            kept.append({"EmailAddress": address, "IncludeInEmails": False})
            seen.add(address.casefold())
    return kept


def changed_parts(
    base_contact: Contact | None,
    base_raw: dict[str, Any],
    base_addresses: list[dict[str, Any]],
    base_phones: list[dict[str, Any]],
    base_persons: list[dict[str, Any]],
    local: Contact,
) -> dict[str, Any]:
    """The Xero fields (2.0 JSON shapes) that differ from the base; everything for a new one."""
    local = local.normalized()
    fields = changed_fields(base_contact, local) if base_contact else set(local.to_dict())
    out: dict[str, Any] = {}
    if fields & {"display_name", "organization", "given_name", "family_name"}:
        if xero_name(local) != as_text(base_raw.get("Name")):
            out["Name"] = xero_name(local)
        if local.given_name != as_text(base_raw.get("FirstName")):
            out["FirstName"] = local.given_name
        if local.family_name != as_text(base_raw.get("LastName")):
            out["LastName"] = local.family_name
    if "emails" in fields:
        first = local.emails[0].address if local.emails else ""
        if first != as_text(base_raw.get("EmailAddress")):
            out["EmailAddress"] = first
        persons = contact_persons(local.emails[1:], base_persons)
        if persons != base_persons:
            out["ContactPersons"] = persons
    if "phones" in fields:
        chosen, _ = _phones_by_type(local)
        old = {as_text(p.get("PhoneType")).upper(): p for p in base_phones}
        out["Phones"] = [phone_entry(chosen.get(t), old.get(t), t) for t in PHONE_TYPES]
    if "addresses" in fields:
        chosen_a, _ = _addresses_by_type(local)
        old = {as_text(a.get("AddressType")).upper(): a for a in base_addresses}
        out["Addresses"] = [address_entry(chosen_a.get(t), old.get(t), t) for t in ADDRESS_TYPES]
    if "status" in fields and local.status in STATUS_TO_XERO:
        out["ContactStatus"] = STATUS_TO_XERO[local.status]
    return out


def json_changes(base: RemoteContact | None, local: Contact) -> dict[str, Any]:
    """The 2.0 JSON fields to send for `local` over `base` (all of them for a new contact)."""
    raw = base.raw if base else {}
    return changed_parts(
        base.contact if base else None,
        raw,
        as_list(raw.get("Addresses")),
        as_list(raw.get("Phones")),
        as_list(raw.get("ContactPersons")),
        local,
    )


def is_read_only(base: RemoteContact | None) -> bool:
    """True for a GDPRREQUEST contact (Xero refuses every change)."""
    if base is None:
        return False
    status = as_text(base.raw.get("ContactStatus")).upper()
    return status == "GDPRREQUEST" or base.contact.status == "read-only"


def batch_key(keys: list[str]) -> str:
    """One Idempotency-Key for a batch: the same items always give the same key (≤ 128 chars)."""
    if len(keys) == 1:
        return keys[0]
    digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()
    return f"batch-{digest}"


def idempotency_header(key: str) -> str:
    """The key as Xero takes it: 1–128 printable ASCII characters (else a digest of it)."""
    if 1 <= len(key) <= 128 and key.isascii() and key.isprintable():
        return key
    return "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def validation_messages(element: dict[str, Any]) -> list[str]:
    """Every ValidationErrors message of a contact element (and of its phones/addresses)."""
    messages = [
        as_text(e.get("Message"))
        for e in as_list(element.get("ValidationErrors"))
        if e.get("Message")
    ]
    for key in ("Addresses", "Phones", "ContactPersons"):
        for part in as_list(element.get(key)):
            messages += [
                as_text(e.get("Message"))
                for e in as_list(part.get("ValidationErrors"))
                if e.get("Message")
            ]
    return messages


# --- the connector -------------------------------------------------------------------------
class XeroConnector(Connector):
    """One Xero organisation over the Accounting API 2.0.

    After `login()` the chosen tenant is in `account.settings['tenant_id']` (and
    'tenant_name') and `settings_changed` is True: the caller saves the settings.
    """

    description: ClassVar[ServiceDescription] = ServiceDescription(
        name="xero",
        label="Xero",
        icon="xero",
        default_url="https://api.xero.com/api.xro/2.0",
        url_hint="https://api.xero.com/api.xro/2.0",
        secrets=(
            SecretSpec(
                "refresh_token",
                N_("Sign-in"),
                N_("Written by the browser sign-in (accounts login); never typed."),
                asked=False,
            ),
        ),
        settings=(
            SettingSpec(
                "client_id",
                N_("Client ID"),
                N_("Your Xero app's Client ID (developer.xero.com, My Apps)."),
            ),
            SettingSpec("tenant_id", N_("Organisation id"), N_("Chosen at sign-in."), True),
            SettingSpec("tenant_name", N_("Organisation"), N_("Chosen at sign-in."), True),
            SettingSpec("authorize_url", N_("Sign-in page address"), advanced=True),
            SettingSpec("token_url", N_("Token address"), advanced=True),
            SettingSpec("connections_url", N_("Organisations address"), advanced=True),
            SettingSpec(
                "redirect_port",
                N_("Sign-in return port"),
                N_("The localhost port registered as your app's redirect URI."),
                advanced=True,
            ),
            *HTTP_SETTINGS,
        ),
        can_delete=False,
        has_modified_since=True,
        needs_login=True,
        has_idempotency=True,
        batch_create=True,
        rules=FieldRules(
            required=("name",),
            read_only_statuses=("read-only",),
            holds=(
                "display_name",
                "given_name",
                "family_name",
                "organization",
                "emails",
                "phones",
                "addresses",
                "status",
            ),
            phone_kinds=("work", "ddi", "mobile", "fax", "default"),
            max_emails=1 + MAX_CONTACT_PERSONS,
            address_kinds=("street", "postal"),
            one_name=True,
            settable_statuses=("active", "archived"),
        ),
    )
    cursor_margin_seconds: ClassVar[int] = 5
    has_idempotency: ClassVar[bool] = True
    needs_login: ClassVar[bool] = True
    batch_create: ClassVar[bool] = True

    minute_limit: ClassVar[int] = 60
    minute_seconds: ClassVar[float] = 61.0  # a second over Xero's minute: our clock leads theirs
    max_in_flight: ClassVar[int] = 5
    low_remaining: ClassVar[int] = 5  # below this X-MinLimit-Remaining, slow down

    def __init__(
        self, account: AccountConfig, secrets: SecretSource, cancel: CancelToken | None = None
    ) -> None:
        super().__init__(account, secrets, cancel)
        self.login_timeout = 300.0  # seconds to wait for the browser (`--timeout`)
        self.settings_changed = False  # True after login() changed account.settings
        self._client: HttpClient | None = None
        self._identity: HttpClient | None = None
        self._tokens: TokenStore | None = None

    # --- plumbing ------------------------------------------------------------------------
    def _setting(self, key: str) -> str:
        value = self.account.settings.get(key) or DEFAULT_SETTINGS.get(key, "")
        return value.strip()

    def _client_id(self) -> str:
        client_id = self._setting("client_id")
        if not client_id:
            raise AccountError(
                f"The Xero account {self.account.name} has no client_id; add one with "
                f"`addressbook accounts add {self.account.name} --service xero "
                "--set client_id=…` (your Xero app's Client ID)."
            )
        return client_id

    def _relogin_sentence(self) -> str:
        return (
            f"Xero no longer accepts this sign-in; run `addressbook accounts login "
            f"{self.account.name}` again (your pending edits are kept)."
        )

    @property
    def tokens(self) -> TokenStore:
        """The account's token store (refresh token in the keyring, access token in memory)."""
        if self._tokens is None:
            from addressbook.connectors.oauth import TokenStore

            self._tokens = TokenStore(
                self.secrets,
                f"xero:{self.account.name}",
                self._refresh,
                label="Xero",
                account_name=self.account.name,
                cancel=self.cancel,
            )
        return self._tokens

    @property
    def client(self) -> HttpClient:
        """The API client: bearer auth with refresh, Xero's limits, paced by its headers."""
        if self._client is None:
            from addressbook.connectors.http import HttpClient, HttpSettings
            from addressbook.connectors.oauth import BearerAuth
            from addressbook.logs import quiet_libraries

            quiet_libraries()  # httpx's own log lines carry whole URLs

            settings = HttpSettings.from_settings(
                self.account.settings,
                max_calls=self.minute_limit,
                per_seconds=self.minute_seconds,
                max_in_flight=self.max_in_flight,
            )
            self._client = HttpClient(
                self.account.url or str(self.default_url),
                service="Xero",
                account=self.account.name,
                settings=settings,
                auth=BearerAuth(self.tokens),
                headers={"Accept": "application/json"},
                cancel=self.cancel,
                auth_message=self._relogin_sentence(),
                limit_description=LIMIT_NAMES["minute"],
                on_response=self._on_response,
            )
        return self._client

    @property
    def identity(self) -> HttpClient:
        """A client without bearer auth, for the token endpoint."""
        if self._identity is None:
            from addressbook.connectors.http import HttpClient, HttpSettings

            self._identity = HttpClient(
                self._setting("token_url"),
                service="Xero sign-in",
                account=self.account.name,
                settings=HttpSettings.from_settings(self.account.settings),
                headers={"Accept": "application/json"},
                cancel=self.cancel,
                auth_message=self._relogin_sentence(),
            )
        return self._identity

    def close(self) -> None:
        """Release the HTTP clients."""
        for client in (self._client, self._identity):
            if client is not None:
                client.close()
        self._client = self._identity = None

    def _on_response(self, response: httpx.Response) -> None:
        """Name the limit hit, stop at the day limit, and pace by Xero's headers."""
        explained = explained_503(response, "Xero", self.account.name)
        if explained is not None:
            raise explained
        if response.status_code == 429:
            self._throttled(response)
        else:
            self._pace(response.headers.get("X-MinLimit-Remaining"))

    def _throttled(self, response: httpx.Response) -> None:
        """A 429: the day limit ends here; otherwise wait as Xero asks (or a default)."""
        from addressbook.connectors.http import parse_retry_after

        problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if problem == "day":
            response.close()
            hours = max(1, math.ceil(wait / 3600)) if wait is not None else None
            when = f"in {hours} hour{'s' if hours != 1 else ''}" if hours else "tomorrow"
            raise RateLimited(
                f"Xero's daily limit is reached; try again {when}.", retry_after=wait, limit="day"
            )
        if self._client is None:
            return
        # http.py names the limit in its sentences: name the one Xero says was hit.
        self._client.limit_description = LIMIT_NAMES.get(problem, LIMIT_NAMES["minute"])
        if wait is None:
            # No Retry-After: http.py's first backoff (half a second) would only meet the
            # same limit again; hold this account's calls a few seconds first.
            self._client.pause(DEFAULT_THROTTLE_WAIT)

    def _pace(self, remaining: str | None) -> None:
        """Slow down when the minute's remaining calls run low (others share the minute)."""
        if remaining is None or not remaining.strip().lstrip("-").isdigit():
            return
        left = int(remaining)
        if left < self.low_remaining and self._client is not None:
            pause = (self.low_remaining - left) * self.minute_seconds / self.minute_limit
            log.info("Xero: %d calls left this minute; pausing %.1f s", left, pause)
            self._client.pause(pause)

    def _tenant_headers(self) -> dict[str, str]:
        tenant = self._setting("tenant_id")
        if not tenant:
            raise AuthError(
                f"The Xero account {self.account.name} has no organisation chosen yet; run "
                f"`addressbook accounts login {self.account.name}`."
            )
        return {"xero-tenant-id": tenant}

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {**self._tenant_headers(), **(headers or {})}
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        # Writes carry an Idempotency-Key: retrying them after a 429 or a cut is safe.
        return self.client.request(
            method, path, params=params, content=content, headers=all_headers, safe=True
        )

    # --- sign-in -------------------------------------------------------------------------
    def _token_call(self, body: str) -> TokenAnswer:
        from addressbook.connectors.oauth import parse_token_answer

        response = self.identity.request(
            "POST",
            self._setting("token_url"),
            content=body.encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            safe=False,
        )
        return parse_token_answer(
            response.status_code, response.headers.get("Content-Type", ""), response.content
        )

    def _refresh(self, refresh_token: str) -> TokenAnswer:
        from addressbook.connectors.oauth import refresh_body

        return self._token_call(refresh_body(refresh_token, self._client_id()))

    def login(self, open_url: OpenUrl, tenant: str | None = None) -> str:
        """Sign in through the browser (PKCE), keep the tokens, choose the organisation."""
        from addressbook.connectors import oauth

        client_id = self._client_id()
        verifier, state = oauth.new_code_verifier(), oauth.new_state()
        port = self._redirect_port()
        with oauth.LoopbackListener(state, port) as listener:
            url = oauth.authorize_url(
                self._setting("authorize_url"),
                client_id,
                listener.redirect_uri,
                SCOPE,
                state,
                oauth.code_challenge(verifier),
            )
            open_url(url)
            code = listener.wait_for_code(self.login_timeout, self.cancel)
            redirect_uri = listener.redirect_uri
        try:
            answer = self._token_call(
                oauth.code_exchange_body(code, redirect_uri, client_id, verifier)
            )
        except oauth.TokenRefused as error:
            raise AuthError(
                f"Xero refused the sign-in ({error.error}); run `addressbook accounts login "
                f"{self.account.name}` again."
            )
        if not answer.refresh_token:
            raise AuthError(
                "Xero gave no refresh token: the app must ask for offline_access; check "
                "its settings in the Xero developer portal."
            )
        self.tokens.signed_in(answer)
        chosen = self._choose_tenant(self._connections(), tenant)
        self.account.settings["tenant_id"] = chosen["tenantId"]
        self.account.settings["tenant_name"] = chosen.get("tenantName") or ""
        self.settings_changed = True
        return f"Signed in to Xero: organisation {chosen.get('tenantName') or chosen['tenantId']}."

    def _redirect_port(self) -> int:
        raw = self._setting("redirect_port") or "0"
        if not raw.isdigit() or int(raw) > 65535:
            raise AccountError(f"The setting redirect_port must be a port number, not {raw!r}.")
        return int(raw)

    def _connections(self) -> list[dict[str, Any]]:
        """The organisations this sign-in may use (GET /connections)."""
        response = self.client.request("GET", self._setting("connections_url"))
        data = self._json(response, "its list of organisations")
        if not isinstance(data, list):
            raise BadAnswer("Xero's list of organisations is not a JSON list.")
        tenants = [
            t
            for t in as_list(data)
            if t.get("tenantId")
            and as_text(t.get("tenantType") or "ORGANISATION") == "ORGANISATION"
        ]
        if not tenants:
            raise AuthError(
                "This Xero sign-in has no organisation connected; sign in again and choose one."
            )
        return tenants

    def _choose_tenant(self, tenants: list[dict[str, Any]], wanted: str | None) -> dict[str, Any]:
        """The tenant named by id or (unambiguous) name; the only one; else AccountError."""
        if wanted:
            for t in tenants:
                if wanted.strip() == t["tenantId"]:
                    return t
            key = wanted.strip().casefold()
            named = [t for t in tenants if as_text(t.get("tenantName")).strip().casefold() == key]
            if len(named) == 1:
                return named[0]
        elif len(tenants) == 1:
            return tenants[0]
        listing = "; ".join(f"{as_text(t.get('tenantName'))} ({t['tenantId']})" for t in tenants)
        if not wanted:
            first = "Several Xero organisations are connected"
        elif named:  # two organisations may share a name: only the id tells them apart
            first = f"{len(named)} connected Xero organisations are called {wanted!r}"
        else:
            first = f"No connected Xero organisation is called {wanted!r}"
        raise AccountError(
            f"{first}: {listing}. Run `addressbook accounts login {self.account.name} "
            "--tenant NAME-OR-ID` to choose one (the id when names repeat)."
        )

    # --- reading ---------------------------------------------------------------------------
    def _json(self, response: httpx.Response, what: str) -> Any:
        content = response.content
        if content.startswith(b"\xef\xbb\xbf"):  # a UTF-8 BOM: json.loads refuses it
            content = content[3:]
        try:
            return json.loads(content)
        except ValueError:
            raise BadAnswer(f"Xero's answer ({what}) is not valid JSON; try again later.")

    def _contacts_of(self, response: httpx.Response, what: str) -> list[dict[str, Any]]:
        if response.status_code == 404:
            raise NotFound("The contact is no longer in Xero.")
        if response.status_code == 304:
            return []
        data = self._json(response, what)
        if response.status_code >= 400:
            raise self._error(response.status_code, data)
        if not isinstance(data, dict):
            raise BadAnswer(f"Xero's answer ({what}) is not a JSON object.")
        contacts = data.get("Contacts")
        if contacts is None:
            contacts = []
        if not isinstance(contacts, list):
            raise BadAnswer(f"Xero's answer ({what}) has no list of contacts.")
        return as_list(contacts)

    def _error(self, status: int, data: Any) -> ConnectorError:
        message = as_text(data.get("Message") if isinstance(data, dict) else "") or f"HTTP {status}"
        if isinstance(data, dict) and data.get("Type") == "ValidationException":
            messages = [m for e in as_list(data.get("Elements")) for m in validation_messages(e)]
            return ValidationRefused("; ".join(messages) or message, messages or [message])
        return ConnectorError(f"Xero refused the request: {message}")

    def check(self) -> str:
        """Fetch the organisations and one page of contacts; describe the connection."""
        tenant = self._tenant_headers()["xero-tenant-id"]
        names = {t["tenantId"]: as_text(t.get("tenantName")) for t in self._connections()}
        if tenant not in names:
            raise AuthError(
                f"This Xero sign-in no longer reaches the organisation {tenant}; run "
                f"`addressbook accounts login {self.account.name}`."
            )
        self._contacts_of(self._call("GET", "/Contacts", params={"page": "1"}), "contacts")
        return f"Xero organisation {names[tenant] or tenant}"

    def pull(self, since: datetime | None) -> Iterator[list[RemoteContact]]:
        """Pages of 100 contacts (archived included), changed since `since` when given."""
        headers = {}
        if since is not None:
            headers["If-Modified-Since"] = modified_since_header(since, self.cursor_margin_seconds)
        page = 1
        while True:
            self.cancel.check()
            params = {"page": str(page), "includeArchived": "true"}
            response = self._call("GET", "/Contacts", params=params, headers=headers)
            records = self._contacts_of(response, f"page {page} of the contacts")
            yield [remote_from_json(raw) for raw in records]
            if len(records) < PAGE_SIZE:
                return
            page += 1

    def get(self, remote_id: str) -> RemoteContact:
        """The contact as Xero has it now."""
        records = self._contacts_of(self._call("GET", f"/Contacts/{remote_id}"), "a contact")
        if not records:
            raise NotFound("The contact is no longer in Xero.")
        return remote_from_json(records[0])

    # --- writing ---------------------------------------------------------------------------
    def validate(self, contact: Contact, base: RemoteContact | None) -> list[str]:
        """What Xero would refuse or could not hold, found before sending."""
        if is_read_only(base):
            return [READ_ONLY_SENTENCE]
        problems = xero_problems(contact)
        emails = len(contact.normalized().emails)
        if emails > 1 + MAX_CONTACT_PERSONS:
            problems.append(
                f"Xero keeps at most {1 + MAX_CONTACT_PERSONS} emails per contact (one plus "
                f"{MAX_CONTACT_PERSONS} contact persons); this one has {emails}."
            )
        return problems

    def _refuse_if_invalid(self, contact: Contact, base: RemoteContact | None) -> None:
        problems = self.validate(contact, base)
        if problems:
            raise ValidationRefused(" ".join(problems), problems)

    def create(self, contact: Contact, idempotency_key: str) -> RemoteContact:
        """Create one contact (PUT /Contacts)."""
        result = self.create_many([(contact, idempotency_key)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def create_many(self, items: list[tuple[Contact, str]]) -> list[RemoteContact | Exception]:
        """Create in batches of 50; each refused contact gets its own ValidationRefused."""
        results: list[RemoteContact | Exception | None] = [None] * len(items)
        sendable: list[int] = []
        for index, (contact, _) in enumerate(items):
            problems = self.validate(contact, None)
            if problems:
                results[index] = ValidationRefused(" ".join(problems), problems)
            else:
                sendable.append(index)
        for start in range(0, len(sendable), BATCH_SIZE):
            chunk = sendable[start : start + BATCH_SIZE]
            answers = self._put_batch([items[i] for i in chunk])
            for index, answer in zip(chunk, answers, strict=True):
                results[index] = answer
        return [r if r is not None else BadAnswer("Xero gave no answer for it.") for r in results]

    def _put_batch(self, batch: list[tuple[Contact, str]]) -> list[RemoteContact | Exception]:
        body = {"Contacts": [json_changes(None, contact) for contact, _ in batch]}
        key = batch_key([k for _, k in batch])
        response = self._call(
            "PUT",
            "/Contacts",
            params={"summarizeErrors": "false"},
            body=body,
            headers={"Idempotency-Key": idempotency_header(key)},
        )
        data = self._json(response, "the created contacts")
        if response.status_code >= 400 and not (
            isinstance(data, dict) and data.get("Type") == "ValidationException"
        ):
            raise self._error(response.status_code, data)
        elements = (
            as_list(data.get("Contacts") or data.get("Elements")) if isinstance(data, dict) else []
        )
        if len(elements) != len(batch):
            raise BadAnswer(
                f"Xero answered {len(elements)} contacts for the {len(batch)} sent; "
                "look in Xero before sending them again."
            )
        return [self._element_result(element) for element in elements]

    def _element_result(self, element: dict[str, Any]) -> RemoteContact | Exception:
        messages = validation_messages(element)
        if element.get("HasValidationErrors") or messages:
            messages = messages or ["Xero refused this contact."]
            return ValidationRefused("; ".join(messages), messages)
        return remote_from_json(element)

    def find_created(self, contact: Contact, idempotency_key: str) -> RemoteContact | None:
        """The contact a lost create made, found by its Name (unique among Xero's contacts)."""
        name = xero_name(contact).casefold()
        page = 1
        while True:
            params = {
                "page": str(page),
                "includeArchived": "true",
                "searchTerm": xero_name(contact),
            }
            records = self._contacts_of(self._call("GET", "/Contacts", params=params), "a search")
            for raw in records:
                if clean(as_text(raw.get("Name"))).casefold() == name:
                    return remote_from_json(raw)
            if len(records) < PAGE_SIZE:
                return None
            page += 1

    def update(self, base: RemoteContact, local: Contact, idempotency_key: str) -> RemoteContact:
        """POST /Contacts/{ContactID} with only the changed fields."""
        self._refuse_if_invalid(local, base)
        changes = json_changes(base, local)
        if not changes:
            return base
        return self._post_one(base.remote_id, changes, idempotency_key)

    def _post_one(self, remote_id: str, changes: dict[str, Any], key: str) -> RemoteContact:
        body = {"Contacts": [{"ContactID": remote_id, **changes}]}
        response = self._call(
            "POST",
            f"/Contacts/{remote_id}",
            body=body,
            headers={"Idempotency-Key": idempotency_header(key)},
        )
        if response.status_code == 400:
            data = self._json(response, "the update")
            raise self._error(400, data)
        records = self._contacts_of(response, "the updated contact")
        if len(records) != 1:
            raise BadAnswer("Xero's answer to an update does not hold the contact.")
        result = self._element_result(records[0])
        if isinstance(result, Exception):
            raise result
        return result

    def delete(self, base: RemoteContact, idempotency_key: str) -> RemoteContact | None:
        """Archive the contact (Xero cannot delete contacts)."""
        if is_read_only(base):
            raise ValidationRefused(READ_ONLY_SENTENCE)
        return self._post_one(base.remote_id, {"ContactStatus": "ARCHIVED"}, idempotency_key)
