"""How fast the Xero sandboxes serve 10,000 contacts (limits off).

    python tests/perf/bench_sandbox_xero.py [--contacts 10000] [--rounds 3]

Targets (issue 3): Xero 1.0's listing in one answer ≤ 1 s; Xero 2.0's as 100 pages of
100 ≤ 1 s in total. Timed: the HTTP round trips over loopback with the whole body read
(what serving costs); the client's parsing is printed apart, for information.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from addressbook.sandbox.core import SandboxServer  # noqa: E402
from addressbook.sandbox.xero import XeroService  # noqa: E402
from addressbook.sandbox.xero_legacy import XeroLegacyService  # noqa: E402

TARGET_SECONDS = 1.0


def bench_legacy(contacts: int, rounds: int) -> float:
    """Median seconds for one 1.0 listing of every contact."""
    started = time.perf_counter()
    service = XeroLegacyService(contacts=contacts)
    print(f"xero-legacy: built {contacts} contacts in {time.perf_counter() - started:.2f} s")
    service.limits_enabled = False
    keys = service.credentials()
    params = {"apiKey": keys["api_key"], "xeroKey": keys["xero_key"]}
    times = []
    with SandboxServer(service) as server, httpx.Client() as client:
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(server.url + "/api.xro/1.0/contacts", params=params)
            body = response.content
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        started = time.perf_counter()
        count = len(ElementTree.fromstring(body).findall("Contacts/Contact"))
        parse = time.perf_counter() - started
    assert count == contacts, count
    median = statistics.median(times)
    print(
        f"xero-legacy: one answer of {count} contacts, {len(body) / 1e6:.1f} MB: "
        f"median {median:.3f} s, best {min(times):.3f} s (client XML parse {parse:.3f} s)"
    )
    return median


def bench_xero(contacts: int, rounds: int) -> float:
    """Median seconds for listing every 2.0 contact page by page."""
    started = time.perf_counter()
    service = XeroService(contacts=contacts)
    print(f"xero: built {contacts} contacts in {time.perf_counter() - started:.2f} s")
    service.limits_enabled = False
    headers = {
        "Authorization": "Bearer " + service.issue_tokens()["access_token"],
        "xero-tenant-id": service.tenants[0].tenant_id,
        "Accept": "application/json",
    }
    pages = (contacts + 99) // 100
    times, parse = [], 0.0
    with SandboxServer(service) as server, httpx.Client(headers=headers) as client:
        url = server.url + "/api.xro/2.0/Contacts"
        for _ in range(rounds):
            bodies = []
            started = time.perf_counter()
            for page in range(1, pages + 1):
                response = client.get(url, params={"page": page, "includeArchived": "true"})
                bodies.append(response.content)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        count = sum(len(httpx.Response(200, content=b).json()["Contacts"]) for b in bodies)
        parse = time.perf_counter() - started
    assert count == contacts, count
    median = statistics.median(times)
    print(
        f"xero: {pages} pages, {count} contacts: median {median:.3f} s, best {min(times):.3f} s "
        f"(client JSON parse {parse:.3f} s)"
    )
    return median


def main() -> int:
    """Run both benchmarks; exit 1 if a median misses its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = {
        "xero-legacy": bench_legacy(args.contacts, args.rounds),
        "xero": bench_xero(args.contacts, args.rounds),
    }
    failed = [name for name, seconds in results.items() if seconds > TARGET_SECONDS]
    for name, seconds in results.items():
        verdict = "ok" if seconds <= TARGET_SECONDS else "TOO SLOW"
        print(f"{name}: {seconds:.3f} s (target ≤ {TARGET_SECONDS:.1f} s) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
