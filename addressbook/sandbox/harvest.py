"""The Harvest API v1 stand-in: client contacts and clients in Rails-style typed XML.

Written from seed 003 and SERVICES.md alone:
- HTTP Basic (the user's e-mail and password), else 401.
- `Accept: application/xml` on every call, else 406; `Content-Type: application/xml`
  on POST and PUT, else 415.
- `GET /contacts[?updated_since=YYYY-MM-DD HH:MM]` (UTC, minute precision, inclusive:
  "updated since 18:30" includes 18:30:00), `GET /clients/{id}/contacts`,
  `GET /contacts/{id}`, `POST /contacts` (201, new id only in `Location`, no body),
  `PUT /contacts/{id}` (only the elements sent change; unknown elements are stored and
  answered back), `DELETE /contacts/{id}`; `GET /clients`, `GET /clients/{id}`,
  `GET /account/who_am_i`, `GET /account/rate_limit_status` (not counted).
- The throttle: more than 100 calls in 15 s → 503 with `Retry-After`; every call while
  throttled restarts the 15 s lock-out. `limits_enabled = False` switches it off.

Admin ids: `edit`/`remove` take a contact id; `edit` takes Harvest's element names
(`{"first-name": "Ana", "fax": null}`) and moves `updated-at`.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from addressbook.sandbox import sample
from addressbook.sandbox.core import Request, Response, Service, retry_after_text

THROTTLE_CALLS = 100
THROTTLE_SECONDS = 15.0

# The seed's element order (a Ruby hash order), then anything else the record carries.
CONTACT_ORDER = (
    "created-at",
    "title",
    "updated-at",
    "phone-office",
    "id",
    "client-id",
    "fax",
    "last-name",
    "email",
    "first-name",
    "phone-mobile",
)
WRITABLE = ("client-id", "email", "first-name", "last-name", "phone-office", "phone-mobile",
            "title", "fax")  # fmt: skip
READ_ONLY = ("id", "created-at", "updated-at")
REQUIRED = ("client-id", "first-name", "last-name")
TYPES = {"id": "integer", "client-id": "integer", "created-at": "datetime",
         "updated-at": "datetime"}  # fmt: skip

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # sample stamps lie before this: state is repeatable
_SINCE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
_PATH_ID = re.compile(r"/(contacts|clients)/(\d+)(/contacts)?")


def stamp(moment: datetime) -> str:
    """A Harvest datetime: 2008-04-09T12:07:56Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _element(name: str, value: str | None, kind: str | None) -> str:
    typed = f' type="{kind}"' if kind else ""
    if value is None:
        return f'<{name}{typed} nil="true"></{name}>'
    return f"<{name}{typed}>{escape(value)}</{name}>"


@dataclass
class _Record:
    """One contact or client: element name → text (None is nil), plus element types."""

    values: dict[str, str | None]
    types: dict[str, str] = field(default_factory=dict)
    updated: datetime = _EPOCH
    _xml: str | None = None

    def xml(self, tag: str, order: tuple[str, ...] = ()) -> str:
        """The record as one element, cached until it changes."""
        if self._xml is None:
            names = [n for n in order if n in self.values]
            names += [n for n in self.values if n not in order]
            inner = "".join(
                _element(n, self.values[n], self.types.get(n) or TYPES.get(n)) for n in names
            )
            self._xml = f"<{tag}>{inner}</{tag}>"
        return self._xml

    def set(self, name: str, value: str | None, kind: str | None = None) -> None:
        """Change one element."""
        self.values[name] = value
        if kind and name not in TYPES:
            self.types[name] = kind
        self._xml = None

    def touch(self, moment: datetime) -> None:
        """Move updated-at."""
        self.updated = moment.replace(microsecond=0)
        self.set("updated-at", stamp(self.updated))

    def as_json(self) -> dict[str, Any]:
        """The record for state(): integers as numbers, the rest as on the wire."""
        return {
            n: int(v) if v is not None and TYPES.get(n) == "integer" else v
            for n, v in self.values.items()
        }


