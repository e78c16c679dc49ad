"""Failure behaviour (issue 4, item 5): each fault switch of the sandbox against `sync`.

Each test: a cache filled by a first sync and one pending local edit; the fault armed;
`addressbook sync --full` exits 1 with one line naming the account; the cache is exactly
as before (or, for a fault on a later page, holds only whole pages); the edit is still
pending; and with the fault gone the next run completes.
"""

from __future__ import annotations

import socket
import sqlite3
import time
from dataclasses import replace
from typing import Any

import pytest

from addressbook import accounts, paths
from addressbook.cli import main
from addressbook.connectors.base import AccountConfig
from addressbook.model import Contact
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import pull
from tests.edits import rewrite
from tests.sync.conftest import connect

TABLES = ("contacts", "links", "outbox", "conflicts")


def snapshot() -> dict[str, list[Any]]:
    """Every row of the cache's contact tables (the sync state aside)."""
    with sqlite3.connect(paths.database_path()) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}


def prepare(capsys: pytest.CaptureFixture[str]) -> tuple[int, Contact]:
    """A first sync and one pending edit; returns the edited contact's id and data."""
    assert main(["sync"]) == 0
    with Store.default() as store:
        contact_id = store.search_ids(account=None)[0]
        record = store.get(contact_id)
        assert record is not None
        contact = replace(record.contact, title="Edited offline")
        rewrite(store, contact_id, contact)
        edited = store.get(contact_id)
        assert edited is not None
    capsys.readouterr()
    return contact_id, edited.contact


def without_server_noise(err: str) -> str:
    """stderr without the sandbox server thread's socketserver reports (not the CLI's)."""
    kept, inside = [], False
    for line in err.splitlines():
        if line == "-" * 40:
            inside = not inside
            continue
        if not inside:
            kept.append(line)
    return "\n".join(kept)


def failed_sync(capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["sync", "--full"])
    out, err = capsys.readouterr()
    assert code == 1
    err = without_server_noise(err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert out == ""
    assert "Traceback" not in err
    return lines[0]


def still_pending(contact_id: int, contact: Contact) -> None:
    with Store.default() as store:
        record = store.get(contact_id)
        assert record is not None and record.state == "modified"
        assert record.contact == contact
        assert store.outbox_entry(contact_id) is not None


def recovers(server: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.service.clear_faults()
    assert main(["sync", "--full"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    name = server.service.name
    with Store.default() as store:
        assert store.sync_state(name).last_error is None
        assert store.count(name) == len(server.service.state()["contacts"])


@pytest.fixture
def sandbox(server: SandboxServer, account: AccountConfig) -> SandboxServer:
    return server


FAULTS = [
    ("status", {"status": 401}, ("accounts",)),
    ("status", {"status": 500}, ()),
    ("hang", {"seconds": 4.0}, ()),
    ("cut", {}, ()),
    ("truncate", {}, ()),
    ("malformed", {}, ()),
    ("entity_bomb", {}, ()),
    ("external_entity", {}, ()),
    ("huge", {}, ()),
]


@pytest.mark.parametrize("kind, options, words", FAULTS, ids=[f[0] + str(f[1]) for f in FAULTS])
def test_a_fault_fails_cleanly_and_the_next_run_recovers(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    options: dict[str, Any],
    words: tuple[str, ...],
) -> None:
    contact_id, contact = prepare(capsys)
    before = snapshot()
    sandbox.service.add_fault(kind, count=50, **options)
    line = failed_sync(capsys)
    name = sandbox.service.name
    assert line.startswith(f"addressbook: {name}: ") and line.endswith("nothing was changed.")
    for word in words:
        assert word in line
    if kind == "external_entity":
        assert "root:" not in line  # /etc/passwd was never read
    assert snapshot() == before
    still_pending(contact_id, contact)
    with Store.default() as store:
        state = store.sync_state(name)
        assert state.last_error and state.cursor is not None
    recovers(sandbox, capsys)
    still_pending(contact_id, contact)


def test_service_down_is_one_line(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    contact_id, contact = prepare(capsys)
    before = snapshot()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    account = accounts.require_account(sandbox.service.name)
    url = account.url
    account.url = f"http://127.0.0.1:{closed}"
    accounts.save_settings(account)
    line = failed_sync(capsys)
    assert f"127.0.0.1:{closed}" in line and "nothing was changed" in line
    assert snapshot() == before
    still_pending(contact_id, contact)
    account.url = url
    accounts.save_settings(account)
    recovers(sandbox, capsys)


def test_retry_after_is_waited_for_then_the_pull_continues(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare(capsys)
    status = 503 if sandbox.service.name == "harvest" else 429
    sandbox.service.add_fault("status", count=1, status=status, retry_after=1)
    started = time.monotonic()
    assert main(["sync", "--full"]) == 0, capsys.readouterr().err
    assert time.monotonic() - started >= 0.9


def test_a_limit_that_does_not_lift_gives_up_naming_it(
    harvest: SandboxServer, keyring_file: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.sync.conftest import add_sandbox_account

    add_sandbox_account(harvest, give_up_seconds="3")
    contact_id, contact = prepare(capsys)
    harvest.service.add_fault("status", count=100, status=503, retry_after=1)
    started = time.monotonic()
    line = failed_sync(capsys)
    assert time.monotonic() - started < 10  # the account's give_up_seconds is 3
    assert "100 calls per 15 seconds" in line
    still_pending(contact_id, contact)


def test_a_fault_on_a_later_page_keeps_only_whole_pages(
    acuinvoice: SandboxServer, keyring_file: Any
) -> None:
    from addressbook.sandbox.acuinvoice import AcuInvoiceService
    from addressbook.sync.pull import PullResult
    from tests.sync.conftest import add_sandbox_account

    acuinvoice.service = AcuInvoiceService(contacts=250, seed=2)
    account = add_sandbox_account(acuinvoice, give_up_seconds="2")
    pages: list[int] = []

    def arm_after_first_page(done: int, total: int | None, message: str) -> None:
        pages.append(done)
        if len(pages) == 1:
            acuinvoice.service.add_fault("malformed", count=50)

    with Store.default() as store, connect(account) as connector:
        so_far = PullResult(account.name)
        with pytest.raises(Exception, match="AcuInvoice"):
            pull(store, connector, progress=arm_after_first_page, result=so_far)
        assert so_far.pages == 1 and so_far.kept == so_far.new > 0
        kept = store.count(account.name)
        assert 0 < kept == pages[0] < 250
        assert store.sync_state(account.name).cursor is None
        assert store.sync_state(account.name).last_error
    acuinvoice.service.clear_faults()
    with Store.default() as store, connect(account) as connector:
        result = pull(store, connector)
        assert result.new == 250 - kept and store.count(account.name) == 250
