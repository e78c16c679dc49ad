"""The interface every service connector implements.

Glossary:
- *remote id*: the service's own id of a record (Xero ContactID, Harvest id…), as text.
- *raw*: the service's own record as a JSON-compatible dict (the parsed JSON, or the
  xmltodict form of the XML), kept as the link's base so a push can send back every
  field the program does not edit (lossless round trip).
- *stamp*: the service's modification time of a record, as the service writes it.
- *page*: a list of RemoteContact; the sync engine commits each page in one transaction.
- *full listing*: a pull that returned every record; records missing from it were
  deleted on the service.

Capability flags say what a service can do; the sync engine and the window read them
instead of asking which service it is. Connectors import `model`, `errors` and their
HTTP/XML helpers, never `store`, never Qt.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from addressbook.connectors.service import ServiceDescription, SettingSpec
from addressbook.errors import Cancelled, ConnectorError, NotFound, ValidationRefused
from addressbook.i18n import N_, _, ngettext
from addressbook.kinds import phone_label
from addressbook.model import Contact
from addressbook.wording import client_listing

if TYPE_CHECKING:
    from addressbook.connectors.http import Clock

# The account settings every HTTP connector reads (see connectors/http.py, HttpSettings).
# Here rather than in http.py so a connector can name them without importing httpx.
HTTP_SETTING_KEYS = (
    "connect_timeout",
    "read_timeout",
    "give_up_seconds",
    "connect_give_up_seconds",
)
# Their descriptions (advanced: folded away in the accounts dialog).
HTTP_SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "connect_timeout",
        N_("Connect timeout (seconds)"),
        N_("How long to wait for the service to answer a new connection."),
        advanced=True,
    ),
    SettingSpec(
        "read_timeout",
        N_("Read timeout (seconds)"),
        N_("How long to wait between two parts of an answer."),
        advanced=True,
    ),
    SettingSpec(
        "give_up_seconds",
        N_("Give up after (seconds)"),
        N_("The longest one request may spend waiting and retrying."),
        advanced=True,
    ),
    SettingSpec(
        "connect_give_up_seconds",
        N_("Give up when offline after (seconds)"),
        N_("How long to keep trying while the service cannot be reached at all."),
        advanced=True,
    ),
)
assert tuple(spec.key for spec in HTTP_SETTINGS) == HTTP_SETTING_KEYS


@dataclass
class RemoteContact:
    """One record as the service has it."""

    remote_id: str
    contact: Contact
    raw: dict[str, Any]
    stamp: str | None = None
    deleted: bool = False  # archived-as-delete is status 'archived', not deleted


class NotSent(Exception):
    """An item of a batch that was not sent because an earlier item stopped the account."""

    def __init__(self, because: Exception) -> None:
        super().__init__(str(because))
        self.because = because


@dataclass
class Client:
    """A company/client a contact belongs to (Harvest client, AcuInvoice client)."""

    id: str
    name: str


@dataclass
class AccountConfig:
    """An account's non-secret settings, as `accounts.json` keeps them."""

    name: str
    service: str
    url: str
    settings: dict[str, str] = field(default_factory=dict)


