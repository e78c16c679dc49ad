"""Accounts: non-secret settings in accounts.json, secrets in the OS keyring only.

Glossary:
- *settings*: name, service, url and a few non-secret values (`--set KEY=VALUE`), kept in
  `paths.accounts_path()` as JSON, written atomically (temporary file + os.replace).
- *secrets*: passwords, API keys, refresh tokens. They live in the keyring under the
  service name `addressbook`, one entry per account and key (user name `ACCOUNT:KEY`),
  and nowhere else: with no usable keyring this module refuses, it never falls back
  to a file.

`keyring` is imported lazily so commands that need no secret start fast.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from addressbook import paths
from addressbook.connectors.base import AccountConfig, SecretSource
from addressbook.errors import AccountError, KeyringUnavailable
from addressbook.i18n import N_, _
from addressbook.logs import redact

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger("addressbook.accounts")

KEYRING_SERVICE = "addressbook"
# One sentence: what is missing and what to do, no setting names (the Accounts dialog
# shows the same sentence, ui/accounts_dialog.keyring_problem).
NO_KEYRING = N_(
    "No keyring is available to keep passwords: unlock or install the desktop's "
    "keyring (GNOME Keyring, KWallet)."
)  # raised as _(NO_KEYRING)
# Keys a sign-in writes (not asked by `accounts add`) that `remove` must forget too.
LOGIN_SECRET_KEYS = ("refresh_token", "access_token")
_NAME = re.compile(r"^[\w][\w.@+-]{0,63}$")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_FILE_VERSION = 1


# --- the keyring ---------------------------------------------------------------------------
def keyring_backend() -> KeyringBackend:
    """The keyring backend to use; KeyringUnavailable when none is usable."""
    import keyring
    from keyring.backends import chainer, fail
    from keyring.errors import KeyringError

    try:
        backend = keyring.get_keyring()
    except (RuntimeError, KeyringError) as error:
        log.info("keyring backend failed to load: %s", error)
        raise KeyringUnavailable(_(NO_KEYRING))
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        raise KeyringUnavailable(_(NO_KEYRING))
    if type(backend).__module__ == "keyring.backends.null":
        raise KeyringUnavailable(_(NO_KEYRING))
    return backend


# One sentence each, no internal names (the error's class is logged, not said).
_KEYRING_REFUSED = {
    "read a secret": N_("The keyring refused to read a password; unlock it and try again."),
    "keep a secret": N_("The keyring refused to keep a password; unlock it and try again."),
    "forget a secret": N_("The keyring refused to forget a password; unlock it and try again."),
}


def _keyring_call(action: str, function: Any, *args: str) -> Any:
    """Call a keyring function, turning "no usable keyring" into KeyringUnavailable."""
    from keyring import errors

    try:
        return function(*args)
    except (errors.NoKeyringError, errors.InitError, errors.KeyringLocked) as error:
        log.info("keyring unavailable while trying to %s: %s", action, type(error).__name__)
        raise KeyringUnavailable(_(NO_KEYRING))
    except errors.KeyringError as error:
        log.info("keyring refused to %s: %s", action, type(error).__name__)
        raise KeyringUnavailable(_(_KEYRING_REFUSED.get(action, _KEYRING_REFUSED["read a secret"])))


class KeyringSecrets(SecretSource):
    """One account's secrets in the OS keyring (service 'addressbook', user 'ACCOUNT:KEY')."""

    def __init__(self, account_name: str) -> None:
        self.account_name = account_name

    def _user(self, key: str) -> str:
        return f"{self.account_name}:{key}"

    def get(self, key: str) -> str | None:
        """The secret, or None when the keyring has none for this key."""
        backend = keyring_backend()
        value = _keyring_call(
            "read a secret", backend.get_password, KEYRING_SERVICE, self._user(key)
        )
        redact(value)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        """Keep the secret in the keyring."""
        redact(value)
        backend = keyring_backend()
        _keyring_call(
            "keep a secret", backend.set_password, KEYRING_SERVICE, self._user(key), value
        )

    def delete(self, key: str) -> None:
        """Forget the secret (a missing one is fine)."""
        from keyring.errors import PasswordDeleteError

        backend = keyring_backend()

        def forget(service: str, user: str) -> None:
            try:
                backend.delete_password(service, user)
            except PasswordDeleteError:
                pass  # nothing kept under that key: nothing to forget

        _keyring_call("forget a secret", forget, KEYRING_SERVICE, self._user(key))


# --- the settings file ---------------------------------------------------------------------
def _read_file() -> list[dict[str, Any]]:
    path = paths.accounts_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        raise AccountError(
            _(
                "The account settings in {path} cannot be read ({kind}); fix or remove that file."
            ).format(path=path, kind=type(error).__name__)
        )
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise AccountError(
            _("The account settings in {path} are damaged; fix or remove that file.").format(
                path=path
            )
        )
    return [entry for entry in data["accounts"] if isinstance(entry, dict)]