class _Refusal(Exception):
    """An API error answer, raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _errors(status: int, *messages: str) -> _Refusal:
    body = "<errors>" + "".join(f"<error>{escape(m)}</error>" for m in messages) + "</errors>"
    return _Refusal(Response.xml(_XML_HEAD + body, status))


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


class HarvestService(Service):
    """Harvest's client contacts API on loopback, with sample clients and contacts."""

    name = "harvest"
    content_type = "xml"

    def __init__(
        self,
        contacts: int = 0,
        seed: int = 1,
        email: str = "demo@example.com",
        password: str = "sandbox-harvest-password",
        subdomain: str = "sandbox",
    ) -> None:
        super().__init__()
        self.email = email
        self.password = password
        self.subdomain = subdomain
        self.contacts: dict[int, _Record] = {}
        self.clients: dict[int, _Record] = {}
        self._calls: deque[float] = deque()
        self._locked_until = 0.0
        self._last_call: datetime | None = None
        self.reset(contacts, seed)

    # --- data ---------------------------------------------------------------------------
    def reset(self, contacts: int = 0, seed: int = 1) -> None:
        """Replace every record with fresh sample data and forget the throttle."""
        with self.lock:
            firms, folk = sample.book(contacts, seed)
            rng = random.Random(f"harvest:{seed}")
            self.clients = {}
            for i, firm in enumerate(firms):
                self._add_client(11072 + i, firm, rng)
            client_ids = list(self.clients)
            self.contacts = {}
            self._next_id = 1001
            for person in folk:
                created = _EPOCH - timedelta(seconds=rng.randrange(86400, 5 * 365 * 86400))
                updated = created + timedelta(seconds=rng.randrange(0, 365 * 86400))
                self._add_contact(client_ids[person.company], person, created, min(updated, _EPOCH))
            self._calls.clear()
            self._locked_until = 0.0

    def add_client(self, name: str, client_id: int | None = None) -> int:
        """Add one client (e.g. the seed's client 9); returns its id."""
        with self.lock:
            number = client_id if client_id is not None else max(self.clients, default=11071) + 1
            firm = sample.Company(name, "", "", [], "", "", "", "")
            self._add_client(number, firm, random.Random(number))
            self.clients[number].set("active", "true")
            return number

    def _add_client(self, client_id: int, firm: sample.Company, rng: random.Random) -> None:
        created = _EPOCH - timedelta(seconds=rng.randrange(365 * 86400, 8 * 365 * 86400))
        details = "\n".join([*firm.address_lines, f"{firm.city} {firm.postcode}".strip(),
                             firm.country])  # fmt: skip
        record = _Record(
            {
                "id": str(client_id),
                "name": firm.name,
                "active": "true" if rng.random() < 0.9 else "false",
                "currency": "New Zealand Dollar - NZD",
                "currency-symbol": "$",
                "details": details,
                "highrise-id": None,
                "default-invoice-timeframe": None,
                "cache-version": str(rng.randrange(1, 2000)),
                "created-at": stamp(created),
            },
            {"active": "boolean", "highrise-id": "integer", "cache-version": "integer"},
        )
        record.touch(created + timedelta(days=rng.randrange(0, 300)))
        self.clients[client_id] = record

    def _add_contact(
        self, client_id: int, person: sample.Person, created: datetime, updated: datetime
    ) -> int:
        contact_id = self._next_id
        self._next_id += 1
        record = _Record(
            {
                "created-at": stamp(created),
                "title": person.title or None,
                "phone-office": person.phones.get("work"),
                "id": str(contact_id),
                "client-id": str(client_id),
                "fax": person.phones.get("fax"),
                "last-name": person.family,
                "email": person.email,
                "first-name": person.given,
                "phone-mobile": person.phones.get("mobile"),
            }
        )
        record.touch(updated)
        self.contacts[contact_id] = record
        return contact_id

    # --- account ------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        """The secrets an account needs, under the names the account settings use."""
        return {"email": self.email, "password": self.password}

    def account_settings(self, base_url: str) -> dict[str, Any]:
        """The account settings that point a connector at this sandbox (the URL is the root)."""
        return {"url": base_url}

    # --- admin --------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Every contact and client, keyed by Harvest's element names."""
        with self.lock:
            return {
                "contacts": [r.as_json() for r in self.contacts.values()],
                "clients": [r.as_json() for r in self.clients.values()],
            }

    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        """Change a contact on the service side; updated-at moves to now."""
        with self.lock:
            record = self._contact(record_id)
            for name, value in changes.items():
                if name in READ_ONLY:
                    raise ValueError(f"{name} cannot be edited")
                record.set(name, None if value is None else str(value))
            record.touch(self.utcnow())

    def remove(self, record_id: str) -> None:
        """Delete a contact on the service side."""
        with self.lock:
            self._contact(record_id)
            del self.contacts[int(record_id)]

    def _contact(self, record_id: str | int) -> _Record:
        try:
            return self.contacts[int(record_id)]
        except (ValueError, KeyError):
            raise KeyError(str(record_id)) from None

    # --- the API ------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Check auth, throttle and media types, then route."""
        try:
            self._authenticate(request)
            counted = request.path != "/account/rate_limit_status"
            if counted and self.limits_enabled:
                self._throttle()
            self._check_media_types(request)
            with self.lock:
                self._last_call = self.utcnow()
                return self._route(request)
        except _Refusal as refusal:
            return refusal.response

    def _authenticate(self, request: Request) -> None:
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or (user, password) != (self.email, self.password):
            raise _Refusal(
                Response.text(
                    "HTTP Basic: Access denied.\n", 401, **{"WWW-Authenticate": 'Basic realm="Web"'}
                )
            )

    def _throttle(self) -> None:
        now = self.clock()
        with self.lock:
            if now < self._locked_until:
                # A call while throttled restarts the wait (SERVICES.md).
                self._locked_until = now + THROTTLE_SECONDS
                raise self._throttled(THROTTLE_SECONDS)
            while self._calls and self._calls[0] <= now - THROTTLE_SECONDS:
                self._calls.popleft()
            if len(self._calls) >= THROTTLE_CALLS:
                self._locked_until = now + THROTTLE_SECONDS
                raise self._throttled(THROTTLE_SECONDS)
            self._calls.append(now)

    def _throttled(self, seconds: float) -> _Refusal:
        return _Refusal(
            Response.text(
                "You have exceeded the rate limit of 100 requests per 15 seconds.\n",
                503,
                **{"Retry-After": retry_after_text(seconds)},
            )
        )

    def _check_media_types(self, request: Request) -> None:
        if not _has_media_type(request.header("accept"), "application/xml"):
            raise _Refusal(Response.text("Send the header Accept: application/xml.\n", 406))
        if request.method in ("POST", "PUT") and not _has_media_type(
            request.header("content-type"), "application/xml"
        ):
            raise _Refusal(Response.text("Send the header Content-Type: application/xml.\n", 415))

    def _route(self, request: Request) -> Response:
        path, method = request.path.rstrip("/") or "/", request.method
        if path == "/contacts":
            if method == "GET":
                return self._list(request, None)
            if method == "POST":
                return self._create(request)
        elif path == "/clients" and method == "GET":
            body = "".join(c.xml("client") for c in self.clients.values())
            return Response.xml(f'{_XML_HEAD}<clients type="array">{body}</clients>')
        elif path == "/account/who_am_i" and method == "GET":
            return Response.xml(self._who_am_i())
        elif path == "/account/rate_limit_status" and method == "GET":
            return Response.xml(self._rate_limit_status())
        elif match := _PATH_ID.fullmatch(path):
            return self._route_id(request, match[1], int(match[2]), bool(match[3]))
        raise _errors(404, f"No route for {method} {path}")

    def _route_id(self, request: Request, kind: str, number: int, nested: bool) -> Response:
        method = request.method
        if kind == "clients":
            if number not in self.clients:
                raise _errors(404, f"Client {number} not found")
            if method == "GET":
                if nested:
                    return self._list(request, number)
                return Response.xml(_XML_HEAD + self.clients[number].xml("client"))
        elif not nested:
            record = self.contacts.get(number)
            if record is None:
                raise _errors(404, f"Contact {number} not found")
            if method == "GET":
                return Response.xml(_XML_HEAD + record.xml("contact", CONTACT_ORDER))
            if method == "PUT":
                return self._update(request, number, record)
            if method == "DELETE":
                del self.contacts[number]
                return Response(200, b"", {"Content-Type": "application/xml; charset=utf-8"})
        raise _errors(405, f"{method} is not allowed on {request.path}")

    # --- contacts -----------------------------------------------------------------------
    def _list(self, request: Request, client_id: int | None) -> Response:
        since = _parse_since(request.arg("updated_since"))
        wanted = None if client_id is None else str(client_id)
        parts = [f'{_XML_HEAD}<contacts type="array">']
        for record in self.contacts.values():
            if wanted is not None and record.values.get("client-id") != wanted:
                continue
            if since is not None and record.updated < since:
                continue
            parts.append(record.xml("contact", CONTACT_ORDER))
        parts.append("</contacts>")
        return Response.xml("".join(parts))

    def _create(self, request: Request) -> Response:
        fields = _parse_contact(request.body)
        missing = [n for n in REQUIRED if not (fields.get(n, (None, None))[0] or "").strip()]
        if missing:
            raise _errors(422, *(f"{_human(n)} can't be blank" for n in missing))
        self._check_fields(fields)
        now = self.utcnow()
        contact_id = self._next_id
        self._next_id += 1
        record = _Record({"created-at": stamp(now), "id": str(contact_id)})
        for name in CONTACT_ORDER:
            if name not in READ_ONLY:
                record.values[name] = None  # a new contact answers every field, nil if unset
        self._apply(record, fields)
        record.touch(now)
        self.contacts[contact_id] = record
        return Response(201, b"", {"Location": f"/contacts/{contact_id}"})

    def _update(self, request: Request, contact_id: int, record: _Record) -> Response:
        fields = _parse_contact(request.body)
        blank = [n for n in REQUIRED if n in fields and not (fields[n][0] or "").strip()]
        if blank:
            raise _errors(422, *(f"{_human(n)} can't be blank" for n in blank))
        self._check_fields(fields)
        self._apply(record, fields)
        record.touch(self.utcnow())
        return Response(
            200,
            b"",
            {
                "Location": f"/contacts/{contact_id}",
                "Content-Type": "application/xml; charset=utf-8",
            },
        )

    def _check_fields(self, fields: dict[str, tuple[str | None, str | None]]) -> None:
        client = fields.get("client-id", (None, None))[0]
        if client is not None:
            if not client.strip().isdigit():
                raise _errors(422, f"Client id {client!r} is not a number")
            if int(client) not in self.clients:
                raise _errors(422, f"Client {int(client)} does not exist")

    def _apply(self, record: _Record, fields: dict[str, tuple[str | None, str | None]]) -> None:
        for name, (value, kind) in fields.items():
            if name in READ_ONLY:
                continue  # Rails ignores protected attributes
            if name == "client-id" and value is not None:
                value = str(int(value))
            record.set(name, value, kind)

    # --- account ------------------------------------------------------------------------
    def _who_am_i(self) -> str:
        company = "".join(
            _element(n, v, k)
            for n, v, k in (
                ("base-uri", f"https://{self.subdomain}.harvestapp.com", None),
                ("full-domain", f"{self.subdomain}.harvestapp.com", None),
                ("name", "Sandbox Consulting Ltd", None),
                ("active", "true", "boolean"),
                ("week-start-day", "Monday", None),
                ("time-format", "hours_minutes", None),
                ("clock", "24h", None),
                ("decimal-symbol", ".", None),
                ("color-scheme", "orange", None),
            )
        )
        user = "".join(
            _element(n, v, k)
            for n, v, k in (
                ("timezone", "Wellington", None),
                ("email", self.email, None),
                ("admin", "true", "boolean"),
                ("id", "50123", "integer"),
                ("first-name", "Demo", None),
                ("last-name", "User", None),
                ("avatar-url", "/assets/profile_images/big_ben.png", None),
                ("timestamp-timers", "false", "boolean"),
            )
        )
        return f"{_XML_HEAD}<hash><company>{company}</company><user>{user}</user></hash>"

    def _rate_limit_status(self) -> str:
        now = self.clock()
        with self.lock:
            while self._calls and self._calls[0] <= now - THROTTLE_SECONDS:
                self._calls.popleft()
            count = len(self._calls)
            lockout = max(0.0, self._locked_until - now) if self.limits_enabled else 0.0
        last = stamp(self._last_call) if self._last_call else None
        body = "".join(
            (
                _element("last-access-at", last, "datetime"),
                _element("count", str(count), "integer"),
                _element("timeframe-limit", str(int(THROTTLE_SECONDS)), "integer"),
                _element("max-calls", str(THROTTLE_CALLS), "integer"),
                _element("lockout-seconds", retry_after_text(lockout), "integer"),
            )
        )
        return f"{_XML_HEAD}<hash>{body}</hash>"