class SecretSource(ABC):
    """Where a connector reads (and for rotating tokens, writes) its secrets."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def set(self, key: str, value: str) -> None: ...


class CancelToken:
    """Cooperative cancellation: the window sets it, the engine and connectors check it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Cancelled if the user cancelled."""
        if self._event.is_set():
            raise Cancelled("Cancelled.")

    def wait(self, seconds: float) -> None:
        """Sleep, waking early (and raising Cancelled) if the user cancels."""
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled("Cancelled.")


# A sign-in callback: given the authorize URL, open it for the user (browser, print…).
OpenUrl = Callable[[str], None]


class Connector(ABC):
    """One account on one service.

    `description` is the one place a service is described (see connectors/service.py);
    the ClassVar flags below are derived from it by `__init_subclass__`, so the two
    always agree.
    """

    description: ClassVar[ServiceDescription]
    service: ClassVar[str]  # registry name: 'xero', 'xero-legacy', 'harvest', 'acuinvoice'
    label: ClassVar[str]  # shown to the user: 'Xero', 'Harvest'…
    default_url: ClassVar[str | None] = None
    secret_keys: ClassVar[tuple[str, ...]] = ()  # asked by `accounts add`, kept in the keyring
    setting_keys: ClassVar[tuple[str, ...]] = ()  # non-secret settings (`--set KEY=VALUE`)

    can_delete: ClassVar[bool] = True  # False: a delete archives the record instead
    has_modified_since: ClassVar[bool] = False  # pull(since) returns only changed records
    cursor_margin_seconds: ClassVar[int] = 0  # ask from this long before the last pull's start
    needs_client: ClassVar[bool] = False  # a new contact must belong to a client
    requires_email: ClassVar[bool] = False  # a new contact must have an email
    has_idempotency: ClassVar[bool] = False  # writes carry an Idempotency-Key the service honours
    needs_login: ClassVar[bool] = False  # `accounts login` (browser sign-in) before use
    batch_create: ClassVar[bool] = False  # create_many sends many contacts per request
    login_secret_keys: ClassVar[tuple[str, ...]] = ()  # written by login(), never asked

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        description = cls.__dict__.get("description")
        if description is None:
            return
        cls.service = description.name
        cls.label = description.label
        cls.default_url = description.default_url
        cls.secret_keys = tuple(spec.key for spec in description.secrets if spec.asked)
        cls.login_secret_keys = tuple(spec.key for spec in description.secrets if not spec.asked)
        cls.setting_keys = tuple(spec.key for spec in description.settings)
        cls.can_delete = description.can_delete
        cls.has_modified_since = description.has_modified_since
        cls.has_idempotency = description.has_idempotency
        cls.needs_login = description.needs_login
        cls.batch_create = description.batch_create
        cls.needs_client = description.rules.client_field is not None
        cls.requires_email = "email" in description.rules.required

    def __init__(
        self,
        account: AccountConfig,
        secrets: SecretSource,
        cancel: CancelToken | None = None,
    ) -> None:
        self.account = account
        self.secrets = secrets
        self.cancel = cancel or CancelToken()
        # The HTTP clients' time source and sleep (None: the real one); tests set a fake
        # clock before the first request, so retries and back-offs need no real waiting.
        self.clock: Clock | None = None

    # --- lifecycle -----------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the HTTP client."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------
    @abstractmethod
    def check(self) -> str:
        """Test the connection and credentials; return a one-line description (who/what)."""

    @abstractmethod
    def pull(self, since: datetime | None) -> Iterator[list[RemoteContact]]:
        """Yield pages of records changed since `since` (UTC), or every record if None.

        When `since` is None, or the service has no modified-since filter, the pages
        together are a full listing.
        """

    @abstractmethod
    def get(self, remote_id: str) -> RemoteContact:
        """The record as the service has it now; NotFound if it is gone."""

    def get_many(self, remote_ids: list[str]) -> dict[str, RemoteContact | Exception]:
        """Several records as the service has them now: remote id → record, or its error
        (NotFound when it is gone). Errors that stop the account (AuthError,
        ServiceUnavailable, RateLimited, BadAnswer of the whole answer) are raised.

        Default: one `get` each; services that read many records a call override it.
        """
        results: dict[str, RemoteContact | Exception] = {}
        for remote_id in dict.fromkeys(remote_ids):
            self.cancel.check()
            try:
                results[remote_id] = self.get(remote_id)
            except NotFound as error:
                results[remote_id] = error
        return results

    def clients(self) -> list[Client]:
        """The companies/clients of the account (empty where the service has none)."""
        return []

    # --- writing -------------------------------------------------------------------
    def validate(self, contact: Contact, base: RemoteContact | None) -> list[str]:
        """What the service would refuse, found before sending: one sentence per problem."""
        return []

    @abstractmethod
    def create(self, contact: Contact, idempotency_key: str) -> RemoteContact:
        """Create the contact; return the record as the service now has it."""

    def create_many(self, items: list[tuple[Contact, str]]) -> list[RemoteContact | Exception]:
        """Create several contacts; one result (record or the error) per item, in order."""
        results: list[RemoteContact | Exception] = []
        for contact, key in items:
            try:
                results.append(self.create(contact, key))
            except Cancelled:
                raise
            except Exception as error:  # each item's error is reported on its contact
                results.append(error)
        return results

    def find_created(self, contact: Contact, idempotency_key: str) -> RemoteContact | None:
        """After a create whose answer was lost: the record it made, if it landed.

        Services with idempotency keys re-send the create with the same key; others
        look the contact up (by email, name and client).
        """
        return None

    @abstractmethod
    def update(self, base: RemoteContact, local: Contact, idempotency_key: str) -> RemoteContact:
        """Send the fields of `local` that differ from `base.contact`, over `base.raw`."""

    def update_many(
        self, items: list[tuple[RemoteContact, Contact, str]]
    ) -> list[RemoteContact | Exception]:
        """Update several records (base, local, idempotency key): one result per item, in
        order — the record as the service now has it, or that item's error
        (ValidationRefused, NotFound…, or any ConnectorError that stops the account; the
        items after such an error are NotSent).

        Default: one `update` each; services that write many records a call override it
        (and may raise an error of the whole call instead).
        """
        results: list[RemoteContact | Exception] = []
        stop: Exception | None = None
        for base, local, key in items:
            if stop is not None:
                results.append(NotSent(stop))
                continue
            self.cancel.check()
            try:
                results.append(self.update(base, local, key))
            except (ValidationRefused, NotFound) as error:
                results.append(error)
            except ConnectorError as error:
                results.append(error)
                stop = error
        return results

    @abstractmethod
    def delete(self, base: RemoteContact, idempotency_key: str) -> RemoteContact | None:
        """Delete (or, where `can_delete` is False, archive) the record.

        Returns the archived record where the service archives, else None.
        """

    # --- sign-in (services with needs_login) --------------------------------------------
    def login(self, open_url: OpenUrl, tenant: str | None = None) -> str:
        """Run the browser sign-in; return a one-line description of what was connected."""
        raise NotImplementedError(f"{self.label} has no browser sign-in")


# --- helpers shared by connectors ---------------------------------------------------------
class ClientDirectory:
    """An account's clients by id and by name (case-insensitive), fetched once and cached.

    `fetch` reads the clients from the service; it is called on first use and again
    (at most once per instance) when an id or name is not found.
    """

    def __init__(self, fetch: Callable[[], list[Client]], label: str) -> None:
        self._fetch = fetch
        self.label = label
        self._clients: list[Client] | None = None
        self._by_id: dict[str, Client] = {}
        self._by_name: dict[str, Client] = {}
        self._refreshed = False

    def all(self) -> list[Client]:
        """Every client, in the service's order."""
        if self._clients is None:
            self._load()
        assert self._clients is not None
        return self._clients

    def _load(self) -> None:
        self._clients = self._fetch()
        self._by_id = {c.id: c for c in self._clients}
        self._by_name = {}
        for client in self._clients:  # the first of two same-named clients wins
            self._by_name.setdefault(client.name.strip().casefold(), client)

    def _lookup(self, table: str, key: str) -> Client | None:
        self.all()
        found = getattr(self, table).get(key)
        if found is None and not self._refreshed:
            self._refreshed = True  # a client made since we looked: read the list once more
            self._load()
            found = getattr(self, table).get(key)
        return found

    def name_of(self, client_id: str | None) -> str:
        """The client's name ('' if the id is empty or unknown)."""
        if not client_id:
            return ""
        client = self._lookup("_by_id", client_id)
        return client.name if client else ""

    def find(self, name: str) -> Client | None:
        """The client with this name (case-insensitive), or None."""
        return self._lookup("_by_name", name.strip().casefold())

    def names(self, typed: str = "") -> str:
        """The client names for a sentence (a long list: those nearest to `typed`)."""
        return client_listing([client.name for client in self.all()], typed)

    def problem(self, name: str) -> str | None:
        """A sentence if `name` names no client (or is empty), else None (as rules.py says it)."""
        if not name.strip():
            return _(
                "{service} needs a client for every contact: set the organisation to one of: "
                "{clients}."
            ).format(service=self.label, clients=self.names())
        if self.find(name) is None:
            return _("{service} has no client named {name!r}; its clients are: {clients}.").format(
                service=self.label, name=name, clients=self.names(name)
            )
        return None


