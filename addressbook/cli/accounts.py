"""`addressbook accounts list|add|login|remove` (the contract is in ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, TextIO

from addressbook import accounts
from addressbook.errors import AccountError
from addressbook.i18n import _, format_datetime_short, format_number, ngettext

if TYPE_CHECKING:
    from addressbook.connectors.base import Connector


def list_accounts(args: argparse.Namespace) -> int:
    """Print the accounts: a table, or the contract's JSON array."""
    rows = _account_rows()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("No accounts yet; add one with `addressbook accounts add NAME --service SERVICE`."))
        return 0
    headers = {
        # Translators: column headings of `addressbook accounts list` (capitals, short).
        "name": _("NAME"),
        "service": _("SERVICE"),
        "url": _("URL"),
        "last_sync": _("LAST SYNC"),
    }
    table = [
        {
            "name": str(r["name"]),
            "service": str(r["service"]),
            "url": str(r["url"]),
            # Translators: the LAST SYNC column of an account never synced.
            "last_sync": format_datetime_short(str(r["last_sync"]))
            if r["last_sync"]
            else _("never"),
            "pending": format_number(int(str(r["pending"]))),
        }
        for r in rows
    ]
    widths = {k: max(len(headers[k]), *(len(t[k]) for t in table)) for k in headers}
    line = "  ".join(headers[k].ljust(widths[k]) for k in headers) + "  " + _("PENDING")
    print(line)
    for t in table:
        print("  ".join(t[k].ljust(widths[k]) for k in headers) + "  " + t["pending"])
    return 0


def _account_rows() -> list[dict[str, object]]:
    from addressbook.store import Store

    configs = accounts.load_accounts()
    if not configs:
        return []
    with Store.default() as store:
        return [
            {
                "name": a.name,
                "service": a.service,
                "url": a.url,
                "last_sync": store.sync_state(a.name).last_sync,
                "pending": store.pending_count(a.name),
            }
            for a in configs
        ]


def read_secrets(keys: tuple[str, ...], label: str, stream: TextIO | None = None) -> dict[str, str]:
    """The account's secrets: a hidden prompt on a terminal, else KEY=VALUE lines on stdin."""
    stream = stream or sys.stdin
    if not keys:
        return {}
    if stream.isatty():
        values = {
            key: getpass.getpass(
                # Translators: a hidden prompt, e.g. "Harvest password: ".
                _("{service} {secret}: ").format(service=label, secret=key.replace("_", " "))
            )
            for key in keys
        }
    else:
        values = _parse_secret_lines(stream.read(), keys)
    missing = [key for key in keys if not values.get(key)]
    if missing:
        raise AccountError(
            _(
                "{service} needs {secrets}: type it at the prompt, or give KEY=VALUE "
                "lines on standard input."
            ).format(service=label, secrets=", ".join(missing))
        )
    return values


def _parse_secret_lines(text: str, keys: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise AccountError(
                _(
                    "Line {number} of standard input is not KEY=VALUE; expected keys: {keys}."
                ).format(number=number, keys=", ".join(keys))
            )
        key, value = line.split("=", 1)
        key = key.strip()
        if key not in keys:
            raise AccountError(
                _("Line {number} of standard input names '{key}'; expected keys: {keys}.").format(
                    number=number, key=key, keys=", ".join(keys)
                )
            )
        values[key] = value.strip()
    return values


def add_account(args: argparse.Namespace) -> int:
    """Add an account: settings to accounts.json, secrets to the keyring."""
    from addressbook.connectors import connector_class

    settings = dict(args.settings)
    account = accounts.new_account(args.name, args.service, args.url, settings)
    cls = connector_class(account.service)
    accounts.keyring_backend()  # say "no keyring" before asking for passwords
    secrets = read_secrets(cls.secret_keys, cls.label)
    accounts.add_account(account, secrets)
    print(
        _("Added {name} ({service} at {url}).").format(
            name=account.name, service=cls.label, url=account.url
        )
    )
    if cls.needs_login:
        print(
            _("Next: sign in with `addressbook accounts login {name}`.").format(name=account.name)
        )
    else:
        print(_("Next: `addressbook sync {name}` fetches its contacts.").format(name=account.name))
    return 0


def _open_url(url: str) -> None:
    import webbrowser

    print(
        _("Opening your browser to sign in to Xero; if it does not open, visit: {url}").format(
            url=url
        ),
        file=sys.stderr,
        flush=True,
    )
    try:
        webbrowser.open(url)
    except Exception:  # a missing browser is fine: the URL is printed
        pass


def login_account(args: argparse.Namespace) -> int:
    """Sign in again: the browser sign-in (Xero), else the secrets asked anew.

    After a 401 (a changed password or API key) this is how the new one is entered; the
    account's cached contacts and pending edits stay as they are.
    """
    from addressbook.connectors import make_connector

    account = accounts.require_account(args.name)
    secrets = accounts.KeyringSecrets(account.name)
    accounts.keyring_backend()
    with make_connector(account, secrets) as connector:
        if not connector.needs_login:
            return _enter_secrets_again(account.name, connector)
        if getattr(args, "timeout", None) is not None and hasattr(connector, "login_timeout"):
            connector.login_timeout = args.timeout
        description = connector.login(_open_url, args.tenant)
        accounts.save_settings(connector.account)
    # the connector says what it connected, e.g. "Signed in to Xero: organisation …"
    print(description)
    return 0


def _enter_secrets_again(name: str, connector: Connector) -> int:
    """Ask the secrets again, check them against the service, then keep them."""
    values = read_secrets(connector.secret_keys, connector.label)
    old = {key: connector.secrets.get(key) for key in values}
    for key, value in values.items():
        connector.secrets.set(key, value)
    try:
        description = connector.check()
    except BaseException:
        for key, previous in old.items():  # the old secrets stay until the new ones work
            if previous is None:
                accounts.KeyringSecrets(name).delete(key)
            else:
                connector.secrets.set(key, previous)
        raise
    print(_("Signed in to {name}: {description}").format(name=name, description=description))
    return 0


def remove_account(args: argparse.Namespace) -> int:
    """Remove an account, its secrets and its cached contacts."""
    from addressbook.store import Store

    account = accounts.require_account(args.name)
    accounts.keyring_backend()  # forget nothing unless everything can be forgotten
    with Store.default() as store:
        pending = store.pending_count(account.name)
        if pending and not args.discard_pending:
            raise AccountError(
                ngettext(
                    "{name} has {n} edit not pushed yet; push it with `addressbook push {name}`, "
                    "or remove with --discard-pending to drop it.",
                    "{name} has {n} edits not pushed yet; push them with `addressbook push "
                    "{name}`, or remove with --discard-pending to drop them.",
                    pending,
                ).format(name=account.name, n=format_number(pending))
            )
        # The cache first: if anything fails after it, the account is still listed and
        # `accounts remove` can simply run again.
        store.forget_account(account.name)
        accounts.remove_account(account.name)
    print(_("Removed {name}, its secrets and its cached contacts.").format(name=account.name))
    return 0