def _has_media_type(header: str | None, wanted: str) -> bool:
    """True if a header lists `wanted` (parameters such as charset allowed)."""
    if not header:
        return False
    return any(part.split(";")[0].strip().lower() == wanted for part in header.split(","))


def _human(name: str) -> str:
    return name.replace("-id", "").replace("-", " ").capitalize()


def _parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    if not _SINCE.fullmatch(text.strip()):
        raise _errors(400, f"updated_since must look like 2010-09-25 18:30 (UTC), not {text!r}")
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    except ValueError:
        raise _errors(400, f"updated_since is not a real date and time: {text!r}") from None


def _parse_contact(body: bytes) -> dict[str, tuple[str | None, str | None]]:
    """A `<contact>` request body as element name → (text or None for nil, type)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise _Refusal(
            Response.xml(
                f"{_XML_HEAD}<errors><error>Malformed XML: {escape(str(error))}</error></errors>",
                400,
                Hint="The body must be one <contact> element in UTF-8 XML.",
            )
        ) from None
    if root.tag != "contact":
        raise _errors(400, f"Expected a <contact> element, got <{root.tag}>")
    fields: dict[str, tuple[str | None, str | None]] = {}
    for child in root:
        if len(child):
            raise _errors(400, f"<{child.tag}> must hold text, not elements")
        nil = child.get("nil") == "true"
        fields[child.tag] = (None if nil else (child.text or ""), child.get("type"))
    return fields
