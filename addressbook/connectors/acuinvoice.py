"""AcuInvoice (seed 004): XML requests POSTed to one entry point, `{url}/api/xml-in`.

Mapping (AcuInvoice field → model): first_name → given_name, last_name → family_name,
email → emails[0], phone → work phone, mobile_phone → mobile phone, fax → fax phone,
client_id → organization (the client's `organization` name, via client.list). The
record (xmltodict form) is the raw base; `updated` is the stamp. There is no
modified-since filter: every pull is a full listing, paged through contact.list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

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
from addressbook.connectors.http import HttpClient, HttpSettings, redirect_target
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

if TYPE_CHECKING:
    import httpx

ENDPOINT = "/api/xml-in"
READ_METHODS = frozenset({"contact.list", "contact.get", "client.list", "client.get"})
PHONE_FIELDS = {"work": "phone", "mobile": "mobile_phone", "fax": "fax"}
REFUSED_LISTING = {  # a list method's refusal, by the plural it lists
    "contacts": N_("AcuInvoice refused to list the contacts: {reason}."),
    "clients": N_("AcuInvoice refused to list the clients: {reason}."),
}


class _Failed(Exception):
    """A `<response status="fail">` answer; its text is the service's reason."""


class AcuInvoiceConnector(Connector):
    """One AcuInvoice account (https://ACCOUNT.acuinvoice.com)."""

    description: ClassVar[ServiceDescription] = ServiceDescription(
        name="acuinvoice",
        label="AcuInvoice",
        icon="acuinvoice",
        url_hint="https://ACCOUNT.acuinvoice.com",
        secrets=(
            SecretSpec(
                "api_key",
                N_("API key"),
                N_(
                    "In AcuInvoice under My Account, API; it changes whenever the "
                    "account's master password changes."
                ),
            ),
        ),
        settings=HTTP_SETTINGS,
        can_delete=True,
        has_modified_since=False,
        has_clients=True,
        rules=FieldRules(
            required=("given_name", "family_name", "email"),
            client_field="organization",
            holds=("given_name", "family_name", "organization", "emails", "phones", "status"),
            phone_kinds=("work", "mobile", "fax"),
            max_emails=1,
        ),
    )
    per_page = 100  # the most the service gives per page
    max_pages = 100_000  # a service that never sends a short page must not loop forever

    def __init__(
        self, account: AccountConfig, secrets: SecretSource, cancel: CancelToken | None = None
    ) -> None:
        super().__init__(account, secrets, cancel)
        self._http: HttpClient | None = None
        self.directory = ClientDirectory(self._fetch_clients, self.label)

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
                    "AcuInvoice account {account} has no URL; add it again with "
                    "--url https://ACCOUNT.acuinvoice.com."
                ).format(account=name)
            )
        key = self.secrets.get("api_key")
        if not key:
            raise AuthError(
                _(
                    "AcuInvoice account {account} has no API key in the keyring; enter it again "
                    "with `addressbook accounts login {account}`."
                ).format(account=name)
            )
        return HttpClient(
            self.account.url,
            service=self.label,
            account=name,
            settings=HttpSettings.from_settings(self.account.settings, max_in_flight=4),
            auth=(key, "X"),
            headers={"Accept": "application/xml", "Content-Type": "application/xml"},
            cancel=self.cancel,
            auth_message=_(
                "AcuInvoice refused the API key for account {account} (it changes when the "
                "master password changes); enter the new key with "
                "`addressbook accounts login {account}`."
            ).format(account=name),
            throttle_statuses=(429, 503),
            clock=self.clock,
        )

    def close(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- the one entry point ------------------------------------------------------------
    def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `<request method=…>`; the `<response>` element, or _Failed with the reason."""
        content = xml.to_xml("request", {"@method": method, **body})
        response = self.http.request("POST", ENDPOINT, content=content, safe=method in READ_METHODS)
        if response.status_code == 404:
            raise AccountError(
                _(
                    "There is no AcuInvoice API at {url}; check the URL of account {account}."
                ).format(url=f"{self.http.base_url}{ENDPOINT}", account=self.account.name)
            )
        if response.status_code >= 500:
            raise ServiceUnavailable(
                _("AcuInvoice failed (HTTP {status}); try again later.").format(
                    status=response.status_code
                )
            )
        if 300 <= response.status_code < 400:
            # not followed: the POST would turn into a GET elsewhere; the URL must be fixed
            raise AccountError(
                _(
                    "AcuInvoice account {account} answered {method} with a redirect "
                    "(HTTP {status}) to {target}; check the account's URL (addressbook does "
                    "not follow redirects)."
                ).format(
                    account=self.account.name,
                    method=method,
                    status=response.status_code,
                    target=redirect_target(response),
                )
            )
        doc = self._parse(response, method)
        root = doc.get("response")
        if "response" not in doc:
            raise BadAnswer(
                _("AcuInvoice answered {method} with <{tag}>, not <response>.").format(
                    method=method, tag=next(iter(doc))
                )
            )
        if not isinstance(root, dict):
            root = {}
        status = root.get("@status")
        if status == "ok":
            return root
        if status == "fail":
            raise _Failed(_error_reason(root.get("error")) or _("no reason given"))
        raise BadAnswer(
            _("AcuInvoice answered {method} with status {status!r}.").format(
                method=method, status=status
            )
        )

    def _parse(self, response: httpx.Response, method: str) -> dict[str, Any]:
        """The answer's XML; a non-XML error answer → a sentence with its status and gist."""
        body = response.content
        encoding = xml.encoding_for(body, response.headers.get("Content-Type"))
        try:
            return xml.parse(
                body, force_list={"contact", "client"}, service=self.label, encoding=encoding
            )
        except BadAnswer:
            if response.status_code < 400:
                raise
            gist = xml.plain_text(body)
            if gist:
                sentence = _("AcuInvoice answered HTTP {status} to {method}: {gist}.")
            else:
                sentence = _("AcuInvoice answered HTTP {status} to {method}.")
            raise BadAnswer(
                sentence.format(status=response.status_code, method=method, gist=gist.rstrip("."))
            ) from None

    def _listing(self, method: str, plural: str, tag: str, **filters: str) -> Iterator[list[Any]]:
        """Every page of a list method, until a short page (both answer shapes)."""
        seen: set[str] = set()
        longest = 0
        for page in range(1, self.max_pages + 1):
            self.cancel.check()
            try:
                root = self.call(
                    method, {**filters, "page": str(page), "per_page": str(self.per_page)}
                )
            except _Failed as failed:
                refused = REFUSED_LISTING[plural]
                raise BadAnswer(_(refused).format(reason=failed)) from None
            wrapper = root.get(plural)
            if isinstance(wrapper, dict) or plural in root:  # <contacts page=… pages=…>
                wrapper = wrapper if isinstance(wrapper, dict) else {}
                items = [i for i in wrapper.get(tag, []) if isinstance(i, dict)]
            else:  # the seed's bare list
                wrapper = {}
                items = [i for i in root.get(tag, []) if isinstance(i, dict)]
            longest = max(longest, len(items))
            done = _last_page(page, len(items), longest, wrapper)
            ids = [xml.text(i.get(f"{tag}_id")) or "" for i in items]
            if items and set(ids) <= seen:
                break  # the service repeats its last page instead of answering an empty one
            seen.update(ids)
            yield items
            if done:
                break

    # --- reading ------------------------------------------------------------------------
    def check(self) -> str:
        """List one client: proves the URL and the key."""
        try:
            self.call("client.list", {"page": "1", "per_page": "1"})
        except _Failed as failed:
            raise BadAnswer(
                _("AcuInvoice refused the check: {reason}.").format(reason=failed)
            ) from None
        return _("AcuInvoice: the API key works for {url}.").format(url=self.http.base_url)

    def pull(self, since: datetime | None) -> Iterator[list[RemoteContact]]:
        """Every contact (a full listing whatever `since` is), one page at a time."""
        for items in self._listing("contact.list", "contacts", "contact"):
            yield [self.to_remote(item) for item in items]

    def get(self, remote_id: str) -> RemoteContact:
        """contact.get; 'not found' → NotFound."""
        try:
            root = self.call("contact.get", {"contact_id": _id(remote_id)})
        except _Failed as failed:
            raise self._fail_error(failed, remote_id, _("contact {id}").format(id=remote_id))
        records = root.get("contact") or []
        if not records:
            raise BadAnswer(
                _("AcuInvoice answered contact {id} without a <contact>.").format(id=remote_id)
            )
        return self.to_remote(records[0])

    def clients(self) -> list[Client]:
        """The account's clients (cached for this connector)."""
        return list(self.directory.all())

    def _fetch_clients(self) -> list[Client]:
        return [
            Client(
                id=xml.text(c.get("client_id")) or "",
                name=xml.text(c.get("organization")) or xml.text(c.get("name")) or "",
            )
            for page in self._listing("client.list", "clients", "client")
            for c in page
        ]

    # --- mapping --------------------------------------------------------------------------
    def to_remote(self, raw: dict[str, Any]) -> RemoteContact:
        """An AcuInvoice <contact> (xmltodict form) as a RemoteContact."""
        remote_id = xml.text(raw.get("contact_id"))
        if not remote_id:
            raise BadAnswer(_("AcuInvoice sent a contact without an id."))
        email = xml.text(raw.get("email"))
        contact = Contact(
            given_name=xml.text(raw.get("first_name")) or "",
            family_name=xml.text(raw.get("last_name")) or "",
            organization=self.directory.name_of(xml.text(raw.get("client_id"))),
            emails=[Email(address=email)] if email else [],
            phones=[
                Phone(number=number, kind=kind)
                for kind, name in PHONE_FIELDS.items()
                if (number := xml.text(raw.get(name)))
            ],
        )
        return RemoteContact(remote_id, contact, raw, stamp=xml.text(raw.get("updated")))

    @staticmethod
    def fields(contact: Contact) -> dict[str, str]:
        """The writable fields (except client_id) for a contact; '' where empty."""
        values = {
            "first_name": contact.given_name,
            "last_name": contact.family_name,
            "email": contact.emails[0].address if contact.emails else "",
        }
        for kind, name in PHONE_FIELDS.items():
            numbers = [p.number for p in contact.phones if p.kind == kind]
            values[name] = numbers[0] if numbers else ""
        return values

    # --- writing ----------------------------------------------------------------------------
    def validate(self, contact: Contact, base: RemoteContact | None) -> list[str]:
        """Client, first and last name and email are required; other parts have no place."""
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
        if not contact.emails:
            problems.append(
                _("{service} needs an email for every contact.").format(service=self.label)
            )
        if base is None or contact.organization != base.contact.organization:
            client_problem = self.directory.problem(contact.organization)
            if client_problem:
                problems.append(client_problem)
        if contact.title:
            problems.append(
                _("{service} has no place for a job title; {title!r} would be lost.").format(
                    service=self.label, title=contact.title
                )
            )
        problems += lost_field_problems(
            contact, self.label, tuple(PHONE_FIELDS), base=base.contact if base else None
        )
        return problems

    def _refuse_invalid(self, contact: Contact, base: RemoteContact | None) -> None:
        problems = self.validate(contact, base)
        if problems:
            raise ValidationRefused(" ".join(problems), problems)

    def _client_id(self, organization: str) -> str:
        client = self.directory.find(organization)
        if client is None:  # validate() has already refused this; a last guard
            raise ValidationRefused(self.directory.problem(organization) or "Unknown client.")
        return client.id

    def create(self, contact: Contact, idempotency_key: str) -> RemoteContact:
        """contact.create, then contact.get for the whole record."""
        self._refuse_invalid(contact, None)
        body = {"client_id": self._client_id(contact.organization)}
        body.update({k: v for k, v in self.fields(contact).items() if v})
        try:
            root = self.call("contact.create", {"contact": body})
        except _Failed as failed:
            raise ValidationRefused(
                _("AcuInvoice refused the new contact: {reason}.").format(reason=failed)
            ) from None
        new_id = xml.text(root.get("contact_id"))
        if not new_id:
            raise BadAnswer(
                _(
                    "AcuInvoice created the contact but did not say its id; run "
                    "`addressbook sync` to fetch it."
                )
            )
        return self.get(new_id)

    def find_created(self, contact: Contact, idempotency_key: str) -> RemoteContact | None:
        """The contact a lost create made: same email, client, first and last name."""
        wanted = self.fields(contact)
        client = self.directory.find(contact.organization)
        if not wanted["email"] or client is None:
            return None
        filters = {"email": wanted["email"], "client_id": client.id}
        for page in self._listing("contact.list", "contacts", "contact", **filters):
            for raw in page:
                if all(
                    (xml.text(raw.get(k)) or "").casefold() == wanted[k].casefold()
                    for k in ("first_name", "last_name", "email")
                ):
                    return self.to_remote(raw)
        return None

    def update(self, base: RemoteContact, local: Contact, idempotency_key: str) -> RemoteContact:
        """contact.update with contact_id and only the changed fields; then contact.get."""
        self._refuse_invalid(local, base)
        old, new = self.fields(base.contact), self.fields(local)
        body = {"contact_id": _id(base.remote_id)}
        body.update({k: v for k, v in new.items() if v != old[k]})
        if local.organization != base.contact.organization:
            body["client_id"] = self._client_id(local.organization)
        if len(body) > 1:
            try:
                self.call("contact.update", {"contact": body})
            except _Failed as failed:
                raise self._fail_error(
                    failed, base.remote_id, _("contact {id}").format(id=base.remote_id), True
                )
        return self.get(base.remote_id)

    def delete(self, base: RemoteContact, idempotency_key: str) -> RemoteContact | None:
        """contact.delete; a contact already gone counts as deleted."""
        try:
            self.call("contact.delete", {"contact_id": _id(base.remote_id)})
        except _Failed as failed:
            error = self._fail_error(
                failed, base.remote_id, _("contact {id}").format(id=base.remote_id), True
            )
            if not isinstance(error, NotFound):
                raise error from None
        return None

    def _fail_error(
        self, failed: _Failed, remote_id: str, what: str, write: bool = False
    ) -> Exception:
        reason = str(failed)
        lowered = reason.lower()
        if "not found" in lowered and "client" not in lowered:
            return NotFound(
                _("Contact {id} is no longer on AcuInvoice (account {account}).").format(
                    id=remote_id, account=self.account.name
                )
            )
        if write:
            return ValidationRefused(
                _("AcuInvoice refused the request ({what}): {reason}.").format(
                    what=what, reason=reason
                )
            )
        return BadAnswer(
            _("AcuInvoice answered with an error ({what}): {reason}.").format(
                what=what, reason=reason
            )
        )


def _id(remote_id: str) -> str:
    text = str(remote_id).strip()
    if not text.isdigit():
        raise NotFound(_("{id!r} is not an AcuInvoice contact id.").format(id=text))
    return text


def _last_page(page: int, count: int, longest: int, wrapper: dict[str, Any]) -> bool:
    """Whether this page ends the listing: the service's own word first (`pages`, then
    `per_page`, which may be lower than the one asked); a list that says neither ends at
    an empty page or one shorter than an earlier page."""
    pages, size = _int(wrapper.get("@pages")), _int(wrapper.get("@per_page"))
    if count == 0:
        return True
    if pages is not None:
        return page >= pages
    if size is not None:
        return count < size
    return count < longest


def _error_reason(node: Any) -> str:
    """The text of every <error> (one or many; plain text or nested elements), as one line."""
    errors = node if isinstance(node, list) else [node]
    reasons = [" ".join(_leaf_texts(error)) for error in errors]
    joined = "; ".join(r.strip().rstrip(".") for r in reasons if r.strip())
    return joined[:500]


def _leaf_texts(node: Any) -> list[str]:
    """The texts under an element in document order; a nested error reads 'field: message'."""
    if isinstance(node, list):
        return [t for item in node for t in _leaf_texts(item)]
    if not isinstance(node, dict):
        text = xml.text(node)
        return [text] if text else []
    own = xml.text(node)
    parts = [own] if own else []
    for key, child in node.items():
        if not key.startswith(("@", "#")):
            parts += _leaf_texts(child)
    return [": ".join(parts)] if len(parts) > 1 else parts


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