def _write_file(accounts: Iterable[AccountConfig]) -> None:
    path = paths.accounts_path()
    data = {
        "version": _FILE_VERSION,
        "accounts": [
            {"name": a.name, "service": a.service, "url": a.url, "settings": dict(a.settings)}
            for a in accounts
        ],
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".accounts-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_accounts() -> list[AccountConfig]:
    """Every account, in the order they were added."""
    return [
        AccountConfig(
            name=str(entry.get("name", "")),
            service=str(entry.get("service", "")),
            url=str(entry.get("url", "")),
            settings={str(k): str(v) for k, v in (entry.get("settings") or {}).items()},
        )
        for entry in _read_file()
    ]


def find_account(name: str) -> AccountConfig | None:
    """The account of that name, or None."""
    return next((a for a in load_accounts() if a.name == name), None)


def require_account(name: str) -> AccountConfig:
    """The account of that name; AccountError naming the way to list them if there is none."""
    account = find_account(name)
    if account is None:
        raise AccountError(
            _("no account named {name}; `addressbook accounts list` shows them").format(name=name)
        )
    return account


def save_settings(account: AccountConfig) -> None:
    """Write an existing account's settings (e.g. Xero's tenant after sign-in)."""
    accounts = load_accounts()
    for index, existing in enumerate(accounts):
        if existing.name == account.name:
            accounts[index] = account
            _write_file(accounts)
            return
    raise AccountError(
        _("no account named {name}; `addressbook accounts list` shows them").format(
            name=account.name
        )
    )


# --- checks --------------------------------------------------------------------------------
def check_name(name: str) -> None:
    """Refuse names that cannot be an account name."""
    if not _NAME.match(name) or name.lower() == "local":
        raise AccountError(
            _(
                "'{name}' cannot be an account name: use letters, digits, '.', '-' or '_' "
                "(at most 64, not 'local')."
            ).format(name=name)
        )


def is_loopback(host: str) -> bool:
    """True for this computer's own addresses (where plain http is allowed)."""
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def check_url(url: str) -> str:
    """The URL without a trailing slash; AccountError unless https (or http on loopback)."""
    parts = urlsplit(url.strip())
    if parts.username or parts.password:
        raise AccountError(
            _("The URL must not hold a user name or password; secrets go to the keyring.")
        )
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise AccountError(
            _("'{url}' is not a web address; give one like https://example.com.").format(url=url)
        )
    if parts.scheme != "https" and not is_loopback(host):
        raise AccountError(
            _(
                "{url} is not https: addressbook only sends your credentials over https "
                "(plain http only to this computer)."
            ).format(url=url)
        )
    if parts.query or parts.fragment:
        raise AccountError(
            _("{url} has a query or fragment; give the service's root address.").format(url=url)
        )
    return url.strip().rstrip("/")


def _check_settings(service: str, settings: dict[str, str]) -> None:
    from addressbook.connectors import connector_class

    cls = connector_class(service)
    for key in settings:
        if key in cls.secret_keys or key in LOGIN_SECRET_KEYS:
            raise AccountError(
                _(
                    "{key} is a secret: give it at the prompt or on standard input, not with --set."
                ).format(key=key)
            )
        if key not in cls.setting_keys:
            known = ", ".join(cls.setting_keys) or _("none")
            raise AccountError(
                _("{service} has no setting '{key}'; its settings: {known}.").format(
                    service=cls.label, key=key, known=known
                )
            )


# --- adding and removing -------------------------------------------------------------------
def new_account(
    name: str, service: str, url: str | None, settings: dict[str, str]
) -> AccountConfig:
    """A checked AccountConfig for `accounts add` (nothing is written)."""
    from addressbook.connectors import describe

    check_name(name)
    description = describe(service)
    if find_account(name) is not None:
        raise AccountError(
            _("an account named {name} exists already; choose another name").format(name=name)
        )
    if url is None:
        if not description.default_url:
            raise AccountError(
                _(
                    "{service} needs --url, the address of your {service} account "
                    "(for example {example})."
                ).format(service=description.label, example=description.url_hint or "https://…")
            )
        url = description.default_url
    _check_settings(service, settings)
    return AccountConfig(name=name, service=service, url=check_url(url), settings=dict(settings))


def add_account(account: AccountConfig, secrets: dict[str, str]) -> None:
    """Keep the secrets in the keyring, then the settings in accounts.json."""
    keyring_backend()  # fail before anything is written
    if find_account(account.name) is not None:
        raise AccountError(
            _("an account named {name} exists already; choose another name").format(
                name=account.name
            )
        )
    store = KeyringSecrets(account.name)
    for key, value in secrets.items():
        store.set(key, value)
    _write_file([*load_accounts(), account])


def secret_keys_of(service: str) -> tuple[str, ...]:
    """Every keyring key an account of that service may have (asked or written by sign-in)."""
    from addressbook.connectors import connector_class

    cls = connector_class(service)
    extra = cls.login_secret_keys
    return tuple(dict.fromkeys((*cls.secret_keys, *extra, *LOGIN_SECRET_KEYS)))


def remove_account(name: str) -> None:
    """Forget the account's secrets and remove it from accounts.json (the cache is the caller's)."""
    account = require_account(name)
    secrets = KeyringSecrets(name)
    for key in secret_keys_of(account.service):
        secrets.delete(key)
    _write_file(a for a in load_accounts() if a.name != name)
