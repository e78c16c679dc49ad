"""The demo's keyring: a real keyring backend that keeps secrets in memory only.

`addressbook demo` selects it (PYTHON_KEYRING_BACKEND and keyring.set_keyring) so the
sandbox's throw-away credentials never reach — or read — the user's real keyring, and
vanish when the demo ends. It is never chosen by keyring on its own (priority < 0
unless the demo asked for it).
"""

from __future__ import annotations

import os
import threading

import keyring.backend
from keyring.errors import PasswordDeleteError

BACKEND_NAME = "addressbook.ui.demo_keyring.DemoKeyring"
ENV = "ADDRESSBOOK_DEMO_KEYRING"


class DemoKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict of this process (the demo's sandbox credentials only)."""

    _values: dict[tuple[str, str], str] = {}
    _lock = threading.Lock()

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's classproperty
        if not os.environ.get(ENV):
            raise RuntimeError("the demo keyring is only for `addressbook demo`")
        return 0.1

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._values.pop((service, username), None) is None:
                raise PasswordDeleteError("no such password")


def install() -> None:
    """Make the demo keyring the process's keyring (and for anything it starts)."""
    import keyring

    os.environ[ENV] = "1"
    os.environ["PYTHON_KEYRING_BACKEND"] = BACKEND_NAME
    keyring.set_keyring(DemoKeyring())
