"""The Xero Partner API 1.0 stand-in (service `xero-legacy`), written from seeds 000 and 001.

    GET  /api.xro/1.0/contacts?apiKey=…&xeroKey=…[&type=][&sortBy=][&direction=][&updatedAfter=]
    POST /api.xro/1.0/contact?apiKey=…&xeroKey=…   body: a <Contact> (raw XML, or form-encoded
                                                   as `xml=<Contact>…`: both are accepted)

Every answer is XML. Success is the seed's `<Response>` wrapper; a failure is the 2.0-era
`<ApiException>` (ErrorNumber, Type, Message, Elements) with a 4xx status.

Behaviour worth knowing (it is the seeds', kept on purpose):
- create-or-update matches on ContactID, then ContactNumber, then Name (case-insensitive):
  a second contact sent with the same name overwrites the first.
- a save replaces the record: elements left out are gone afterwards (ContactID and the
  internal IsCustomer/IsSupplier flags survive; ContactStatus defaults to ACTIVE).
- the request XSD is stricter than the response XSD: PhoneNumber must be digits
  (xs:unsignedInt), PhoneAreaCode/PhoneCountryCode xs:unsignedByte, PostalCode
  xs:unsignedShort (≤ 65535). An empty element counts as absent (the seed's own example
  sends `<PostalCode></PostalCode>`). Name is required. Two <Address> elements are
  accepted although the XSD declares one (the seed's example sends two).
- elements the XSD does not name are ignored, not stored (ContactStatus is kept: the
  seed's example sends it).
- the listing is one answer with every contact; a list of one is one <Contact>.

This module imports nothing from addressbook.connectors or addressbook.sync.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from addressbook.sandbox import sample
from addressbook.sandbox.core import Request, Response, Service

ADDRESS_FIELDS = (
    "AddressType",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
    "City",
    "Region",
    "PostalCode",
    "Country",
)
PHONE_FIELDS = ("PhoneType", "PhoneNumber", "PhoneAreaCode", "PhoneCountryCode")
# The order the response XSD of seed 001 gives (and seed 000's example follows).
HEAD_FIELDS = ("ContactID", "ContactNumber", "ContactStatus", "Name", "EmailAddress")
TAIL_FIELDS = ("SkypeUserName", "BankAccountDetails")
ADDRESS_TYPES = ("STREET", "POBOX")
PHONE_TYPES = ("DEFAULT", "DDI", "FAX", "MOBILE")
# Request-XSD integer types: (largest value, XSD type name).
_NUMERIC = {
    "PhoneNumber": (4294967295, "xs:unsignedInt"),
    "PhoneAreaCode": (255, "xs:unsignedByte"),
    "PhoneCountryCode": (255, "xs:unsignedByte"),
    "PostalCode": (65535, "xs:unsignedShort"),
}
_PREFIX = "/api.xro/1.0"
_SAMPLE_EPOCH = datetime(2008, 4, 1, tzinfo=UTC)

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


class SaveRefused(Exception):
    """A request the service refuses: carries the ApiException fields."""

    def __init__(self, status: int, error_number: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_number = error_number
        self.kind = kind
        self.message = message


# --- dates ----------------------------------------------------------------------------------
def format_utc_micro(micros: int) -> str:
    """`2008-12-02T21:09:24.748625Z` (the seed 000 form) from microseconds since the epoch."""
    moment = datetime.fromtimestamp(micros // 1_000_000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{micros % 1_000_000:06d}Z"


def parse_iso_micro(text: str) -> int | None:
    """Microseconds since the epoch from an ISO date (with or without Z, fraction, time)."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    return int(moment.timestamp()) * 1_000_000 + micros


# --- sample data ----------------------------------------------------------------------------
def split_phone(text: str) -> tuple[str, str, str]:
    """(country code, area code, number) from a phone number as typed: '+64 21 123 4567'."""
    rest = text.strip()
    country = area = ""
    if rest.startswith("+"):
        match = re.match(r"\+(\d+)[\s-]*", rest)
        if match:
            country, rest = match.group(1), rest[match.end() :]
    match = re.match(r"\((\d+)\)[\s-]*", rest)
    if match:
        area, rest = match.group(1), rest[match.end() :]
    elif country:
        match = re.match(r"(\d+)[\s./-]+", rest)
        if match:
            area, rest = match.group(1), rest[match.end() :]
    return country, area, rest.strip()


