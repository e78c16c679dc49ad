"""Xero Partner API 1.0 (service `xero-legacy`): XML contacts keyed by apiKey + xeroKey.

Glossary (see also SERVICES.md, "Xero Partner API 1.0", and seeds 000/001):
- *keys*: `apiKey` (the partner's) and `xeroKey` (the customer's) ride as query
  parameters on every request; both are secrets, registered with `logs.redact` and
  scrubbed from every logged URL by http.py.
- *listing*: `GET {url}/contacts?type=all[&updatedAfter=…]` answers every contact in one
  document; it is parsed as a stream (xml.iter_items), `PULL_PAGE` contacts at a time.
- *save*: `POST {url}/contact` creates or updates one contact, matched on ContactID, then
  ContactNumber, then Name. It is treated as a REPLACE: the whole record as last seen is
  sent with the user's edits applied (elements the program does not know included,
  UpdatedDateUTC left out: the service stamps it), in the request XSD's element order,
  always with ContactID for an existing contact. A create first checks that no contact
  has the same Name or ContactNumber: the service would overwrite it.
- *request XSD*: stricter than the answers: PhoneNumber xs:unsignedInt, PhoneAreaCode and
  PhoneCountryCode xs:unsignedByte, PostalCode xs:unsignedShort, one Name. Checked before
  sending (`xsd_problems`), each problem naming the field to fix. A typed phone's spaces,
  dots and hyphens are dropped ("123 4567" → 1234567); any other character is a problem.
- There is no single-contact GET and no delete in 1.0: `get` scans the listing (stopping
  at the match), and delete archives (ContactStatus ARCHIVED, kept by the service).
- No FirstName/LastName/ContactPersons in 1.0: one Name, one email. Given and family
  names are accepted only as the parts of the display name (they fold into Name).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from addressbook.connectors.base import (
    HTTP_SETTINGS,
    AccountConfig,
    CancelToken,
    Connector,
    RemoteContact,
    SecretSource,
)
from addressbook.connectors.service import FieldRules, SecretSpec, ServiceDescription
from addressbook.connectors.xero import (
    ADDRESS_KINDS,
    ADDRESS_TYPES,
    PHONE_KINDS,
    PHONE_TYPES,
    STATUS_TO_XERO,
    as_list,
    as_text,
    changed_parts,
    contact_from_parts,
    explained_503,
    xero_problems,
)
from addressbook.errors import (
    AuthError,
    BadAnswer,
    ConnectorError,
    NotFound,
    ValidationRefused,
)
from addressbook.i18n import N_, _, ngettext
from addressbook.kinds import address_label, phone_label
from addressbook.logs import quiet_libraries, redact
from addressbook.model import Contact, clean

if TYPE_CHECKING:
    import httpx

    from addressbook.connectors.http import HttpClient

log = logging.getLogger("addressbook.connectors.xero_legacy")

PULL_PAGE = 500  # contacts per page handed to the sync engine
FORCE_LIST = ("Contact", "Address", "Phone")  # a list of one is a list
# The request XSD's order (seed 000); ContactStatus where the seed's example sends it.
CONTACT_ORDER = (
    "ContactID",
    "ContactNumber",
    "ContactStatus",
    "Name",
    "EmailAddress",
    "Addresses",
    "Phones",
    "BankAccountDetails",
    "SkypeUserName",
)
ADDRESS_ORDER = (
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
PHONE_ORDER = ("PhoneType", "PhoneNumber", "PhoneAreaCode", "PhoneCountryCode")
SERVER_ONLY = ("UpdatedDateUTC",)  # stamped by the service: never sent back
UNSIGNED = {  # request-XSD integer types: (largest value, what to tell the user)
    "PhoneNumber": (
        4294967295,
        N_(
            "Xero 1.0 refuses the number {value!r} ({kind}): it must be digits only, at most {most}."
        ),
    ),
    "PhoneAreaCode": (
        255,
        N_(
            "Xero 1.0 refuses the area code {value!r} ({kind}): it must be a number from 0 to {most}."
        ),
    ),
    "PhoneCountryCode": (
        255,
        N_(
            "Xero 1.0 refuses the country code {value!r} ({kind}): it must be a number "
            "from 0 to {most}."
        ),
    ),
    "PostalCode": (
        65535,
        N_(
            "Xero 1.0 refuses the postcode {value!r} ({kind}): it must be a number from 0 to {most}."
        ),
    ),
}
_SEPARATORS = re.compile(r"[\s.\-]")


# --- mapping ---------------------------------------------------------------------------------
def parts_of(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(addresses, phones) of a 1.0 record in the xmltodict form."""
    addresses = raw.get("Addresses")
    phones = raw.get("Phones")
    return (
        as_list(addresses.get("Address")) if isinstance(addresses, dict) else [],
        as_list(phones.get("Phone")) if isinstance(phones, dict) else [],
    )


