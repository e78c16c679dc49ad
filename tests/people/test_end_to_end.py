"""The same person in Harvest and Xero 2.0: suggested → joined → one phone edit
everywhere → push → both services hold it → split. Real sandboxes over loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from addressbook import accounts
from addressbook.cli import main
from addressbook.connectors.base import AccountConfig
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from tests.fixtures.sandbox import sandbox_account

NEW_MOBILE = "+64 21 555 0199"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _accounts(harvest: SandboxServer, xero: SandboxServer) -> None:
    info = sandbox_account(harvest, "harvest")
    accounts.add_account(
        AccountConfig("harvest", "harvest", info["url"], dict(info["settings"])), info["secrets"]
    )
    service: Any = xero.service
    info = sandbox_account(xero, "xero")
    settings = {k: str(v) for k, v in info["settings"].items()}
    settings["tenant_id"] = service.tenants[0].tenant_id
    accounts.add_account(
        AccountConfig("xero", "xero", info["url"], settings),
        {"refresh_token": service.issue_tokens()["refresh_token"]},
    )


def _digits(value: Any) -> str:
    return "".join(ch for ch in json.dumps(value) if ch.isdigit())


def _holds(server: SandboxServer, number: str) -> int:
    """How many of the service's records hold the number (Xero splits it into parts)."""
    wanted = _digits(number)[-7:]
    count = 0
    for record in server.service.state()["contacts"]:
        phones = record.get("Phones") or []
        texts = [_digits(p) for p in phones] or [_digits(record)]
        count += any(wanted in text for text in texts)
    return count


def test_a_person_across_harvest_and_xero(
    harvest: SandboxServer,
    xero: SandboxServer,
    keyring_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _accounts(harvest, xero)
    code, _out, err = run(capsys, "sync")
    assert code == 0, err
    code, out, err = run(capsys, "people", "suggest", "--json")
    assert code == 0, err
    found = json.loads(out)
    with Store.default() as store:
        account_of = {r.id: r.account for r in store.records(store.search_ids())}
    across = [s for s in found if {account_of[i] for i in s["ids"]} == {"harvest", "xero"}]
    assert across, found  # the sample holds the same people in both services
    ids = across[0]["ids"]
    assert "same email" in across[0]["reasons"]

    code, out, err = run(capsys, "people", "join", *map(str, ids))
    assert code == 0, err
    person = int(out)
    with Store.default() as store:
        before = {r.id: r.contact for r in store.records(ids)}

    code, _out, err = run(
        capsys, "edit", str(ids[0]), "--everywhere", "--field", f"phone.mobile={NEW_MOBILE}"
    )
    assert code == 0, err
    code, _out, err = run(capsys, "push")
    assert code == 0, err
    assert _holds(harvest, NEW_MOBILE) == len([i for i in ids if account_of[i] == "harvest"]) > 0
    assert _holds(xero, NEW_MOBILE) == len([i for i in ids if account_of[i] == "xero"]) > 0

    code, _out, err = run(capsys, "people", "split", str(person))
    assert code == 0, err
    with Store.default() as store:
        for record in store.records(ids):
            assert record.person is None and record.state == "synced"
            assert NEW_MOBILE in [p.number for p in record.contact.phones]
            # Nothing else of the record moved: only its mobile number is new.
            others = [p for p in record.contact.phones if p.kind != "mobile"]
            assert others == [p for p in before[record.id].phones if p.kind != "mobile"]
            assert record.contact.emails == before[record.id].emails
    code, out, _err = run(capsys, "people", "--json")
    assert json.loads(out) == []
