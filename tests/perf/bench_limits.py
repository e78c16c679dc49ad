"""Issue 13's numbers: the services at their real limits, hostile answers on every path.

    python tests/perf/bench_limits.py [--contacts 10000] [--only xero|bombs|acuinvoice]

The sandboxes run with their limits ON, in this process; every measured client runs in
a child process of its own, so its time is a whole process's and its peak resident
memory (ru_maxrss) is its alone. Call counts come from the sandbox's request log.

Targets:
- Xero 2.0: first pull of 10,000 ≤ 12 calls and ≤ 15 s; push of 100 edits ≤ 6 calls
  and ≤ 10 s; 100 creates ≤ 3 calls; the whole sync stays ≤ 100 MB resident.
- AcuInvoice: `addressbook sync` of 10,000 (a full listing, its only way to see
  changes) ≤ 4 s as a whole process, first and repeated.
- Every service path: a gzip answer expanding to 1 GiB is refused within 2 s with a
  peak of ≤ 150 MB resident (Harvest, AcuInvoice and Xero 1.0 listings; Xero 2.0
  listing, token and connections answers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from addressbook.sandbox.core import SandboxServer  # noqa: E402

RSS_SYNC_MB = 100
RSS_BOMB_MB = 150


def rss_mb() -> float:
    """This process's peak resident memory, in MB (VmHWM: ru_maxrss would carry over the
    parent's size from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run this file as a child in `mode`; its last stdout line is a JSON result."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ADDRESSBOOK_HOME": tempfile.mkdtemp()}
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, json.dumps(payload)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the children ------------------------------------------------------------------------------
def xero_connector(payload: dict[str, Any]) -> Any:
    from addressbook.connectors.base import AccountConfig
    from addressbook.connectors.xero import XeroConnector
    from tests.fakes import DictSecrets

    settings = dict(payload["settings"])
    config = AccountConfig("books", "xero", payload["url"], settings)
    return XeroConnector(config, DictSecrets({"refresh_token": payload["refresh_token"]}))


def child_xero_sync(payload: dict[str, Any]) -> dict[str, Any]:
    """Pull everything, edit 100 and push, create 100 and push; time each step."""
    from dataclasses import replace

    import httpx

    from addressbook.model import Contact, Patch
    from addressbook.store import Store
    from addressbook.sync import pull, push

    admin = payload["admin"]

    def calls() -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = httpx.get(admin + "/_sandbox/requests").json()
        httpx.post(admin + "/_sandbox/clear-requests", json={})
        return log

    result: dict[str, Any] = {"rss_start": rss_mb()}
    connector = xero_connector(payload)
    with Store.default() as store:
        calls()
        started = time.perf_counter()
        pulled = pull(store, connector, full=True)
        result["pull_seconds"] = time.perf_counter() - started
        result["pull_calls"] = len(calls())
        result["pulled"] = pulled.new
        editable = []
        for contact_id in store.search_ids(account="books"):
            record = store.get(contact_id)
            if record and record.contact.status == "active" and not record.contact.organization:
                editable.append((contact_id, record.contact))
            if len(editable) == 100:
                break
        for n, (contact_id, contact) in enumerate(editable):
            renamed = replace(contact, family_name=f"Benchmarked{n}")
            store.apply_patch(contact_id, Patch.between(contact, renamed))
        calls()
        started = time.perf_counter()
        pushed = push(store, connector)
        result["push_seconds"] = time.perf_counter() - started
        result["push_calls"] = len(calls())
        result["updated"] = pushed.updated
        for n in range(100):
            name = f"Bench New{n}"
            store.create(
                Contact(given_name="Bench", family_name=f"New{n}", display_name=name), "books"
            )
        started = time.perf_counter()
        created = push(store, connector)
        result["create_seconds"] = time.perf_counter() - started
        result["create_calls"] = len(calls())
        result["created"] = created.created
    connector.close()
    result["rss_peak"] = rss_mb()
    return result


def child_bomb(payload: dict[str, Any]) -> dict[str, Any]:
    """Read one service path that answers a gzip bomb; time the refusal, keep the peak."""
    from addressbook.connectors import make_connector
    from addressbook.connectors.base import AccountConfig
    from addressbook.errors import AddressbookError
    from tests.fakes import DictSecrets

    result: dict[str, Any] = {"rss_start": rss_mb()}
    service = payload["service"]
    if service == "xero":
        connector = xero_connector(payload)
    else:
        config = AccountConfig("bomb", service, payload["url"], payload.get("settings", {}))
        connector = make_connector(config, DictSecrets(payload["secrets"]))
    started = time.perf_counter()
    try:
        if payload["path"] == "connections":
            connector.check()
        else:
            for _page in connector.pull(None):
                pass
        result["refused"] = None
    except AddressbookError as error:
        result["refused"] = str(error)
    result["seconds"] = time.perf_counter() - started
    result["rss_peak"] = rss_mb()
    connector.close()
    return result


# --- the parent ----------------------------------------------------------------------------------
def xero_payload(server: SandboxServer) -> dict[str, Any]:
    service: Any = server.service
    settings = dict(service.account_settings(server.url))
    url = settings.pop("url", server.url + "/api.xro/2.0")
    settings["tenant_id"] = service.tenants[0].tenant_id
    return {
        "url": url,
        "settings": settings,
        "refresh_token": service.issue_tokens()["refresh_token"],
        "admin": server.url,
    }


