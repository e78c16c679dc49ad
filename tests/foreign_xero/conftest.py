"""Fixtures of the foreign-answer Xero tests: the canned server and a recording keyring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keyring.core
import pytest

from tests.fakes import CannedServer, RecordingKeyring


@pytest.fixture
def events() -> list[tuple[Any, ...]]:
    """Keyring writes and server requests, in the order they happened."""
    return []


@pytest.fixture
def recording_keyring(events: list[tuple[Any, ...]]) -> Iterator[RecordingKeyring]:
    """The keyring every KeyringSecrets of the test uses."""
    previous = keyring.core.get_keyring()
    backend = RecordingKeyring(events)
    keyring.core.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.core.set_keyring(previous)


@pytest.fixture
def server(events: list[tuple[Any, ...]]) -> Iterator[CannedServer]:
    """A canned-answer server on loopback; each request is also appended to `events`."""
    with CannedServer() as canned:
        canned.on_request = lambda request: events.append(("request", request))
        yield canned
