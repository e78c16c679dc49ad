"""`addressbook accounts list|add|login|remove` (the contract is in ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, TextIO

from addressbook import accounts
from addressbook.errors import AccountError

if TYPE_CHECKING:
    from addressbook.connectors.base import Connector


def list_accounts(args: argparse.Namespace) -> int:
    """Print the accounts: a table, or the contract's JSON array."""
    rows = _account_rows()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("No accounts yet; add one with `addressbook accounts add NAME --service SERVICE`.")
        return 0
    headers = {"name": "NAME", "service": "SERVICE", "url": "URL", "last_sync": "LAST SYNC"}
    table = [
        {**{k: str(r[k] or "never") for k in headers}, "pending": str(r["pending"])} for r in rows
    ]
    widths = {k: max(len(headers[k]), *(len(t[k]) for t in table)) for k in headers}
    line = "  ".join(headers[k].ljust(widths[k]) for k in headers) + "  PENDING"
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
        values = {key: getpass.getpass(f"{label} {key.replace('_', ' ')}: ") for key in keys}
    else:
        values = _parse_secret_lines(stream.read(), keys)
    missing = [key for key in keys if not values.get(key)]
    if missing:
        raise AccountError(
            f"{label} needs {', '.join(missing)}: type it at the prompt, or give KEY=VALUE "
            "lines on standard input."
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
                f"Line {number} of standard input is not KEY=VALUE; expected keys: "
                f"{', '.join(keys)}."
            )
        key, value = line.split("=", 1)
        key = key.strip()
        if key not in keys:
            raise AccountError(
                f"Line {number} of standard input names {key!r}; expected keys: {', '.join(keys)}."
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
    print(f"Added {account.name} ({cls.label} at {account.url}).")
    if cls.needs_login:
        print(f"Next: sign in with `addressbook accounts login {account.name}`.")
    else:
        print(f"Next: `addressbook sync {account.name}` fetches its contacts.")
    return 0


def _open_url(url: str) -> None:
    import webbrowser

    print(
        f"Opening your browser to sign in to Xero; if it does not open, visit: {url}",
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
    print(f"Signed in to {name}: {description}")
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
                f"{account.name} has {pending} edit{'s' if pending != 1 else ''} not pushed yet; "
                f"push them with `addressbook push {account.name}`, or remove with "
                "--discard-pending to drop them."
            )
        # The cache first: if anything fails after it, the account is still listed and
        # `accounts remove` can simply run again.
        store.forget_account(account.name)
        accounts.remove_account(account.name)
    print(f"Removed {account.name}, its secrets and its cached contacts.")
    return 0