def bench_xero(contacts: int) -> bool:
    from addressbook.sandbox.xero import XeroService

    service = XeroService(contacts=contacts, seed=1)
    service.limits_enabled = True  # 60 calls a minute, 5 at once, 5,000 a day
    with SandboxServer(service) as server:
        got = child("xero-sync", xero_payload(server))
    ok = True
    checks = [
        ("first pull", got["pull_calls"] <= 12 and got["pull_seconds"] <= 15),
        ("push of 100 edits", got["push_calls"] <= 6 and got["push_seconds"] <= 10),
        ("100 creates", got["create_calls"] <= 3),
        ("memory", got["rss_peak"] <= RSS_SYNC_MB),
        ("results", got["pulled"] == contacts and got["updated"] == got["created"] == 100),
    ]
    print(
        f"Xero 2.0, limits on: first pull of {got['pulled']:,}: {got['pull_calls']} calls, "
        f"{got['pull_seconds']:.1f} s (target ≤ 12 calls, ≤ 15 s)"
    )
    print(
        f"  push of {got['updated']} edits: {got['push_calls']} calls, "
        f"{got['push_seconds']:.1f} s (target ≤ 6 calls, ≤ 10 s)"
    )
    print(
        f"  {got['created']} creates: {got['create_calls']} calls, "
        f"{got['create_seconds']:.1f} s (target ≤ 3 calls)"
    )
    print(
        f"  whole sync process: peak {got['rss_peak']:.0f} MB resident "
        f"(at start {got['rss_start']:.0f} MB; target ≤ {RSS_SYNC_MB} MB)"
    )
    for name, passed in checks:
        if not passed:
            print(f"  MISSED: {name}")
        ok &= passed
    return ok


def bench_bombs() -> bool:
    from addressbook.sandbox.acuinvoice import AcuInvoiceService
    from addressbook.sandbox.harvest import HarvestService
    from addressbook.sandbox.xero import XeroService
    from addressbook.sandbox.xero_legacy import XeroLegacyService

    cases: list[tuple[str, str, Any, str]] = [
        ("harvest", "listing", HarvestService(contacts=50, seed=2), "/contacts"),
        ("acuinvoice", "listing", AcuInvoiceService(contacts=50, seed=2), "/api/xml-in"),
        ("xero-legacy", "listing", XeroLegacyService(contacts=50, seed=2), "/contacts"),
        ("xero", "listing", XeroService(contacts=50, seed=2), "/Contacts"),
        ("xero", "token", XeroService(contacts=50, seed=2), "/connect/token"),
        ("xero", "connections", XeroService(contacts=50, seed=2), "/connections"),
    ]
    ok = True
    for name, path, service, suffix in cases:
        with SandboxServer(service) as server:
            if name == "xero":
                payload = xero_payload(server)
            else:
                account = dict(service.account_settings(server.url))
                url = account.pop("url", server.url)
                payload = {"url": url, "secrets": service.credentials(), "settings": account}
            payload.update(service=name, path=path)
            service.add_fault("gzip_bomb", count=1, when=lambda r, s=suffix: r.path.endswith(s))
            got = child("bomb", payload)
        passed = bool(got["refused"]) and got["seconds"] <= 2 and got["rss_peak"] <= RSS_BOMB_MB
        ok &= passed
        print(
            f"gzip bomb (1 MiB → 1 GiB), {name} {path}: refused in {got['seconds']:.2f} s, "
            f"peak {got['rss_peak']:.0f} MB resident (start {got['rss_start']:.0f} MB)"
            f"{'' if passed else '  MISSED'}"
        )
        print(f"    “{got['refused']}”")
    print(f"  (targets: refused within 2 s, peak ≤ {RSS_BOMB_MB} MB)")
    return ok


def bench_acuinvoice(contacts: int) -> bool:
    from addressbook.sandbox.acuinvoice import AcuInvoiceService

    service = AcuInvoiceService(contacts=contacts, seed=3)
    service.limits_enabled = True
    home = tempfile.mkdtemp(prefix="bench-acu-")
    env = {
        **os.environ,
        "ADDRESSBOOK_HOME": home,
        "PYTHONPATH": str(REPO),
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backend.FileKeyring",
        "ADDRESSBOOK_TEST_KEYRING": str(Path(home) / "keyring.json"),
    }
    ok = True
    with SandboxServer(service) as server:
        key = service.credentials()["api_key"]
        command = [sys.executable, "-m", "addressbook"]
        added = subprocess.run(
            [*command, "accounts", "add", "acu", "--service", "acuinvoice", "--url", server.url],
            input=f"api_key={key}\n",
            env=env,
            capture_output=True,
            text=True,
        )
        assert added.returncode == 0, added.stderr
        for label in ("first sync", "repeated sync (nothing changed)"):
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "sync", "acu"], env=env, capture_output=True, text=True
            )
            took = time.perf_counter() - started
            passed = done.returncode == 0 and took <= 4
            ok &= passed
            print(
                f"AcuInvoice `addressbook sync` of {contacts:,}, {label}: {took:.2f} s as a "
                f"whole process (target ≤ 4 s): {done.stdout.strip()}"
                f"{'' if passed else '  MISSED ' + done.stderr.strip()}"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--only", choices=("xero", "bombs", "acuinvoice"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, payload = args.child[0], json.loads(args.child[1])
        runner = {"xero-sync": child_xero_sync, "bomb": child_bomb}[mode]
        print(json.dumps(runner(payload)))
        return 0
    ok = True
    if args.only in (None, "xero"):
        ok &= bench_xero(args.contacts)
    if args.only in (None, "acuinvoice"):
        ok &= bench_acuinvoice(args.contacts)
    if args.only in (None, "bombs"):
        ok &= bench_bombs()
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
