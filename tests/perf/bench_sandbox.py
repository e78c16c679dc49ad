"""Benchmark: the sandbox must never be the bottleneck (issue 3: ≤ 1 s per 10,000-contact listing).

Run: python tests/perf/bench_sandbox.py [--contacts N]
Prints the time to build the sample data, then the time for Harvest to answer
GET /contacts with every contact in one answer (cold: first rendering; warm: cached
rendering), and for AcuInvoice to answer contact.list page by page (100 per page),
all over a real loopback socket with limits off. Exit status 1 if a listing is over 1 s.
"""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TypeVar

import httpx

from addressbook.sandbox import sample
from addressbook.sandbox.acuinvoice import AcuInvoiceService
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.harvest import HarvestService

TARGET_SECONDS = 1.0
T = TypeVar("T")


def _timed(label: str, action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"{label:<52} {elapsed:7.3f} s")
    return elapsed, result


def bench_harvest(n: int) -> list[float]:
    _, service = _timed(f"build HarvestService({n})", lambda: HarvestService(contacts=n))
    service.limits_enabled = False
    times = []
    with (
        SandboxServer(service) as server,
        httpx.Client(
            base_url=server.url,
            auth=(service.email, service.password),
            headers={"Accept": "application/xml"},
            timeout=60,
        ) as client,
    ):
        for label in ("cold", "warm", "warm"):
            elapsed, answer = _timed(
                f"harvest GET /contacts ({n} in one answer, {label})",
                lambda: client.get("/contacts"),
            )
            assert answer.status_code == 200
            times.append(elapsed)
        size = len(answer.content)
        count = len(ET.fromstring(answer.content))
        print(f"{'  answer size / contacts':<52} {size / 1e6:7.1f} MB / {count}")
        assert count == n
    return times


def bench_acuinvoice(n: int) -> float:
    service = AcuInvoiceService(contacts=n)
    with (
        SandboxServer(service) as server,
        httpx.Client(base_url=server.url, auth=(service.api_key, "X"), timeout=60) as client,
    ):

        def every_page() -> int:
            seen, page = 0, 1
            while True:
                body = f'<request method="contact.list"><page>{page}</page><per_page>100</per_page></request>'
                root = ET.fromstring(client.post("/api/xml-in", content=body.encode()).content)
                contacts = root.find("contacts")
                got = 0 if contacts is None else len(contacts)
                seen += got
                if got < 100:
                    return seen
                page += 1

        elapsed, seen = _timed(f"acuinvoice contact.list ({n} as pages of 100)", every_page)
        assert seen == n
    return elapsed


def main() -> int:
    """Run the benchmarks and print the numbers."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    n = parser.parse_args().contacts
    _timed(f"sample.book({n})", lambda: sample.book(n))
    harvest = bench_harvest(n)
    acuinvoice = bench_acuinvoice(n)
    worst = max(*harvest, acuinvoice)
    print(f"{'worst listing (target ≤ 1 s)':<52} {worst:7.3f} s")
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
