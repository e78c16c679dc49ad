"""Benchmark of the sync engine against the Harvest sandbox over loopback.

Run: python tests/perf/bench_sync.py [--contacts 10000] [--edits 100]
Targets (issue 4):
- the first pull of 10,000 contacts into a fresh cache (throttle off): ≤ 3 s;
- a second pull with nothing changed: one request, ≤ 0.3 s;
- a push of 100 edited contacts with the throttle on (100 calls per 15 s; each contact
  needs a GET, a PUT and a GET): it paces itself and gets not a single 503.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from addressbook.connectors import make_connector
from addressbook.connectors.base import AccountConfig
from addressbook.model import Patch
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.harvest import HarvestService
from addressbook.store import Store
from addressbook.sync import pull, push

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fakes import DictSecrets  # noqa: E402 - the repository root first


def count_503(service: HarvestService) -> list[int]:
    """Wrap the service so every 503 it answers is counted (returns the live counter)."""
    counter = [0]
    original = service.handle

    def counted(request: Any) -> Any:
        response = original(request)
        if response.status == 503:
            counter[0] += 1
        return response

    service.handle = counted  # type: ignore[method-assign]
    return counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    os.environ["ADDRESSBOOK_HOME"] = str(home)
    service = HarvestService(contacts=args.contacts, seed=7)
    service.limits_enabled = False
    throttled = count_503(service)
    ok = True
    with SandboxServer(service) as server, Store(home / "cache.sqlite3") as store:
        account = AccountConfig("harvest", "harvest", server.url)
        with make_connector(account, DictSecrets(service.credentials())) as connector:
            started = time.perf_counter()
            first = pull(store, connector)
            took = time.perf_counter() - started
            ok &= took <= 3.0 and first.new == args.contacts
            print(f"first pull: {first.new} contacts in {took:.2f} s (target ≤ 3 s)")

            before = service.requests_seen
            started = time.perf_counter()
            second = pull(store, connector)
            took = time.perf_counter() - started
            requests = service.requests_seen - before
            ok &= took <= 0.3 and requests == 1 and second.changed == second.new == 0
            print(
                f"second pull, nothing changed: {requests} request(s), {took * 1000:.0f} ms "
                "(target: 1 request, ≤ 300 ms)"
            )

        for contact_id in store.search_ids(account="harvest")[: args.edits]:
            record = store.get(contact_id)
            assert record is not None
            contact = replace(record.contact, title=f"Benchmarked {contact_id}")
            store.apply_patch(contact_id, Patch.between(record.contact, contact))
        service.limits_enabled = True
        with make_connector(account, DictSecrets(service.credentials())) as connector:
            before = service.requests_seen
            started = time.perf_counter()
            result = push(store, connector)
            took = time.perf_counter() - started
        calls = service.requests_seen - before
        ok &= result.updated == args.edits and throttled[0] == 0
        print(
            f"push of {args.edits} edits, throttle on: {result.updated} updated, {calls} calls, "
            f"{took:.1f} s, {throttled[0]} answers 503 (target: 0)"
        )
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
