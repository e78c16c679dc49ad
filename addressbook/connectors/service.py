"""The service description each connector class carries (`Connector.description`).

Everything the rest of the program needs to know about a service — what to call it,
which icon, which secrets and settings an account of it has, what it can do, and
which edits it accepts — is written here once, on the connector, and read by the
command line, the window, the accounts dialog and `addressbook.rules`. Adding a service
touches its connector, its sandbox stand-in and the registry, nothing else.

Plain data: this module imports nothing of ours but the model's field names, and no
httpx, so reading a description is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SecretSpec:
    """One secret an account keeps in the keyring (asked at `accounts add` unless `asked` is False)."""

    key: str  # keyring key: 'api_key', 'password', 'refresh_token'…
    label: str  # shown beside the field: 'API key'
    hint: str = ""  # one sentence: where to find it
    hidden: bool = True  # typed like a password
    asked: bool = True  # False: written by the sign-in (refresh_token), never typed


@dataclass(frozen=True)
class SettingSpec:
    """One non-secret account setting (`--set KEY=VALUE`, a field of the accounts dialog)."""

    key: str
    label: str
    hint: str = ""
    advanced: bool = False  # timeouts and test-only endpoints: folded away in the dialog


@dataclass(frozen=True)
class FieldRules:
    """What a service accepts in a contact: the data `rules.py` checks every patch against.

    Field names are the model's (`addressbook.model.FIELDS`).
    """

    # Fields every contact of the service must have ('name' = any of display/given/family
    # name or organisation; 'email' = at least one email).
    required: tuple[str, ...] = ("name",)
    # The field that names the client a contact belongs to (Harvest, AcuInvoice); its
    # value must match one of the account's clients, case-insensitively.
    client_field: str | None = None
    # Statuses under which the service refuses every change (Xero GDPRREQUEST).
    read_only_statuses: tuple[str, ...] = ()
    # The fields the service has a place for; anything else stays on this computer and
    # the push preview says so (never silently dropped).
    holds: tuple[str, ...] = ()
    phone_kinds: tuple[str, ...] = ()  # phone kinds the service keeps (one number each)
    max_emails: int = 1
    max_urls: int = 0  # web addresses it keeps, where `holds` has 'urls'
    address_kinds: tuple[str, ...] = ()  # address kinds it keeps (one each)
    phone_digits_only: bool = False  # the request schema takes digits only (Xero 1.0)
    postcode_max: int | None = None  # the request schema's largest postcode (xs:unsignedShort)
    # The service keeps one name: an organisation must equal the display name (Xero).
    one_name: bool = False
    settable_statuses: tuple[str, ...] = ("active",)


@dataclass(frozen=True)
class ServiceDescription:
    """A service as the rest of the program sees it."""

    name: str  # registry name: 'xero', 'xero-legacy', 'harvest', 'acuinvoice'
    label: str  # 'Xero', 'Xero (API 1.0)', 'Harvest', 'AcuInvoice' — the one label everywhere
    icon: str  # resources/icons/<icon>.svg
    default_url: str | None = None
    url_hint: str = ""  # 'https://SUBDOMAIN.harvestapp.com'
    secrets: tuple[SecretSpec, ...] = ()
    settings: tuple[SettingSpec, ...] = ()
    # capability flags (also on the connector class, for the engine)
    can_delete: bool = True  # False: a delete archives the record instead
    has_modified_since: bool = False
    needs_login: bool = False  # browser sign-in (`accounts login`) before use
    has_idempotency: bool = False
    batch_create: bool = False
    has_clients: bool = False  # the account has clients (companies) to pick from
    rules: FieldRules = field(default_factory=FieldRules)

    def asked_secrets(self) -> tuple[SecretSpec, ...]:
        """The secrets a person types when adding an account."""
        return tuple(s for s in self.secrets if s.asked)

    def secret_label(self, key: str) -> str:
        for spec in self.secrets:
            if spec.key == key:
                return spec.label
        return key
