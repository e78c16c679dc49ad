"""Xero pull speed: 1.0 (streamed XML) and 2.0 (JSON pages of 1000, limits off and on).

    python tests/perf/bench_xero.py [--contacts 10000]

Targets (issue 5): 1.0 first pull of 10,000 contacts ≤ 2.5 s and within 2× of
xmltodict.parse of the same answer, peak memory growth ≤ 60 MB; 2.0 first pull of
10,000 contacts (10 pages of 1000 since issue 13) with limits off ≤ 2 s; with the 60-a-minute limit on, the
connector paces itself and gets no 429.

Each sandbox runs in a child process (so the numbers are the connector's, not the
sandbox's, and memory is this process's alone). For the limited 2.0 run the sandbox's
clock runs SPEED× faster (its minute lasts 60/SPEED real seconds) and the connector's
`minute_seconds` is scaled the same way, so 100 pages take a few seconds, not 2 minutes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("ADDRESSBOOK_HOME", tempfile.mkdtemp(prefix="bench-xero-"))

from addressbook.connectors.base import AccountConfig  # noqa: E402
from addressbook.connectors.xero import XeroConnector  # noqa: E402
from addressbook.connectors.xero_legacy import XeroLegacyConnector  # noqa: E402
from tests.fakes import DictSecrets  # noqa: E402

SPEED = 20.0  # how much faster the limited sandbox's clock runs


# --- the sandbox child process -------------------------------------------------------------
def serve(kind: str, contacts: int, speed: float, limits: bool) -> None:
    """Child: serve one sandbox, print its account as JSON, run until stdin closes."""
    from addressbook.sandbox.core import SandboxServer
    from addressbook.sandbox.xero import XeroService
    from addressbook.sandbox.xero_legacy import XeroLegacyService

    start = time.time()
    service: Any
    if kind == "legacy":
        service = XeroLegacyService(contacts=contacts, seed=1)
    else:
        service = XeroService(
            contacts=contacts, seed=1, clock=lambda: start + (time.time() - start) * speed
        )
    service.limits_enabled = limits
    with SandboxServer(service) as server:
        account = dict(service.account_settings(server.url))
        account["secrets"] = service.credentials()
        if kind == "xero":
            account["tenant_id"] = service.tenants[0].tenant_id
        print(json.dumps(account), flush=True)
        sys.stdin.read()


def start_sandbox(
    kind: str, contacts: int, speed: float = 1.0, limits: bool = True
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, str(contacts), str(speed), str(int(limits))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


def stop(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=30)


# --- measurements --------------------------------------------------------------------------
def rss_mb() -> float:
    """This process's resident memory (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def legacy(contacts: int) -> dict[str, float]:
    import httpx
    import xmltodict

    child, account = start_sandbox("legacy", contacts)
    try:
        config = AccountConfig("bench", "xero-legacy", account.pop("url"), {})
        secrets = DictSecrets(account["secrets"])
        body = httpx.get(
            config.url + "/contacts",
            params={"apiKey": secrets.values["api_key"], "xeroKey": secrets.values["xero_key"]},
            timeout=60,
        ).content  # also warms the sandbox's cache
        started = time.perf_counter()
        xmltodict.parse(body, force_list=("Contact", "Address", "Phone"))
        parse_seconds = time.perf_counter() - started
        del body
        gc.collect()

        def pull() -> int:
            with XeroLegacyConnector(config, secrets) as connector:
                return sum(len(page) for page in connector.pull(None))

        started = time.perf_counter()
        count = pull()
        seconds = time.perf_counter() - started
        assert count == contacts, count
        gc.collect()
        rss_before = rss_mb()
        tracemalloc.start()
        pull()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = rss_mb() - rss_before
    finally:
        stop(child)
    return {
        "seconds": seconds,
        "xmltodict_seconds": parse_seconds,
        "peak_mb": peak / 1e6,
        "rss_growth_mb": rss_growth,
    }


def xero_connector(account: dict[str, Any]) -> XeroConnector:
    settings = {k: str(v) for k, v in account.items() if k not in ("url", "secrets")}
    config = AccountConfig("bench", "xero", account["url"], settings)
    return XeroConnector(config, DictSecrets(dict(account["secrets"])))


def xero_unlimited(contacts: int) -> dict[str, float]:
    child, account = start_sandbox("xero", contacts, limits=False)
    try:
        connector = xero_connector(account)
        connector.minute_limit = 10**6  # limits off on our side too
        connector.tokens.access_token()  # the sign-in is not the pull
        started = time.perf_counter()
        count = sum(len(page) for page in connector.pull(None))
        seconds = time.perf_counter() - started
        calls = connector.client.calls
        connector.close()
    finally:
        stop(child)
    assert count == contacts, count
    return {"seconds": seconds, "calls": calls}


def xero_limited(contacts: int) -> dict[str, float]:
    child, account = start_sandbox("xero", contacts, speed=SPEED, limits=True)
    try:
        connector = xero_connector(account)
        connector.minute_seconds = XeroConnector.minute_seconds / SPEED
        connector.tokens.access_token()
        started = time.perf_counter()
        pages = 0
        count = 0
        for page in connector.pull(None):
            pages += 1
            count += len(page)
        seconds = time.perf_counter() - started
        calls, waited = connector.client.calls, connector.client.waited_seconds
        connector.close()
    finally:
        stop(child)
    assert count == contacts, count
    return {"seconds": seconds, "pages": pages, "calls": calls, "waited": waited}


def main() -> int:
    """Run the three measurements and print them against the targets."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--serve", nargs=4, metavar=("KIND", "N", "SPEED", "LIMITS"))
    args = parser.parse_args()
    if args.serve:
        kind, n, speed, limits = args.serve
        serve(kind, int(n), float(speed), limits == "1")
        return 0
    n = args.contacts
    ok = True
    one = legacy(n)
    ratio = one["seconds"] / one["xmltodict_seconds"]
    print(f"xero-legacy first pull of {n}: {one['seconds']:.2f} s (target ≤ 2.5 s)")
    print(f"  xmltodict.parse of the same answer: {one['xmltodict_seconds']:.2f} s "
          f"(pull/parse = {ratio:.2f}, target ≤ 2)")  # fmt: skip
    print(f"  peak traced memory {one['peak_mb']:.1f} MB, RSS growth {one['rss_growth_mb']:.1f} MB "
          "(target ≤ 60 MB)")  # fmt: skip
    ok &= one["seconds"] <= 2.5 and one["peak_mb"] <= 60 and ratio <= 2
    two = xero_unlimited(n)
    print(f"xero first pull of {n} ({two['calls']:.0f} pages), limits off: {two['seconds']:.2f} s "
          "(target ≤ 2 s)")  # fmt: skip
    ok &= two["seconds"] <= 2
    three = xero_limited(n)
    no_429 = three["calls"] == three["pages"]
    print(f"xero first pull of {n}, 60/min on (clock ×{SPEED:g}: a minute = {60 / SPEED:g} s): "
          f"{three['seconds']:.2f} s, {three['pages']:.0f} pages in {three['calls']:.0f} calls "
          f"({'no 429' if no_429 else 'RETRIED after 429'}), paced {three['waited']:.1f} s")  # fmt: skip
    ok &= no_429
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
