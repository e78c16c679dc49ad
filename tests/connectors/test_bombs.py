"""A gzip answer that expands to a gibibyte, from the sandbox's fault switch, on every
service's listing: refused quickly with one sentence (memory is the benchmark's)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from addressbook.connectors import make_connector
from addressbook.errors import BadAnswer
from addressbook.sandbox.core import SandboxServer
from tests.connectors.contract import account_config, pull_all
from tests.connectors.xero_helpers import close_connectors, signed_in_xero, track  # noqa: F401
from tests.fixtures.sandbox import sandbox_account

pytestmark = pytest.mark.usefixtures("keyring_file")

LISTINGS = {
    "harvest": "/contacts",
    "acuinvoice": "/api/xml-in",
    "xero-legacy": "/contacts",
    "xero": "/Contacts",
}


@pytest.mark.parametrize("service", list(LISTINGS))
def test_a_gzip_bomb_is_refused_on_every_listing(
    request: pytest.FixtureRequest, service: str
) -> None:
    server: SandboxServer = request.getfixturevalue(service.replace("-", "_"))
    if service == "xero":
        connector: Any = signed_in_xero(server)
    else:
        config, secrets = account_config(sandbox_account(server, "bombed"))
        connector = track(make_connector(config, secrets))
    suffix = LISTINGS[service]
    server.service.add_fault("gzip_bomb", when=lambda r: r.path.endswith(suffix))
    started = time.monotonic()
    with pytest.raises(BadAnswer) as refused:
        pull_all(connector)
    assert time.monotonic() - started < 2
    message = str(refused.value)
    assert "compression bomb" in message or "larger than 16 MB" in message
    assert "\n" not in message
    connector.close()