def _xsd_safe_phone(text: str) -> dict[str, str]:
    """The parts of a phone number in forms the 1.0 request XSD accepts."""
    country, area, number = split_phone(text)
    digits = re.sub(r"\D", "", number)
    if area and int(area) > 255:
        digits, area = area + digits, ""
    if country and int(country) > 255:
        country = ""
    if digits and int(digits) > 4294967295:
        digits = digits[-9:]
    return {"PhoneNumber": digits, "PhoneAreaCode": area, "PhoneCountryCode": country}


def _xsd_safe_postcode(text: str) -> str:
    return text if text.isdigit() and int(text) <= 65535 else ""


def empty_address(kind: str) -> dict[str, str]:
    """An address of `kind` with every element empty (how Xero fills the missing types)."""
    return {name: (kind if name == "AddressType" else "") for name in ADDRESS_FIELDS}


def empty_phone(kind: str) -> dict[str, str]:
    """A phone of `kind` with every element empty."""
    return {name: (kind if name == "PhoneType" else "") for name in PHONE_FIELDS}


def _sample_parts(
    rng: random.Random, person: sample.Person, request_xsd_safe: bool
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The addresses and phones of a sample person in the 1.0 record's form."""
    street = empty_address("STREET")
    for k, line in enumerate(person.address_lines[:4], start=1):
        street[f"AddressLine{k}"] = line
    postcode = person.postcode
    if request_xsd_safe:
        postcode = _xsd_safe_postcode(postcode)
    street.update(
        City=person.city, Region=person.region, PostalCode=postcode, Country=person.country
    )
    pobox = empty_address("POBOX")
    if rng.random() < 0.3:
        pobox.update(AddressLine1=f"PO Box {rng.randrange(1, 9999)}", City=person.city)
    phones = []
    for kind, key in zip(PHONE_TYPES, ("work", "ddi", "fax", "mobile"), strict=True):
        phone = empty_phone(kind)
        if key in person.phones:
            if request_xsd_safe:
                phone.update(_xsd_safe_phone(person.phones[key]))
            else:
                country, area, number = split_phone(person.phones[key])
                phone.update(PhoneNumber=number, PhoneAreaCode=area, PhoneCountryCode=country)
        phones.append(phone)
    return [street, pobox], phones


def sample_contacts(n: int, seed: int, request_xsd_safe: bool = True) -> list[dict[str, Any]]:
    """`n` deterministic 1.0 records built from `sample.people` (and a few company names)."""
    firms = sample.companies(sample.company_count(n), seed) if n else []
    folk = sample.people(n, seed, companies=len(firms) or 1)
    taken: set[str] = set()
    records = []
    for i, person in enumerate(folk):
        rng = random.Random(f"xero-legacy:{seed}:{i}")
        name = person.display_name
        if i % 4 == 3 and firms[person.company].name.casefold() not in taken:
            name = firms[person.company].name
        if name.casefold() in taken:
            name = f"{name} ({i})"
        taken.add(name.casefold())
        addresses, phones = _sample_parts(rng, person, request_xsd_safe)
        record: dict[str, Any] = {"ContactID": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
        if rng.random() < 0.7:
            record["ContactNumber"] = f"C{20080000 + i}"
        record.update(
            ContactStatus="ACTIVE",
            Name=name,
            EmailAddress=person.email,
            Addresses=addresses,
            Phones=phones,
        )
        if rng.random() < 0.2:
            record["SkypeUserName"] = person.email.split("@")[0]
        if rng.random() < 0.4:
            record["BankAccountDetails"] = (
                f"{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}-{rng.randrange(1000000, 9999999)}-00"
            )
        seconds = int(i * 61 + rng.randrange(60))
        record["UpdatedDateUTC"] = (
            int(_SAMPLE_EPOCH.timestamp()) + seconds
        ) * 1_000_000 + rng.randrange(1_000_000)
        record["IsCustomer"] = rng.random() < 0.7
        record["IsSupplier"] = rng.random() < 0.35
        records.append(record)
    return records


# --- XML out --------------------------------------------------------------------------------
def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def contact_xml(record: dict[str, Any]) -> str:
    """One <Contact> element in the response XSD's order."""
    parts = ["<Contact>"]
    parts += [_element(name, record[name]) for name in HEAD_FIELDS if name in record]
    parts.append("<Addresses>")
    for address in record["Addresses"]:
        parts.append("<Address>")
        parts += [_element(name, address[name]) for name in ADDRESS_FIELDS if name in address]
        parts.append("</Address>")
    parts.append("</Addresses><Phones>")
    for phone in record["Phones"]:
        parts.append("<Phone>")
        parts += [_element(name, phone[name]) for name in PHONE_FIELDS if name in phone]
        parts.append("</Phone>")
    parts.append("</Phones>")
    parts.append(_element("UpdatedDateUTC", format_utc_micro(record["UpdatedDateUTC"])))
    parts += [_element(name, record[name]) for name in TAIL_FIELDS if name in record]
    parts.append("</Contact>")
    return "".join(parts)


def error_xml(error_number: int, kind: str, message: str, contact: str = "") -> str:
    """The ApiException body (the 2.0-era XML error form) for a refusal."""
    elements = ""
    if contact:
        elements = (
            f"<Elements><Contact>{contact}<ValidationErrors><ValidationError>"
            f"{_element('Message', message)}</ValidationError></ValidationErrors>"
            "</Contact></Elements>"
        )
    return (
        f"<ApiException><ErrorNumber>{error_number}</ErrorNumber>{_element('Type', kind)}"
        f"{_element('Message', message)}{elements}</ApiException>"
    )


# --- XML in ---------------------------------------------------------------------------------
def _text(element: ElementTree.Element) -> str:
    return element.text or ""


def _check_number(field: str, value: str, where: str) -> str:
    """`value` stripped, or SaveRefused naming the field if the request XSD refuses it."""
    stripped = value.strip()
    if stripped == "":
        return ""
    largest, type_name = _NUMERIC[field]
    if not stripped.isascii() or not stripped.isdigit() or int(stripped) > largest:
        raise SaveRefused(
            400,
            10,
            "ValidationException",
            f"{field} {stripped!r}{where} is not valid: the request schema allows only "
            f"a whole number from 0 to {largest} ({type_name}).",
        )
    return stripped


def _read_parts(
    parent: ElementTree.Element, item: str, fields: tuple[str, ...]
) -> list[dict[str, str]]:
    items = []
    for element in parent.findall(item):
        record: dict[str, str] = {}
        for child in element:
            if child.tag in fields:
                record[child.tag] = _text(child)
        kind = record.get(fields[0], "").strip()
        if not kind:
            raise SaveRefused(
                400, 10, "ValidationException", f"{fields[0]} is required in every <{item}>."
            )
        where = f" ({kind} {item.lower()})"
        for name in fields:
            if name in _NUMERIC and name in record:
                record[name] = _check_number(name, record[name], where)
        items.append(record)
    return items


def parse_contact(body: bytes, content_type: str) -> dict[str, Any]:
    """The <Contact> of a POST body as a record dict; SaveRefused if the XSD's rules fail."""
    if "x-www-form-urlencoded" in content_type or body.lstrip().startswith(b"xml="):
        values = parse_qs(body.decode("utf-8", "replace")).get("xml")
        if not values:
            raise SaveRefused(400, 14, "PostDataInvalidException", "The form has no xml field.")
        body = values[0].encode("utf-8")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise SaveRefused(
            400, 14, "PostDataInvalidException", "DTDs and entities are not accepted."
        )
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise SaveRefused(
            400, 14, "PostDataInvalidException", f"The body is not well-formed XML: {error}."
        )
    if root.tag != "Contact":
        raise SaveRefused(
            400, 14, "PostDataInvalidException", f"Expected a <Contact> element, got <{root.tag}>."
        )
    record: dict[str, Any] = {}
    for child in root:
        if child.tag in HEAD_FIELDS or child.tag in TAIL_FIELDS:
            record[child.tag] = _text(child)
    if not record.get("Name", "").strip():
        raise SaveRefused(400, 10, "ValidationException", "Name is required: send a <Name>.")
    addresses = root.find("Addresses")
    record["Addresses"] = (
        _read_parts(addresses, "Address", ADDRESS_FIELDS) if addresses is not None else []
    )
    phones = root.find("Phones")
    record["Phones"] = _read_parts(phones, "Phone", PHONE_FIELDS) if phones is not None else []
    return record


def _fill_types(items: list[dict[str, str]], kinds: tuple[str, ...], key: str) -> None:
    """Xero always answers with every address/phone type: add the missing ones, empty."""
    present = {item.get(key, "").upper() for item in items}
    for kind in kinds:
        if kind not in present:
            items.append(empty_address(kind) if key == "AddressType" else empty_phone(kind))


class XeroLegacyService(Service):
    """Xero Partner API 1.0: contacts over XML, keyed by `apiKey` + `xeroKey`."""

    name = "xero-legacy"
    content_type = "xml"

    def __init__(
        self,
        contacts: int = 0,
        seed: int = 1,
        *,
        api_key: str | None = None,
        xero_key: str | None = None,
        provider_name: str = "XeroTest",
        utcnow: Callable[[], datetime] | None = None,
        request_xsd_safe: bool = True,
    ) -> None:
        super().__init__()
        rng = random.Random(f"xero-legacy-keys:{seed}")
        self.api_key = api_key or "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=30))
        self.xero_key = xero_key or "".join(
            rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=30)
        )
        self.provider_name = provider_name
        if utcnow is not None:
            self.utcnow = utcnow  # wall time for record stamps (core.Service's attribute)
        self.request_xsd_safe = request_xsd_safe
        self.records: dict[str, dict[str, Any]] = {}
        self._xml_cache: dict[str, bytes] = {}  # ContactID -> its <Contact> element, encoded
        self._orders: dict[str, list[dict[str, Any]]] = {}  # sort field -> records, ascending
        self._last_stamp = 0
        self._stamp_lock = threading.Lock()
        self.reset(contacts, seed)

    def reset(self, contacts: int = 0, seed: int = 1) -> None:
        """Fresh sample contacts (the keys stay)."""
        with self.lock:
            self.records.clear()
            self._xml_cache.clear()
            self._orders.clear()
            for record in sample_contacts(contacts, seed, self.request_xsd_safe):
                self.records[record["ContactID"]] = record
                self._cached_xml(record)  # rendered now: the first listing is as fast as the rest
            self._ordered("Name")

    # --- account ------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        """The secrets an account needs (the names the connector's settings use)."""
        return {"api_key": self.api_key, "xero_key": self.xero_key}

    def account_settings(self, base_url: str) -> dict[str, Any]:
        """The account settings that point a connector at this sandbox."""
        return {"url": base_url + _PREFIX}

    # --- the API ------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one API call."""
        path = request.path.rstrip("/").lower()
        try:
            if not path.startswith(_PREFIX):
                raise SaveRefused(404, 404, "NotFoundException", f"No API at {request.path}.")
            self._check_keys(request)
            endpoint = path.removeprefix(_PREFIX)
            if endpoint == "/contacts" and request.method in ("GET", "HEAD"):
                return self._list(request)
            if endpoint == "/contact" and request.method in ("POST", "PUT"):
                return self._save(request)
            if endpoint in ("/contacts", "/contact"):
                raise SaveRefused(
                    405, 405, "MethodNotAllowedException", f"{request.method} is not allowed here."
                )
            raise SaveRefused(404, 404, "NotFoundException", f"No API at {request.path}.")
        except SaveRefused as refusal:
            return Response.xml(
                error_xml(refusal.error_number, refusal.kind, refusal.message), refusal.status
            )

    def _check_keys(self, request: Request) -> None:
        if request.arg("apiKey") != self.api_key or request.arg("xeroKey") != self.xero_key:
            raise SaveRefused(
                401,
                401,
                "UnauthorisedException",
                "The apiKey or xeroKey parameter is missing or not valid.",
            )

    def _envelope(self, *inner: bytes) -> Response:
        """The <Response> wrapper around `inner`, joined once (a listing can be 15 MB)."""
        stamp = format_utc_micro(self._now_micro())
        head = (
            '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
            f"<ID>{uuid.uuid4()}</ID><Status>OK</Status>"
            f"{_element('ProviderName', self.provider_name)}"
            f"<DateTimeUTC>{stamp}</DateTimeUTC>"
        )
        return Response.xml(b"".join((head.encode("utf-8"), *inner, b"</Response>")))

    def _list(self, request: Request) -> Response:
        kind = (request.arg("type") or "all").lower()
        sort_by = (request.arg("sortBy") or "name").lower()
        direction = (request.arg("direction") or "asc").lower()
        for value, allowed, name in (
            (kind, ("all", "customers", "suppliers"), "type"),
            (sort_by, ("name", "emailaddress"), "sortBy"),
            (direction, ("asc", "desc"), "direction"),
        ):
            if value not in allowed:
                raise SaveRefused(
                    400, 10, "ValidationException", f"{name} must be one of {', '.join(allowed)}."
                )
        after: int | None = None
        if request.arg("updatedAfter"):
            after = parse_iso_micro(request.arg("updatedAfter") or "")
            if after is None:
                raise SaveRefused(
                    400, 10, "ValidationException", "updatedAfter is not a valid date and time."
                )
        with self.lock:
            chosen = self._ordered("Name" if sort_by == "name" else "EmailAddress")
            if after is not None or kind != "all":
                flag = "IsCustomer" if kind == "customers" else "IsSupplier"
                chosen = [
                    r
                    for r in chosen
                    if (after is None or r["UpdatedDateUTC"] > after) and (kind == "all" or r[flag])
                ]
            if direction == "desc":
                chosen = chosen[::-1]
            fragments = [self._cached_xml(r) for r in chosen]
        if not fragments:
            return self._envelope(b"<Contacts />")
        return self._envelope(b"<Contacts>", *fragments, b"</Contacts>")

    def _ordered(self, key: str) -> list[dict[str, Any]]:
        """Every record sorted by `key` (cached until the next write; lock held)."""
        ordered = self._orders.get(key)
        if ordered is None:
            ordered = sorted(
                self.records.values(), key=lambda r: (r.get(key, "").casefold(), r["ContactID"])
            )
            self._orders[key] = ordered
        return ordered

    def _cached_xml(self, record: dict[str, Any]) -> bytes:
        text = self._xml_cache.get(record["ContactID"])
        if text is None:
            text = self._xml_cache[record["ContactID"]] = contact_xml(record).encode("utf-8")
        return text

    def _save(self, request: Request) -> Response:
        sent = parse_contact(request.body, request.header("content-type") or "")
        with self.lock:
            existing = self._match(sent)
            record: dict[str, Any] = {
                "ContactID": existing["ContactID"] if existing else str(uuid.uuid4())
            }
            for name in HEAD_FIELDS[1:]:
                if name in sent:
                    record[name] = sent[name]
            record.setdefault("ContactStatus", "ACTIVE")
            record["Addresses"] = sent["Addresses"]
            record["Phones"] = sent["Phones"]
            _fill_types(record["Addresses"], ADDRESS_TYPES, "AddressType")
            _fill_types(record["Phones"], PHONE_TYPES, "PhoneType")
            record["UpdatedDateUTC"] = self._stamp()
            for name in TAIL_FIELDS:
                if name in sent:
                    record[name] = sent[name]
            record["IsCustomer"] = bool(existing and existing["IsCustomer"])
            record["IsSupplier"] = bool(existing and existing["IsSupplier"])
            self._store(record)
            text = self._cached_xml(record)
        return self._envelope(text)

    def _match(self, sent: dict[str, Any]) -> dict[str, Any] | None:
        """The record a save updates: by ContactID, then ContactNumber, then Name."""
        contact_id = sent.get("ContactID", "").strip()
        if contact_id:
            found = self.records.get(contact_id) or next(
                (r for key, r in self.records.items() if key.lower() == contact_id.lower()), None
            )
            if found is not None:
                return found
        number = sent.get("ContactNumber", "").strip()
        name = sent["Name"].strip().casefold()
        if number:
            for record in self.records.values():
                if record.get("ContactNumber", "").strip() == number:
                    return record
        for record in self.records.values():
            if record["Name"].strip().casefold() == name:
                return record
        return None

    def _now_micro(self) -> int:
        now = self.utcnow()
        return int(now.timestamp()) * 1_000_000 + now.microsecond

    def _stamp(self) -> int:
        """Now in microseconds, strictly after every earlier stamp (so updatedAfter is exact)."""
        with self._stamp_lock:
            now = max(self._now_micro(), self._last_stamp + 1)
            self._last_stamp = now
            return now

    def _store(self, record: dict[str, Any]) -> None:
        self.records[record["ContactID"]] = record
        self._xml_cache.pop(record["ContactID"], None)
        self._orders.clear()

    # --- the admin side -----------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Every record as JSON (dates in the seed's form, flags included)."""
        with self.lock:
            contacts = [
                {**r, "UpdatedDateUTC": format_utc_micro(r["UpdatedDateUTC"])}
                for r in self.records.values()
            ]
        return {"contacts": contacts}

    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        """Change a record on the service side: top-level fields are replaced as given."""
        with self.lock:
            record = self.records.get(record_id)
            if record is None:
                raise KeyError(f"no contact {record_id}")
            updated = {**record, **{k: v for k, v in changes.items() if k != "ContactID"}}
            updated["UpdatedDateUTC"] = self._stamp()
            self._store(updated)

    def remove(self, record_id: str) -> None:
        """Delete a record on the service side."""
        with self.lock:
            if self.records.pop(record_id, None) is None:
                raise KeyError(f"no contact {record_id}")
            self._xml_cache.pop(record_id, None)
            self._orders.clear()