def lost_field_problems(
    contact: Contact,
    label: str,
    phone_kinds: tuple[str, ...],
    emails: int = 1,
    keeps_addresses: bool = False,
    keeps_notes: bool = False,
    base: Contact | None = None,
    keeps_display_name: bool = False,
) -> list[str]:
    """Sentences for the parts of `contact` the service has no place for (nothing dropped silently).

    A display name counts as lost only when the user changed it from `base`'s to
    something other than "given family" (a stale derived name is not the user's wish).
    """
    problems: list[str] = []
    full_name = " ".join(p for p in (contact.given_name, contact.family_name) if p)
    renamed = base is not None and contact.display_name != base.display_name
    if not keeps_display_name and renamed and contact.display_name not in ("", full_name):
        problems.append(
            _(
                "{service} shows a contact as its first and last name; the display name "
                "{name!r} would be lost."
            ).format(service=label, name=contact.display_name)
        )
    for email in contact.emails[emails:]:
        problems.append(
            ngettext(
                "{service} keeps {n} email; {address} would be lost.",
                "{service} keeps {n} emails; {address} would be lost.",
                emails,
            ).format(service=label, n=emails, address=email.address)
        )
    seen: dict[str, int] = {}
    for phone in contact.phones:
        seen[phone.kind] = seen.get(phone.kind, 0) + 1
        if phone.kind not in phone_kinds:
            problems.append(
                _(
                    "{service} has no place for a number of this kind ({kind}); {number} would be lost."
                ).format(service=label, kind=phone_label(phone.kind), number=phone.number)
            )
        elif seen[phone.kind] > 1:
            problems.append(
                _(
                    "{service} keeps one number of each kind ({kind}); {number} would be lost."
                ).format(service=label, kind=phone_label(phone.kind), number=phone.number)
            )
    if contact.addresses and not keeps_addresses:
        problems.append(
            _("{service} has no place for addresses; they would be lost.").format(service=label)
        )
    if contact.notes and not keeps_notes:
        problems.append(
            _("{service} has no place for notes; they would be lost.").format(service=label)
        )
    return problems
