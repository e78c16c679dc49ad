"""Shared set-up of the Xero tests: connectors bound to the sandbox, the stand-in browser."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors.base import AccountConfig, Connector, SecretSource
from addressbook.connectors.xero import XeroConnector
from addressbook.connectors.xero_legacy import XeroLegacyConnector
from addressbook.sandbox.core import SandboxServer
from tests.fixtures.sandbox import sandbox_account

BROWSER_FOLLOW = Path(__file__).with_name("browser_follow.py")
_opened: list[Connector] = []

C = TypeVar("C", bound=Connector)


def track(connector: C) -> C:
    """Remember a connector so `close_connectors` closes its sockets after the test."""
    _opened.append(connector)
    return connector


@pytest.fixture(autouse=True)
def close_connectors() -> Iterator[None]:
    """Close every connector a test made (open sockets would fail the next test)."""
    yield
    while _opened:
        _opened.pop().close()


def browser_command(tmp_path: Path) -> str:
    """A `$BROWSER` value: one executable (webbrowser runs it whole) calling browser_follow."""
    wrapper = tmp_path / "browser.sh"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{BROWSER_FOLLOW}" "$@"\n', "utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


def xero_config(server: SandboxServer, name: str = "books", **extra: str) -> AccountConfig:
    """The AccountConfig of a Xero 2.0 account on the sandbox (no tenant chosen yet)."""
    account = sandbox_account(server, name)
    settings = {k: str(v) for k, v in account["settings"].items()}
    settings.update(extra)
    return AccountConfig(name=name, service="xero", url=account["url"], settings=settings)


def signed_in_xero(
    server: SandboxServer, name: str = "books", secrets: SecretSource | None = None
) -> XeroConnector:
    """A Xero 2.0 connector as after `accounts login`: refresh token kept, first tenant chosen."""
    service: Any = server.service
    config = xero_config(server, name, tenant_id=service.tenants[0].tenant_id)
    secrets = secrets or KeyringSecrets(name)
    secrets.set("refresh_token", service.issue_tokens()["refresh_token"])
    return track(XeroConnector(config, secrets))


def legacy_connector(server: SandboxServer, name: str = "old-books") -> XeroLegacyConnector:
    """A Xero 1.0 connector with the sandbox's keys in the (test) keyring."""
    account = sandbox_account(server, name)
    secrets = KeyringSecrets(name)
    for key, value in account["secrets"].items():
        secrets.set(key, value)
    config = AccountConfig(name=name, service="xero-legacy", url=account["url"], settings={})
    return track(XeroLegacyConnector(config, secrets))


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This test's environment (home, keyring) for a child process, repository on the path."""
    from tests.keyring_backend import subprocess_env

    return subprocess_env(extra)