def contact_from_xml(raw: dict[str, Any]) -> Contact:
    """The model's contact from a 1.0 <Contact> (xmltodict form)."""
    addresses, phones = parts_of(raw)
    return contact_from_parts(raw, addresses, phones, [])


def remote_from_xml(raw: dict[str, Any]) -> RemoteContact:
    """A RemoteContact from a 1.0 <Contact> (raw kept whole)."""
    contact_id = clean(as_text(raw.get("ContactID")))
    if not contact_id:
        raise BadAnswer(_("Xero sent a contact without an id."))
    stamp = clean(as_text(raw.get("UpdatedDateUTC"))) or None
    return RemoteContact(contact_id, contact_from_xml(raw), raw, stamp)


def _ordered(entry: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """The entry's known elements in the XSD's order, each unknown one kept in place.

    "In place": an unknown element follows the known element it followed in the entry
    (the service's own order), so `<ContactGroups>` after `<Addresses>` stays there.
    """
    anchored: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for key in entry:
        if key in order:
            anchor = key
        else:
            anchored.setdefault(anchor, []).append(key)
    keys = list(anchored.get(None, []))
    for key in order:
        if key in entry:
            keys += [key, *anchored.get(key, [])]
    return {k: entry[k] for k in keys}


def _digits(text: str) -> str:
    return _SEPARATORS.sub("", text)


def xml_record(base: RemoteContact | None, local: Contact) -> dict[str, Any]:
    """The whole <Contact> to save: the base with the user's edits, in the XSD's order."""
    raw = dict(base.raw) if base else {}
    addresses, phones = parts_of(raw)
    changes = changed_parts(base.contact if base else None, raw, addresses, phones, [], local)
    for key in ("FirstName", "LastName", "ContactPersons"):
        changes.pop(key, None)  # 1.0 has none of these (names fold into Name)
    record = {k: v for k, v in raw.items() if k not in SERVER_ONLY}
    if base is None:
        record["ContactStatus"] = STATUS_TO_XERO.get(local.status, "ACTIVE")
    for key in ("Name", "EmailAddress", "ContactStatus"):
        if key in changes:
            record[key] = changes[key] or None
    new_addresses = changes.get("Addresses", addresses)
    new_phones = changes.get("Phones", phones)
    if not new_addresses:
        new_addresses = [{"AddressType": t} for t in ADDRESS_TYPES]
    if not new_phones:
        new_phones = [{"PhoneType": t} for t in PHONE_TYPES]
    record["Addresses"] = {"Address": [_address_xml(a) for a in new_addresses]}
    record["Phones"] = {"Phone": [_phone_xml(p) for p in new_phones]}
    return _ordered(record, CONTACT_ORDER)


def _blank(value: Any) -> Any:
    return value if value not in ("", None) else None


def _address_xml(entry: dict[str, Any]) -> dict[str, Any]:
    return _ordered({k: _blank(v) for k, v in entry.items()}, ADDRESS_ORDER)


def _phone_xml(entry: dict[str, Any]) -> dict[str, Any]:
    result = {k: _blank(v) for k, v in entry.items()}
    if isinstance(result.get("PhoneNumber"), str):
        result["PhoneNumber"] = _digits(result["PhoneNumber"]) or None
    return _ordered(result, PHONE_ORDER)


def xsd_problems(record: dict[str, Any]) -> list[str]:
    """What seed 000's request XSD refuses in a record to save, one sentence per field."""
    problems: list[str] = []
    name = record.get("Name")
    if isinstance(name, list):
        problems.append(_("A Xero 1.0 contact has exactly one name; this one has several."))
    elif not clean(as_text(name)):
        problems.append(_("Xero needs a name for every contact: fill in the display name."))
    addresses, phones = parts_of(record)
    for phone in phones:
        kind = phone_label(PHONE_KINDS.get(as_text(phone.get("PhoneType")).upper(), "other"))
        for key in ("PhoneNumber", "PhoneAreaCode", "PhoneCountryCode"):
            problem = _unsigned_problem(key, phone.get(key), kind)
            if problem:
                problems.append(problem)
    for address in addresses:
        kind = address_label(
            ADDRESS_KINDS.get(as_text(address.get("AddressType")).upper(), "street")
        )
        problem = _unsigned_problem("PostalCode", address.get("PostalCode"), kind)
        if problem:
            problems.append(problem)
    return problems


def _unsigned_problem(key: str, value: Any, kind: str) -> str | None:
    """The sentence for a value the XSD's unsigned integer type refuses (kind: its label)."""
    text = clean(as_text(value))
    if not text:
        return None
    largest, sentence = UNSIGNED[key]
    if text.isascii() and text.isdigit() and int(text) <= largest:
        return None
    return _(sentence).format(value=text, kind=kind, most=largest)


def legacy_problems(contact: Contact) -> list[str]:
    """What Xero 1.0 cannot hold of this contact (beyond what 2.0 cannot)."""
    problems = xero_problems(contact)
    person = " ".join(p for p in (contact.given_name, contact.family_name) if p)
    if person and (contact.organization or person.casefold() != contact.display_name.casefold()):
        problems.append(
            _(
                "Xero 1.0 keeps one name per contact and no given or family name: clear them, "
                "or make the display name the person's name."
            )
        )
    if len(contact.emails) > 1:
        problems.append(
            ngettext(
                "Xero 1.0 keeps one email per contact: {n} more would be lost ({address}); "
                "keep one.",
                "Xero 1.0 keeps one email per contact: {n} more would be lost ({address}, …); "
                "keep one.",
                len(contact.emails) - 1,
            ).format(n=len(contact.emails) - 1, address=contact.emails[1].address)
        )
    return problems


def _contacts_in(items: list[tuple[Any, Any]]) -> Iterator[dict[str, Any]]:
    """The <Contact> elements of Response/Contacts among streamed items (path root → item)."""
    for path, item in items:
        names = [name for name, _ in path]
        if names == ["Response", "Contacts", "Contact"] and isinstance(item, dict):
            yield item


def updated_after(since: datetime, margin_seconds: float) -> str:
    """`updatedAfter` (UTC, ISO, to the second) a little before `since`."""
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC) - timedelta(seconds=margin_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


ERROR_BYTES = 64 * 1024  # of an error answer's body read for its reason


# --- the connector -------------------------------------------------------------------------
class XeroLegacyConnector(Connector):
    """One Xero organisation over the Partner API 1.0 (XML)."""

    description: ClassVar[ServiceDescription] = ServiceDescription(
        name="xero-legacy",
        label="Xero (API 1.0)",
        icon="xero-legacy",
        default_url="https://api.xero.com/api.xro/1.0",
        url_hint="https://api.xero.com/api.xro/1.0",
        secrets=(
            SecretSpec(
                "api_key",
                N_("Partner API key"),
                N_("The partner application's key (apiKey)."),
            ),
            SecretSpec(
                "xero_key",
                N_("Xero key"),
                N_("The organisation's own key (xeroKey), from its Xero settings."),
            ),
        ),
        settings=HTTP_SETTINGS,
        can_delete=False,  # 1.0 has no delete: archived instead
        has_modified_since=True,
        rules=FieldRules(
            required=("name",),
            read_only_statuses=("read-only",),
            holds=("display_name", "organization", "emails", "phones", "addresses", "status"),
            phone_kinds=("work", "ddi", "mobile", "fax", "default"),
            max_emails=1,
            address_kinds=("street", "postal"),
            phone_digits_only=True,
            postcode_max=65535,
            one_name=True,
            settable_statuses=("active", "archived"),
        ),
    )
    cursor_margin_seconds: ClassVar[int] = 5

    def __init__(
        self, account: AccountConfig, secrets: SecretSource, cancel: CancelToken | None = None
    ) -> None:
        super().__init__(account, secrets, cancel)
        self._client: HttpClient | None = None

    @property
    def client(self) -> HttpClient:
        """The HTTP client, with both keys as query parameters on every request."""
        if self._client is None:
            from addressbook.connectors.http import HttpClient, HttpSettings

            keys = {}
            for key, param in (("api_key", "apiKey"), ("xero_key", "xeroKey")):
                value = self.secrets.get(key)
                if not value:
                    raise AuthError(
                        _(
                            "The Xero 1.0 account {account} has no {key} in the keyring; "
                            "remove the account and add it again with its keys."
                        ).format(account=self.account.name, key=key)
                    )
                redact(value)
                keys[param] = value
            quiet_libraries()  # httpx logs whole URLs, and these carry both keys
            self._client = HttpClient(
                self.account.url or str(self.default_url),
                service="Xero 1.0",
                account=self.account.name,
                settings=HttpSettings.from_settings(self.account.settings),
                headers={"Accept": "application/xml"},
                params=keys,
                cancel=self.cancel,
                auth_message=_(
                    "Xero refused the API key or Xero key of account {account}; "
                    "remove the account and add it again with the right keys."
                ).format(account=self.account.name),
                on_response=self._on_response,
                clock=self.clock,
            )
        return self._client

    def _on_response(self, response: httpx.Response) -> None:
        """A 503 whose body names the problem (the old rate-limit form, an outage) ends here."""
        error = explained_503(response, "Xero 1.0", self.account.name)
        if error is not None:
            raise error

    def close(self) -> None:
        """Release the HTTP client."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- reading ---------------------------------------------------------------------------
    def _listing(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Every <Contact> of the listing as it streams in (xmltodict form)."""
        from addressbook.connectors import xml

        params = {"type": "all"}
        if since is not None:
            params["updatedAfter"] = updated_after(since, self.cursor_margin_seconds)
        with self.client.stream("GET", "/contacts", params=params) as response:
            if response.status_code != 200:
                body = bytearray()
                for chunk in self.client.iter_bytes(response):
                    body += chunk
                    if len(body) > ERROR_BYTES:  # a reason is short: the rest is not read
                        break
                raise self._failure(response.status_code, bytes(body[:ERROR_BYTES]), response)
            stream = xml.XmlStream(item_depth=3, force_list=FORCE_LIST, service="Xero 1.0")
            for chunk in self.client.iter_bytes(response):
                yield from _contacts_in(stream.feed(chunk))
            yield from _contacts_in(stream.close())
            self._check_envelope(stream.document)

    def _check_envelope(self, document: dict[str, Any]) -> None:
        root = next(iter(document), "")
        status = document[root].get("Status") if isinstance(document.get(root), dict) else None
        if root != "Response" or clean(as_text(status)).upper() != "OK":
            raise self._refusal(document)

    def check(self) -> str:
        """Ask for the contacts changed from now on (an empty listing): are the keys good?"""
        for _contact in self._listing(datetime.now(UTC)):
            pass
        return _("Xero 1.0 organisation of account {account}: keys accepted").format(
            account=self.account.name
        )

    def pull(self, since: datetime | None) -> Iterator[list[RemoteContact]]:
        """The listing (changed since `since` when given), in pages of PULL_PAGE contacts."""
        page: list[RemoteContact] = []
        for raw in self._listing(since):
            page.append(remote_from_xml(raw))
            if len(page) >= PULL_PAGE:
                yield page
                page = []
                self.cancel.check()
        yield page

    def get(self, remote_id: str) -> RemoteContact:
        """The contact now: 1.0 has no single GET, so the listing is scanned to the match."""
        wanted = remote_id.strip().lower()
        for raw in self._listing(None):
            if clean(as_text(raw.get("ContactID"))).lower() == wanted:
                return remote_from_xml(raw)
        raise NotFound(_("The contact is no longer in Xero."))

    # --- writing ---------------------------------------------------------------------------
    def validate(self, contact: Contact, base: RemoteContact | None) -> list[str]:
        """What Xero 1.0 would refuse or could not hold, found before sending."""
        problems = legacy_problems(contact)
        if problems:
            return problems
        return xsd_problems(xml_record(base, contact))

    def _save(self, record: dict[str, Any], safe: bool) -> RemoteContact:
        from addressbook.connectors import xml

        body = xml.to_xml("Contact", record)
        response = self.client.request(
            "POST",
            "/contact",
            content=body,
            headers={"Content-Type": "application/xml; charset=utf-8"},
            safe=safe,
        )
        if response.status_code != 200:
            raise self._failure(response.status_code, response.content, response)
        document = xml.parse(response.content, force_list=FORCE_LIST[1:], service="Xero 1.0")
        self._check_envelope(document)
        contact = document["Response"].get("Contact")
        if not isinstance(contact, dict):
            raise BadAnswer(_("Xero 1.0 answered OK without the saved contact."))
        return remote_from_xml(contact)

    def _checked_record(self, base: RemoteContact | None, local: Contact) -> dict[str, Any]:
        problems = self.validate(local, base)
        if problems:
            raise ValidationRefused(" ".join(problems), problems)
        return xml_record(base, local)

    def create(self, contact: Contact, idempotency_key: str) -> RemoteContact:
        """Save a new contact, after checking no contact has its Name or ContactNumber."""
        result = self.create_many([(contact, idempotency_key)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def create_many(self, items: list[tuple[Contact, str]]) -> list[RemoteContact | Exception]:
        """Create each contact; one scan of the listing guards them all against overwrites."""
        taken = {clean(as_text(raw.get("Name"))).casefold() for raw in self._listing(None)}
        results: list[RemoteContact | Exception] = []
        for contact, _key in items:
            try:
                record = self._checked_record(None, contact)
                name = clean(as_text(record.get("Name"))).casefold()
                if name in taken:
                    raise ValidationRefused(
                        _(
                            "Xero already has a contact named {name!r}; saving this one would "
                            "overwrite it: choose another name, or edit that contact."
                        ).format(name=record.get("Name"))
                    )
                created = self._save(record, safe=False)
                taken.add(name)
                results.append(created)
            except ConnectorError as error:
                if isinstance(error, AuthError):
                    raise
                results.append(error)
        return results

    def find_created(self, contact: Contact, idempotency_key: str) -> RemoteContact | None:
        """After a lost create answer: the contact of that Name, if the create landed."""
        name = clean(contact.display_name).casefold()
        for raw in self._listing(None):
            if clean(as_text(raw.get("Name"))).casefold() == name:
                return remote_from_xml(raw)
        return None

    def update(self, base: RemoteContact, local: Contact, idempotency_key: str) -> RemoteContact:
        """Save the whole record (with ContactID): a replace, so a retry is harmless."""
        record = self._checked_record(base, local)
        record["ContactID"] = base.remote_id
        return self._save(_ordered(record, CONTACT_ORDER), safe=True)

    def delete(self, base: RemoteContact, idempotency_key: str) -> RemoteContact | None:
        """Archive the contact (ContactStatus ARCHIVED): 1.0 documents no delete."""
        record = {k: v for k, v in base.raw.items() if k not in SERVER_ONLY}
        record["ContactID"] = base.remote_id
        record["ContactStatus"] = "ARCHIVED"
        return self._save(_ordered(record, CONTACT_ORDER), safe=True)

    # --- failures ----------------------------------------------------------------------------
    def _failure(
        self, status: int, body: bytes, response: httpx.Response | None = None
    ) -> ConnectorError:
        from addressbook.connectors import xml
        from addressbook.connectors.http import reason_of, redirect_target

        if 300 <= status < 400:
            # Xero 1.0 sends a wrong key (or a wrong address) to its sign-in page
            where = (
                _(" to {target}").format(target=redirect_target(response))
                if response is not None
                else ""
            )
            return AuthError(
                _(
                    "Xero 1.0 answered with a redirect (HTTP {status}){where} instead of the "
                    "contacts of account {account}: its API key or Xero key is wrong, or the "
                    "account's URL is; remove the account and add it again with the right keys "
                    "and URL."
                ).format(status=status, where=where, account=self.account.name)
            )
        try:
            document = xml.parse(body, service="Xero 1.0")
        except BadAnswer:
            kind = response.headers.get("Content-Type") if response is not None else None
            said = reason_of(body, kind)
            if said:
                return ConnectorError(
                    _("Xero 1.0 refused the request (HTTP {status}: {said}).").format(
                        status=status, said=said
                    )
                )
            return ConnectorError(
                _("Xero 1.0 refused the request (HTTP {status}).").format(status=status)
            )
        return self._refusal(document)

    def _refusal(self, document: dict[str, Any]) -> ConnectorError:
        root = next(iter(document), "")
        node = document.get(root)
        data = node if isinstance(node, dict) else {}
        message = clean(as_text(data.get("Message"))) or clean(as_text(data.get("Status")))
        message = message or _("an answer of type <{tag}>").format(tag=root)
        if root == "ApiException" and as_text(data.get("Type")) == "ValidationException":
            # The reasons are in Elements/…/ValidationErrors; Message is only a heading.
            reasons = _validation_messages(data.get("Elements")) or [message]
            return ValidationRefused(
                _("Xero refused the contact: {reasons}").format(reasons=" ".join(reasons)), reasons
            )
        if root == "ApiException" and as_text(data.get("Type")) == "NotFoundException":
            return NotFound(_("Xero 1.0 did not find it: {message}").format(message=message))
        return ConnectorError(_("Xero 1.0 refused the request: {message}").format(message=message))


def _validation_messages(node: Any) -> list[str]:
    """Every ValidationError Message under an ApiException's Elements (any depth)."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += _validation_messages(item)
    elif isinstance(node, dict):
        for key, child in node.items():
            if key == "ValidationErrors":
                for group in as_list(child):
                    for error in as_list(group.get("ValidationError")):
                        message = clean(as_text(error.get("Message")))
                        if message and message not in found:
                            found.append(message)
            elif not key.startswith("@"):
                found += [m for m in _validation_messages(child) if m not in found]
    return found
