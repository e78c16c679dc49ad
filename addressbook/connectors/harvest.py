"""Harvest API v1 client contacts (seed 003): XML over HTTP Basic.

Mapping (Harvest element → model): first-name → given_name, last-name → family_name,
title → title, email → emails[0], phone-office → work phone, phone-mobile → mobile
phone, fax → fax phone, client-id → organization (the client's *name*, via GET /clients).
The display name is "first last". The record's XML (xmltodict form) is the raw base;
`updated-at` is the stamp. Harvest has no place for more emails, other phones,
addresses or notes: validate() says so instead of dropping them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from addressbook.connectors import xml
from addressbook.connectors.base import (
    HTTP_SETTINGS,
    AccountConfig,
    CancelToken,
    Client,
    ClientDirectory,
    Connector,
    RemoteContact,
    SecretSource,
    lost_field_problems,
)
from addressbook.connectors.http import HttpClient, HttpSettings, answer_reason, redirect_target
from addressbook.connectors.service import FieldRules, SecretSpec, ServiceDescription
from addressbook.errors import (
    AccountError,
    AuthError,
    BadAnswer,
    NotFound,
    ServiceUnavailable,
    ValidationRefused,
)
from addressbook.i18n import N_, _
from addressbook.model import Contact, Email, Phone

PHONE_ELEMENTS = {"work": "phone-office", "mobile": "phone-mobile", "fax": "fax"}
XML_HEADERS = {"Accept": "application/xml", "Content-Type": "application/xml"}


class HarvestConnector(Connector):
    """One Harvest account (https://SUBDOMAIN.harvestapp.com)."""

    description: ClassVar[ServiceDescription] = ServiceDescription(
        name="harvest",
        label="Harvest",
        icon="harvest",
        url_hint="https://SUBDOMAIN.harvestapp.com",
        secrets=(
            SecretSpec(
                "email",
                N_("Email"),
                N_("The email address you sign in to Harvest with."),
                hidden=False,
            ),
            SecretSpec("password", N_("Password"), N_("Your Harvest password.")),
        ),
        settings=HTTP_SETTINGS,
        can_delete=True,
        has_modified_since=True,
        has_clients=True,
        rules=FieldRules(
            required=("given_name", "family_name"),
            client_field="organization",
            holds=(
                "given_name",
                "family_name",
                "organization",
                "title",
                "emails",
                "phones",
                "status",
            ),
            phone_kinds=("work", "mobile", "fax"),
            max_emails=1,
        ),
    )
    cursor_margin_seconds = 120  # updated_since has minute precision: ask from 2 minutes before
    page_size = 500  # the listing is one answer; the engine gets it in pages of this size

    def __init__(
        self, account: AccountConfig, secrets: SecretSource, cancel: CancelToken | None = None
    ) -> None:
        super().__init__(account, secrets, cancel)
        self._http: HttpClient | None = None
        self.directory = ClientDirectory(self._fetch_clients, self.label)

    # --- the HTTP client ----------------------------------------------------------------
    @property
    def http(self) -> HttpClient:
        """The account's HTTP client, made on first use."""
        if self._http is None:
            self._http = self._make_http()
        return self._http

    def _make_http(self) -> HttpClient:
        name = self.account.name
        if not self.account.url:
            raise AccountError(
                _(
                    "Harvest account {account} has no URL; add it again with "
                    "--url https://SUBDOMAIN.harvestapp.com."
                ).format(account=name)
            )
        email, password = self.secrets.get("email"), self.secrets.get("password")
        if not email or not password:
            raise AuthError(
                _(
                    "Harvest account {account} has no email or password in the keyring; enter "
                    "them again with `addressbook accounts login {account}`."
                ).format(account=name)
            )
        settings = HttpSettings.from_settings(
            self.account.settings, max_calls=95, per_seconds=15.5, max_in_flight=4
        )
        return HttpClient(
            self.account.url,
            service=self.label,
            account=name,
            settings=settings,
            auth=(email, password),
            headers=XML_HEADERS,
            cancel=self.cancel,
            auth_message=_(
                "Harvest refused the email or password for account {account}; enter them "
                "again with `addressbook accounts login {account}`."
            ).format(account=name),
            limit_description=_("100 calls per 15 seconds"),
            throttle_statuses=(429, 503),
            clock=self.clock,
        )

    def close(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- reading --------------------------------------------------------------------------
    def check(self) -> str:
        """Sign in with GET /account/who_am_i."""
        doc = self._xml(self.http.request("GET", "/account/who_am_i"))
        root = next(iter(doc.values())) or {}
        user = root.get("user") or {} if isinstance(root, dict) else {}
        company = root.get("company") or {} if isinstance(root, dict) else {}
        email = xml.text(user.get("email")) if isinstance(user, dict) else None
        firm = xml.text(company.get("name")) if isinstance(company, dict) else None
        who = email or self.secrets.get("email") or "?"
        if firm:
            return _("Harvest: signed in as {who} at {firm}.").format(who=who, firm=firm)
        return _("Harvest: signed in as {who}.").format(who=who)

    def pull(self, since: datetime | None) -> Iterator[list[RemoteContact]]:
        """GET /contacts (with updated_since when `since` is given), streamed in pages."""
        params: dict[str, str] = {}
        if since is not None:
            params["updated_since"] = self.updated_since(since)
        with self.http.stream("GET", "/contacts", params=params) as response:
            self._expect(response, 200, _("the contact list"))
            chunks = self.http.iter_bytes(response)
            first = b""
            while len(first) < 256 and (piece := next(chunks, None)) is not None:
                first += piece  # enough to see a declaration before choosing the encoding
            encoding = xml.encoding_for(first, response.headers.get("Content-Type"))
            stream = xml.XmlStream(item_depth=2, service=self.label, encoding=encoding)
            page: list[RemoteContact] = []
            pages = 0
            for chunk in itertools.chain([first], chunks):
                for path, item in stream.feed(chunk):
                    page.extend(self._listed(path, item))
                    if len(page) >= self.page_size:
                        self.cancel.check()
                        yield page
                        page, pages = [], pages + 1
            for path, item in stream.close():
                page.extend(self._listed(path, item))
            if "contacts" not in stream.document and not xml.is_empty_list(stream.document):
                raise BadAnswer(
                    _(
                        "Harvest answered the contact list with <{tag}> instead of <contacts>."
                    ).format(tag=next(iter(stream.document)))
                )
            if page or not pages:
                yield page

    def updated_since(self, since: datetime) -> str:
        """The updated_since value: UTC, minute precision, a margin before `since`."""
        moment = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        moment -= timedelta(seconds=max(60, self.cursor_margin_seconds))
        return moment.strftime("%Y-%m-%d %H:%M")

    def _listed(self, path: xml.Path, item: Any) -> list[RemoteContact]:
        if path[-1][0] != "contact" or not isinstance(item, dict):
            return []
        return [self.to_remote(item)]

    def get(self, remote_id: str) -> RemoteContact:
        """GET /contacts/{id}; 404 → NotFound."""
        response = self.http.request("GET", f"/contacts/{_id(remote_id)}")
        if response.status_code == 404:
            raise self._not_found(remote_id)
        self._expect(response, 200, _("contact {id}").format(id=remote_id))
        record = self._xml(response).get("contact")
        if not isinstance(record, dict):
            raise BadAnswer(
                _("Harvest answered contact {id} without a <contact>.").format(id=remote_id)
            )
        return self.to_remote(record)

    def clients(self) -> list[Client]:
        """The account's clients (cached for this connector)."""
        return list(self.directory.all())

    def _fetch_clients(self) -> list[Client]:
        response = self.http.request("GET", "/clients")
        self._expect(response, 200, _("the client list"))
        doc = self._xml(response, force_list={"client"})
        listing = doc.get("clients") or {}
        items = listing.get("client", []) if isinstance(listing, dict) else []
        return [
            Client(id=xml.text(c.get("id")) or "", name=xml.text(c.get("name")) or "")
            for c in items
            if isinstance(c, dict)
        ]

    # --- mapping ----------------------------------------------------------------------------
    def to_remote(self, raw: dict[str, Any]) -> RemoteContact:
        """A Harvest <contact> (xmltodict form) as a RemoteContact."""
        remote_id = xml.text(raw.get("id"))
        if not remote_id:
            raise BadAnswer(_("Harvest sent a contact without an id."))
        phones = [
            Phone(number=number, kind=kind)
            for kind, element in PHONE_ELEMENTS.items()
            if (number := xml.text(raw.get(element)))
        ]
        email = xml.text(raw.get("email"))
        contact = Contact(
            given_name=xml.text(raw.get("first-name")) or "",
            family_name=xml.text(raw.get("last-name")) or "",
            organization=self.directory.name_of(xml.text(raw.get("client-id"))),
            title=xml.text(raw.get("title")) or "",
            emails=[Email(address=email)] if email else [],
            phones=phones,
        )
        return RemoteContact(remote_id, contact, raw, stamp=xml.text(raw.get("updated-at")))

    @staticmethod
    def elements(contact: Contact) -> dict[str, str | None]:
        """The writable elements (except client-id) for a contact."""
        values: dict[str, str | None] = {
            "first-name": contact.given_name or None,
            "last-name": contact.family_name or None,
            "title": contact.title or None,
            "email": contact.emails[0].address if contact.emails else None,
        }
        for kind, element in PHONE_ELEMENTS.items():
            numbers = [p.number for p in contact.phones if p.kind == kind]
            values[element] = numbers[0] if numbers else None
        return values

    # --- writing ------------------------------------------------------------------------------
    def validate(self, contact: Contact, base: RemoteContact | None) -> list[str]:
        """Required names and client; parts Harvest has no place for."""
        problems: list[str] = []
        if not contact.given_name:
            problems.append(
                _("{service} needs a first name (given_name) for every contact.").format(
                    service=self.label
                )
            )
        if not contact.family_name:
            problems.append(
                _("{service} needs a last name (family_name) for every contact.").format(
                    service=self.label
                )
            )
        if base is None or contact.organization != base.contact.organization:
            client_problem = self.directory.problem(contact.organization)
            if client_problem:
                problems.append(client_problem)
        problems += lost_field_problems(
            contact, self.label, tuple(PHONE_ELEMENTS), base=base.contact if base else None
        )
        return problems

    def _refuse_invalid(self, contact: Contact, base: RemoteContact | None) -> None:
        problems = self.validate(contact, base)
        if problems:
            raise ValidationRefused(" ".join(problems), problems)

    def _client_element(self, organization: str, base: Any = None) -> Any:
        client = self.directory.find(organization)
        if client is None:  # validate() has already refused this; a last guard
            raise ValidationRefused(self.directory.problem(organization) or "Unknown client.")
        return xml.with_text(base if base is not None else {"@type": "integer"}, client.id)

    def create(self, contact: Contact, idempotency_key: str) -> RemoteContact:
        """POST /contacts (201 + Location), then GET the new record."""
        self._refuse_invalid(contact, None)
        body: dict[str, Any] = {"client-id": self._client_element(contact.organization)}
        body.update({k: v for k, v in self.elements(contact).items() if v is not None})
        response = self.http.request(
            "POST", "/contacts", content=xml.to_xml("contact", body), safe=False
        )
        self._refused(response, _("the new contact"))
        self._expect(response, 201, _("the new contact"))
        new_id = _location_id(response.headers.get("Location", ""))
        if new_id is None:
            raise BadAnswer(
                _(
                    "Harvest created the contact but did not say its id (no Location header); "
                    "run `addressbook sync` to fetch it."
                )
            )
        return self.get(new_id)

    def find_created(self, contact: Contact, idempotency_key: str) -> RemoteContact | None:
        """The contact a lost create made: same client, first and last name and email."""
        client = self.directory.find(contact.organization)
        if client is None:
            return None
        response = self.http.request("GET", f"/clients/{_id(client.id)}/contacts")
        if response.status_code == 404:
            return None
        self._expect(response, 200, _("the client's contacts"))
        doc = self._xml(response, force_list={"contact"})
        listing = doc.get("contacts") or {}
        wanted = self.elements(contact)
        keys = ("first-name", "last-name", "email")
        for raw in listing.get("contact", []) if isinstance(listing, dict) else []:
            if isinstance(raw, dict) and all(_same(xml.text(raw.get(k)), wanted[k]) for k in keys):
                return self.to_remote(raw)
        return None

    def update(self, base: RemoteContact, local: Contact, idempotency_key: str) -> RemoteContact:
        """PUT /contacts/{id} with only the changed elements; then GET the fresh record."""
        self._refuse_invalid(local, base)
        old, new = self.elements(base.contact), self.elements(local)
        body: dict[str, Any] = {
            name: xml.with_text(base.raw.get(name), new[name])
            for name in new
            if new[name] != old[name]
        }
        if local.organization != base.contact.organization:
            body["client-id"] = self._client_element(local.organization, base.raw.get("client-id"))
        if not body:
            return self.get(base.remote_id)
        response = self.http.request(
            "PUT",
            f"/contacts/{_id(base.remote_id)}",
            content=xml.to_xml("contact", body),
            safe=False,
        )
        if response.status_code == 404:
            raise self._not_found(base.remote_id)
        self._refused(response, _("contact {id}").format(id=base.remote_id))
        self._expect(response, 200, _("contact {id}").format(id=base.remote_id))
        return self.get(base.remote_id)

    def delete(self, base: RemoteContact, idempotency_key: str) -> RemoteContact | None:
        """DELETE /contacts/{id}; already gone (404) counts as deleted."""
        response = self.http.request("DELETE", f"/contacts/{_id(base.remote_id)}", safe=False)
        if response.status_code != 404:
            self._expect(response, 200, _("contact {id}").format(id=base.remote_id))
        return None

    # --- answers --------------------------------------------------------------------------------
    def _xml(
        self, response: httpx.Response, force_list: frozenset[str] | set[str] = frozenset()
    ) -> dict[str, Any]:
        body = response.content
        encoding = xml.encoding_for(body, response.headers.get("Content-Type"))
        return xml.parse(body, force_list=force_list, service=self.label, encoding=encoding)

    def _not_found(self, remote_id: str) -> NotFound:
        return NotFound(
            _("Contact {id} is no longer on Harvest (account {account}).").format(
                id=remote_id, account=self.account.name
            )
        )

    def _refused(self, response: httpx.Response, what: str) -> None:
        """A 400/422 answer → ValidationRefused with the service's own words."""
        if response.status_code not in (400, 422):
            return
        reasons = _error_texts(response)
        hint = response.headers.get("Hint")
        if hint:
            reasons.append(hint)
        text = "; ".join(reasons) or _("HTTP status {status}").format(status=response.status_code)
        raise ValidationRefused(
            _("Harvest refused the request ({what}): {reason}.").format(what=what, reason=text),
            reasons or [text],
        )

    def _expect(self, response: httpx.Response, status: int, what: str) -> None:
        if response.status_code == status:
            return
        if 300 <= response.status_code < 400:
            # not followed: a redirected write would turn into a GET; the URL must be fixed
            raise AccountError(
                _(
                    "Harvest account {account} answered with a redirect (HTTP {status}, {what}) "
                    "to {target}; check the account's URL (addressbook does not follow redirects)."
                ).format(
                    account=self.account.name,
                    status=response.status_code,
                    what=what,
                    target=redirect_target(response),
                )
            )
        if response.status_code >= 500:
            raise ServiceUnavailable(
                _("Harvest failed (HTTP {status}, {what}); try again later.").format(
                    status=response.status_code, what=what
                )
            ).with_context(self.account.name, f"reading {what}")
        said = answer_reason(response)
        values = {
            "got": response.status_code,
            "what": what,
            "account": self.account.name,
            "said": said,
            "expected": status,
        }
        sentence = (
            _(
                "Harvest answered HTTP {got} ({what}, account {account}; Harvest says: "
                "{said}); expected {expected}."
            )
            if said
            else _("Harvest answered HTTP {got} ({what}, account {account}); expected {expected}.")
        )
        raise BadAnswer(sentence.format(**values)).with_context(
            self.account.name, _("reading {what}").format(what=what)
        )


def _id(remote_id: str) -> str:
    """A Harvest id as a path segment (digits only: nothing else may reach the URL)."""
    text = str(remote_id).strip()
    if not _DIGITS.fullmatch(text):
        raise NotFound(_("{id!r} is not a Harvest contact id.").format(id=text))
    return text


_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes '²' and '١'


def _location_id(location: str) -> str | None:
    """The new id in a Location header: /contacts/123, absolute, with '/', a query or '.xml'."""
    path = urlsplit(location.strip()).path.rstrip("/")
    last = path.rpartition("/")[2].removesuffix(".xml")
    return last if _DIGITS.fullmatch(last) else None


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def _error_texts(response: httpx.Response) -> list[str]:
    """The <error> texts of an error answer, else its plain text (short)."""
    body = response.content
    if not body.strip():
        return []
    try:
        doc = xml.parse(body, force_list={"error"}, service="Harvest")
    except BadAnswer:
        return [gist] if (gist := xml.plain_text(body)) else []
    root = next(iter(doc.values()))
    if isinstance(root, dict):
        return [t for e in root.get("error", []) if (t := xml.text(e))]
    return [xml.text(root) or ""]
