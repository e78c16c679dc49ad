"""A real, file-less keyring backend for these tests: secrets in memory, every write recorded.

Set with `keyring.core.set_keyring(RecordingKeyring(events))`; each `set_password` appends
("keyring", user, value) to `events`, the list the canned server also appends requests
to, so a test can assert what happened first.
"""

from __future__ import annotations

import threading
from typing import Any

import keyring.backend
from keyring.errors import PasswordDeleteError


class RecordingKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict; writes appended to a shared event list."""

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's classproperty
        raise RuntimeError("tests only: set it with keyring.core.set_keyring")

    def __init__(self, events: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.events = events
        self.data: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        """The secret, or None."""
        with self._lock:
            return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Keep the secret and record the write."""
        with self._lock:
            self.data[(service, username)] = password
            self.events.append(("keyring", username, password))

    def delete_password(self, service: str, username: str) -> None:
        """Forget the secret."""
        with self._lock:
            if (service, username) not in self.data:
                raise PasswordDeleteError("no such secret")
            del self.data[(service, username)]
