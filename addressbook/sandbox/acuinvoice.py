"""The AcuInvoice stand-in: one XML entry point, `POST /api/xml-in`, with `<request method=…>`.

Written from seed 004 and SERVICES.md alone:
- HTTP Basic with the API key as user name and any password, else 401.
- Answers `<response status="ok">…</response>` or
  `<response status="fail"><error>…</error></response>` (HTTP 200, as FreshBooks-style
  services do) for anything wrong with the request: malformed XML, an unknown method,
  a missing required field (named in the error), an unknown id.
- Methods: contact.create (client_id, first_name, last_name, email required; answers
  `<contact_id>`), contact.update (`contact_id` + any fields; unnamed fields unchanged),
  contact.get, contact.delete, contact.list (filters `client_id`, `email`; `page`,
  `per_page` default 25, at most 100), client.list (`page`, `per_page`), client.get.
- Lists come wrapped, `<contacts page= per_page= pages= total=>`, or bare under
  `<response>` as the seed shows: `AcuInvoiceService(wrapped_lists=False)`.
- Dates `YYYY-MM-DD HH:MM:SS` (UTC), booleans 1/0, UTF-8 throughout. No rate limits
  are documented, so none are enforced.

Admin ids: `edit`/`remove` take a contact_id; `edit` takes AcuInvoice field names
(`{"first_name": "Ana"}`) and moves `updated`.
"""

from __future__ import annotations

import base64
import binascii
import math
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from addressbook.sandbox import sample
from addressbook.sandbox.core import Request, Response, Service

CONTACT_FIELDS = (
    "contact_id",
    "client_id",
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile_phone",
    "fax",
    "contact_type",
    "notify",
    "updated",
)
WRITABLE = ("client_id", "username", "first_name", "last_name", "email", "phone",
            "mobile_phone", "fax", "contact_type", "notify")  # fmt: skip
