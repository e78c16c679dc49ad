"""Benchmark: the Harvest connector's first pull of 10,000 contacts from the sandbox.

Run: python tests/perf/bench_harvest.py [CONTACTS]
Target (issue 4): the first pull — every page consumed into RemoteContacts, parsing and
mapping included, throttle off — in 3 s or less; a second pull with nothing changed
in one request and 0.3 s or less (the store's writes are measured by the sync benchmark).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from addressbook.connectors import make_connector
from addressbook.connectors.base import AccountConfig
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.harvest import HarvestService

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fakes import DictSecrets  # noqa: E402 - the repository root first

FIRST_PULL_TARGET = 3.0
SECOND_PULL_TARGET = 0.3


def main(contacts: int = 10_000) -> int:
    """Print the timings; exit 1 if a target is missed."""
    service = HarvestService(contacts=contacts, seed=1)
    service.limits_enabled = False
    with SandboxServer(service) as server:
        account = AccountConfig("bench", "harvest", server.url)
        connector = make_connector(account, DictSecrets(dict(service.credentials())))
        with connector:
            connector.clients()  # sign-in and the client list are not the listing
            started, cpu = time.perf_counter(), time.process_time()
            pulled_at = datetime.now(UTC)
            pages = list(connector.pull(None))
            first = time.perf_counter() - started
            first_cpu = time.process_time() - cpu  # client and sandbox threads together
            count = sum(len(page) for page in pages)
            calls_before = service.requests_seen
            started = time.perf_counter()
            again = [r for page in connector.pull(pulled_at) for r in page]
            second = time.perf_counter() - started
            second_calls = service.requests_seen - calls_before
    print(f"first pull:  {count} contacts in {len(pages)} pages, {first:.2f} s "
          f"(CPU {first_cpu:.2f} s incl. the sandbox; target <= {FIRST_PULL_TARGET} s)")  # fmt: skip
    print(f"second pull: {len(again)} changed, {second_calls} request(s), {second:.3f} s "
          f"(target <= {SECOND_PULL_TARGET} s, 1 request)")  # fmt: skip
    ok = count == contacts and first <= FIRST_PULL_TARGET
    ok = ok and second <= SECOND_PULL_TARGET and second_calls == 1
    print("OK" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
