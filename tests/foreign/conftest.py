"""Fixtures for the foreign-answer tests: a canned server and connectors bound to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from addressbook.connectors.acuinvoice import AcuInvoiceConnector
from addressbook.connectors.base import AccountConfig
from addressbook.connectors.harvest import HarvestConnector
from tests.fakes import CannedServer, DictSecrets, FakeClock

# Short bounds: a test that waits does so for well under a second or two.
FAST = {"give_up_seconds": "3", "read_timeout": "2", "connect_timeout": "2"}


@pytest.fixture
def server() -> Iterator[CannedServer]:
    """A fresh canned-answer server on loopback."""
    with CannedServer() as canned:
        yield canned


@pytest.fixture
def harvest(server: CannedServer) -> Iterator[Callable[..., HarvestConnector]]:
    """harvest(**settings): a Harvest connector for the canned server (closed after the test)."""
    made: list[HarvestConnector] = []

    def make(**settings: str) -> HarvestConnector:
        config = AccountConfig("work", "harvest", server.url, {**FAST, **settings})
        secrets = DictSecrets({"email": "jane@doe.com", "password": "s3cret-pass"})
        made.append(HarvestConnector(config, secrets))
        made[-1].clock = FakeClock()  # waits are counted, not slept
        return made[-1]

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def acu(server: CannedServer) -> Iterator[Callable[..., AcuInvoiceConnector]]:
    """acu(**settings): an AcuInvoice connector for the canned server."""
    made: list[AcuInvoiceConnector] = []

    def make(**settings: str) -> AcuInvoiceConnector:
        config = AccountConfig("books", "acuinvoice", server.url, {**FAST, **settings})
        made.append(AcuInvoiceConnector(config, DictSecrets({"api_key": "k3y-abc123"})))
        made[-1].clock = FakeClock()
        return made[-1]

    yield make
    for connector in made:
        connector.close()
