"""Xero 2.0 JSON ⇄ the model: the mapping, what Xero cannot hold, batch keys (no I/O).

See the package docstring for the glossary (Name, ContactPersons, phones, read-only).
Xero 1.0 (`xero_legacy`) shares the mapping of parts (`contact_from_parts`,
`changed_parts`, `xero_problems`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from addressbook.connectors.base import RemoteContact
from addressbook.errors import BadAnswer
from addressbook.i18n import N_, _, ngettext
from addressbook.kinds import address_label, phone_label
from addressbook.model import Address, Contact, Email, Phone, Url, changed_fields, clean

PAGE_SIZE = (
    100  # Xero's default page of GET /Contacts (and the size asked when pageSize is refused)
)
MAX_PAGE_SIZE = 1000  # the most `pageSize` takes (since July 2024)
BATCH_SIZE = 50  # contacts per PUT/POST /Contacts, and IDs per GET /Contacts?IDs=
MAX_CONTACT_PERSONS = 5  # Xero's limit per contact
STATUS_FROM_XERO = {"ACTIVE": "active", "ARCHIVED": "archived", "GDPRREQUEST": "read-only"}
STATUS_TO_XERO = {"active": "ACTIVE", "archived": "ARCHIVED"}
# DEFAULT is Xero's main phone: the model's 'work' (so `--field phone.work=…` edits it);
# a 'default' phone from elsewhere also goes to DEFAULT.
PHONE_KINDS = {"DEFAULT": "work", "DDI": "ddi", "MOBILE": "mobile", "FAX": "fax"}
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX")
ADDRESS_KINDS = {"STREET": "street", "POBOX": "postal"}
ADDRESS_TYPES = ("STREET", "POBOX")
ADDRESS_LINES = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")
READ_ONLY_SENTENCE = N_(  # translated where it is shown
    "This contact was redacted in Xero at its owner's request (GDPR); Xero allows no changes to it."
)
_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_SPLIT_PHONE = re.compile(r"\+(\d{1,4})[\s-]+(\d{1,6})[\s-]+(\S.*)")


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
        urls=[Url(as_text(raw.get("Website")))] if as_text(raw.get("Website")).strip() else [],
    )
    return contact


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
        raise BadAnswer(_("Xero sent a contact without an id."))
    return RemoteContact(
        remote_id=contact_id,
        contact=contact_from_json(raw),
        raw=raw,
        stamp=parse_xero_date(raw.get("UpdatedDateUTC")),
    )


# --- model → Xero ---------------------------------------------------------------------------
def xero_name(contact: Contact) -> str:
    """The Name to send: the display name, or the organisation when the display name is the person."""
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
                _(
                    "Xero has no place for a number of this kind ({kind}); {number} would be "
                    "lost: make it a work, mobile, fax or direct number."
                ).format(kind=phone_label(kind), number=phone.number)
            )
        elif xero_type == "DEFAULT" and xero_type in chosen:  # 'work' and 'default' share it
            problems.append(
                _(
                    "Xero keeps one work or main number per contact: {number} would be lost "
                    "next to {other}; keep one of them."
                ).format(number=phone.number, other=chosen[xero_type].number)
            )
        elif xero_type in chosen:
            problems.append(
                _(
                    "Xero keeps one number of each kind ({kind}) per contact: {number} would "
                    "be lost next to {other}; keep one of them."
                ).format(
                    kind=phone_label(kind), number=phone.number, other=chosen[xero_type].number
                )
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
                _(
                    "Xero keeps one address of each kind ({kind}) per contact: {address!r} "
                    "would be lost; keep one of them."
                ).format(kind=address_label(ADDRESS_KINDS[xero_type]), address=address.one_line())
            )
            continue
        if len(address.lines) > len(ADDRESS_LINES):
            problems.append(
                ngettext(
                    "Xero keeps at most {most} lines per address; this one ({kind}) has {n} "
                    "line: join some of them.",
                    "Xero keeps at most {most} lines per address; this one ({kind}) has {n} "
                    "lines: join some of them.",
                    len(address.lines),
                ).format(
                    most=len(ADDRESS_LINES),
                    kind=address_label(ADDRESS_KINDS[xero_type]),
                    n=len(address.lines),
                )
            )
        chosen[xero_type] = address
    return chosen, problems


def xero_problems(contact: Contact) -> list[str]:
    """What Xero (2.0 and 1.0) cannot hold of this contact, one sentence each (empty: it fits).

    The number of emails is checked by each connector (2.0: contact persons; 1.0: one).
    """
    problems: list[str] = []
    if not xero_name(contact):
        problems.append(_("Xero needs a name for every contact: fill in the display name."))
    person = " ".join(p for p in (contact.given_name, contact.family_name) if p)
    name = xero_name(contact)
    if contact.organization and contact.organization.casefold() != name.casefold():
        if person:
            sentence = _(
                "Xero keeps one name per contact: the organisation {organization!r} differs "
                "from the name {name!r} of {person}; make the display name the organisation, "
                "or clear the organisation."
            )
        else:
            sentence = _(
                "Xero keeps one name per contact: the organisation {organization!r} differs "
                "from the name {name!r}; make the display name the organisation, or clear the "
                "organisation."
            )
        problems.append(
            sentence.format(organization=contact.organization, name=name, person=person)
        )
    if contact.title:
        problems.append(_("Xero contacts have no job title: clear the title to send this contact."))
    if contact.notes:
        problems.append(_("Xero contacts have no notes: clear the notes to send this contact."))
    if contact.status == "read-only":
        problems.append(_("A contact cannot be made read-only in Xero; choose active or archived."))
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
    emails: Sequence[Email], base_persons: list[dict[str, Any]]
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
    out = changed_parts(
        base.contact if base else None,
        raw,
        as_list(raw.get("Addresses")),
        as_list(raw.get("Phones")),
        as_list(raw.get("ContactPersons")),
        local,
    )
    website = local.urls[0].url if local.urls else ""
    if website != as_text(raw.get("Website")):  # 2.0 keeps one web address (1.0 none)
        out["Website"] = website
    return out


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