REQUIRED = ("client_id", "first_name", "last_name", "email")
CLIENT_FIELDS = (
    "client_id",
    "organization",
    "first_name",
    "last_name",
    "email",
    "username",
    "work_phone",
    "home_phone",
    "mobile",
    "fax",
    "language",
    "currency_code",
    "notes",
    "p_street1",
    "p_street2",
    "p_city",
    "p_state",
    "p_country",
    "p_code",
    "url",
    "updated",
)
PER_PAGE_DEFAULT = 25
PER_PAGE_MAX = 100

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # sample stamps lie before this: state is repeatable
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def stamp(moment: datetime) -> str:
    """An AcuInvoice date: 2024-01-31 13:45:00 (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class _Fail(Exception):
    """A `status="fail"` answer with this error text."""


def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else f"<{name}/>"


def _record_xml(tag: str, record: dict[str, str]) -> str:
    return f"<{tag}>" + "".join(_element(n, v) for n, v in record.items()) + f"</{tag}>"


def _ok(inner: str = "") -> Response:
    if not inner:
        return Response.xml(f'{_XML_HEAD}<response status="ok"/>')
    return Response.xml(f'{_XML_HEAD}<response status="ok">{inner}</response>')


def _fail(message: str, status: int = 200) -> Response:
    return Response.xml(
        f'{_XML_HEAD}<response status="fail"><error>{escape(message)}</error></response>', status
    )


class AcuInvoiceService(Service):
    """AcuInvoice's XML-over-POST contact API on loopback, with sample clients and contacts."""

    name = "acuinvoice"
    content_type = "xml"

    def __init__(
        self,
        contacts: int = 0,
        seed: int = 1,
        api_key: str = "sandbox-acuinvoice-key-5f2b9c",
        wrapped_lists: bool = True,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.wrapped_lists = wrapped_lists
        self.contacts: dict[int, dict[str, str]] = {}
        self.clients: dict[int, dict[str, str]] = {}
        self.reset(contacts, seed)

    # --- data ---------------------------------------------------------------------------
    def reset(self, contacts: int = 0, seed: int = 1) -> None:
        """Replace every record with fresh sample data."""
        with self.lock:
            firms, folk = sample.book(contacts, seed)
            rng = random.Random(f"acuinvoice:{seed}")
            self.clients = {i + 1: self._client(i + 1, firm, rng) for i, firm in enumerate(firms)}
            self.contacts = {}
            self._next_id = 1
            for person in folk:
                updated = _EPOCH - timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
                self._add(person.company + 1, person, updated, rng)

    def add_client(self, organization: str, client_id: int | None = None) -> int:
        """Add one client; returns its client_id."""
        with self.lock:
            number = client_id if client_id is not None else max(self.clients, default=0) + 1
            firm = sample.Company(organization, "", "", [], "", "", "", "")
            self.clients[number] = self._client(number, firm, random.Random(number))
            return number

    def _client(self, client_id: int, firm: sample.Company, rng: random.Random) -> dict[str, str]:
        lines = [*firm.address_lines, ""][:2]
        values = {
            "client_id": str(client_id),
            "organization": firm.name,
            "first_name": "",
            "last_name": "",
            "email": firm.email,
            "username": f"client{client_id}",
            "work_phone": firm.phone,
            "home_phone": "",
            "mobile": "",
            "fax": firm.fax,
            "language": {"de": "de", "ja": "ja", "zh": "zh", "vi": "vi"}.get(firm.locale, "en"),
            "currency_code": rng.choice(("NZD", "AUD", "USD", "EUR")),
            "notes": "",
            "p_street1": lines[0],
            "p_street2": lines[1],
            "p_city": firm.city,
            "p_state": firm.region,
            "p_country": firm.country,
            "p_code": firm.postcode,
            "url": firm.website,
            "updated": stamp(_EPOCH - timedelta(seconds=rng.randrange(0, 5 * 365 * 86400))),
        }
        return {n: values[n] for n in CLIENT_FIELDS}

    def _add(
        self, client_id: int, person: sample.Person, updated: datetime, rng: random.Random
    ) -> int:
        contact_id = self._next_id
        self._next_id += 1
        self.contacts[contact_id] = {
            "contact_id": str(contact_id),
            "client_id": str(client_id),
            "username": person.email.split("@")[0],
            "first_name": person.given,
            "last_name": person.family,
            "email": person.email,
            "phone": person.phones.get("work", ""),
            "mobile_phone": person.phones.get("mobile", ""),
            "fax": person.phones.get("fax", ""),
            "contact_type": "primary" if rng.random() < 0.3 else "secondary",
            "notify": "1" if rng.random() < 0.5 else "0",
            "updated": stamp(updated),
        }
        return contact_id

    # --- account ------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        """The secrets an account needs, under the names the account settings use."""
        return {"api_key": self.api_key}

    def account_settings(self, base_url: str) -> dict[str, Any]:
        """The account settings that point a connector at this sandbox (the URL is the root)."""
        return {"url": base_url}

    # --- admin --------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Every contact and client, keyed by AcuInvoice's field names."""
        with self.lock:
            return {
                "contacts": [dict(c) for c in self.contacts.values()],
                "clients": [dict(c) for c in self.clients.values()],
            }

    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        """Change a contact on the service side; `updated` moves to now."""
        with self.lock:
            record = self._contact(record_id)
            for name, value in changes.items():
                if name in ("contact_id", "updated"):
                    raise ValueError(f"{name} cannot be edited")
                record[name] = "" if value is None else str(value)
            record["updated"] = stamp(self.utcnow())

    def remove(self, record_id: str) -> None:
        """Delete a contact on the service side."""
        with self.lock:
            self._contact(record_id)
            del self.contacts[int(record_id)]

    def _contact(self, record_id: str) -> dict[str, str]:
        try:
            return self.contacts[int(record_id)]
        except (ValueError, KeyError):
            raise KeyError(str(record_id)) from None

    # --- the API ------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Check the key, parse `<request method=…>` and run the method."""
        if request.path.rstrip("/") != "/api/xml-in":
            return Response.text(f"Not found: {request.path}\n", 404)
        if request.method != "POST":
            return Response.text("Use POST.\n", 405, Allow="POST")
        if not self._authenticated(request):
            response = _fail("Authentication failed: send the API key as the HTTP Basic user.", 401)
            response.headers["WWW-Authenticate"] = 'Basic realm="AcuInvoice API"'
            return response
        try:
            root = _parse(request.body)
            method = self._methods().get(root.get("method", ""))
            if method is None:
                raise _Fail(f"Unknown method {root.get('method', '')!r}.")
            with self.lock:
                return method(root)
        except _Fail as fail:
            return _fail(str(fail))

    def _authenticated(self, request: Request) -> bool:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        try:
            user = base64.b64decode(token, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return False
        return scheme.lower() == "basic" and user == self.api_key

    def _methods(self) -> dict[str, Callable[[ET.Element], Response]]:
        return {
            "contact.create": self._create,
            "contact.update": self._update,
            "contact.get": self._get,
            "contact.delete": self._delete,
            "contact.list": self._list,
            "client.list": self._client_list,
            "client.get": self._client_get,
        }

    def _create(self, root: ET.Element) -> Response:
        fields = _fields(_child(root, "contact"))
        for name in REQUIRED:
            if not fields.get(name, "").strip():
                raise _Fail(f"Missing required field: {name}.")
        self._check_client(fields["client_id"])
        contact_id = self._next_id
        self._next_id += 1
        record = dict.fromkeys(CONTACT_FIELDS, "")
        record.update(contact_id=str(contact_id), contact_type="secondary", notify="0")
        record.update({n: v for n, v in fields.items() if n in WRITABLE})
        record["client_id"] = str(int(record["client_id"]))
        record["updated"] = stamp(self.utcnow())
        self.contacts[contact_id] = record
        return _ok(f"<contact_id>{contact_id}</contact_id>")

    def _update(self, root: ET.Element) -> Response:
        fields = _fields(_child(root, "contact"))
        if "contact_id" not in fields:
            raise _Fail("Missing required field: contact_id.")
        record = self._find(fields["contact_id"])
        for name in REQUIRED:
            if name in fields and not fields[name].strip():
                raise _Fail(f"Field {name} cannot be empty.")
        if "client_id" in fields:
            self._check_client(fields["client_id"])
            fields["client_id"] = str(int(fields["client_id"]))
        record.update({n: v for n, v in fields.items() if n in WRITABLE})
        record["updated"] = stamp(self.utcnow())
        return _ok()

    def _get(self, root: ET.Element) -> Response:
        return _ok(_record_xml("contact", self._find(_text(root, "contact_id"))))

    def _delete(self, root: ET.Element) -> Response:
        record = self._find(_text(root, "contact_id"))
        del self.contacts[int(record["contact_id"])]
        return _ok()

    def _list(self, root: ET.Element) -> Response:
        matches: Iterable[dict[str, str]] = self.contacts.values()
        client = _optional(root, "client_id")
        if client is not None:
            matches = [c for c in matches if c["client_id"] == str(_number(client, "client_id"))]
        email = _optional(root, "email")
        if email is not None:
            wanted = email.strip().casefold()
            matches = [c for c in matches if c["email"].casefold() == wanted]
        return self._page(root, "contacts", "contact", list(matches))

    def _client_list(self, root: ET.Element) -> Response:
        return self._page(root, "clients", "client", list(self.clients.values()))

    def _client_get(self, root: ET.Element) -> Response:
        client_id = _number(_text(root, "client_id"), "client_id")
        if client_id not in self.clients:
            raise _Fail(f"Client {client_id} not found.")
        return _ok(_record_xml("client", self.clients[client_id]))

    def _page(
        self, root: ET.Element, plural: str, tag: str, records: list[dict[str, str]]
    ) -> Response:
        page = _number(_optional(root, "page") or "1", "page")
        per_page = _number(_optional(root, "per_page") or str(PER_PAGE_DEFAULT), "per_page")
        if page < 1 or per_page < 1:
            raise _Fail("page and per_page must be 1 or more.")
        per_page = min(per_page, PER_PAGE_MAX)
        total = len(records)
        chosen = records[(page - 1) * per_page : page * per_page]
        inner = "".join(_record_xml(tag, r) for r in chosen)
        if not self.wrapped_lists:
            return _ok(inner)
        pages = math.ceil(total / per_page)
        attrs = f'page="{page}" per_page="{per_page}" pages="{pages}" total="{total}"'
        return _ok(f"<{plural} {attrs}>{inner}</{plural}>")

    def _find(self, contact_id: str) -> dict[str, str]:
        number = _number(contact_id, "contact_id")
        if number not in self.contacts:
            raise _Fail(f"Contact {number} not found.")
        return self.contacts[number]

    def _check_client(self, client_id: str) -> None:
        number = _number(client_id, "client_id")
        if number not in self.clients:
            raise _Fail(f"Client {number} not found: client_id must name an existing client.")


def _parse(body: bytes) -> ET.Element:
    if not body.strip():
        raise _Fail('Empty request: send <request method="…"> in the body.')
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise _Fail(f"Malformed request XML: {error}.") from None
    if root.tag != "request" or not root.get("method"):
        raise _Fail('The body must be one <request method="…"> element.')
    return root


def _child(root: ET.Element, name: str) -> ET.Element:
    child = root.find(name)
    if child is None:
        raise _Fail(f"Missing element <{name}>.")
    return child


def _optional(root: ET.Element, name: str) -> str | None:
    child = root.find(name)
    return None if child is None else (child.text or "").strip()


def _text(root: ET.Element, name: str) -> str:
    value = _optional(root, name)
    if not value:
        raise _Fail(f"Missing required field: {name}.")
    return value


def _number(text: str, name: str) -> int:
    if not text.strip().isdigit():
        raise _Fail(f"{name} must be a whole number, not {text!r}.")
    return int(text)


def _fields(element: ET.Element) -> dict[str, str]:
    fields = {}
    for child in element:
        if len(child):
            raise _Fail(f"<{child.tag}> must hold text, not elements.")
        fields[child.tag] = (child.text or "").strip()
    return fields
