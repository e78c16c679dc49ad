"""Two processes on one home: `addressbook sync` landing while `addressbook edit` saves.

The service's newer values are never overwritten and the user's edit is never lost,
whatever the interleaving (each edit is a patch applied in one transaction).
"""

from __future__ import annotations

import os
import subprocess
import sys

from addressbook.connectors.base import AccountConfig
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import pull, push
from tests.sync.conftest import connect, remote_edit, remote_value
from tests.sync.test_engine import first_pull, remote_id


def cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.Popen(
        [sys.executable, "-m", "addressbook", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_sync_racing_edits_loses_nothing(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)[:8]
    rids = {cid: remote_id(store, cid) for cid in ids}
    for n, cid in enumerate(ids):
        remote_edit(server, rids[cid], "email", f"newer{n}@example.com")
    syncs = [cli("sync", account.name, "--full") for _ in range(2)]
    edits = [
        cli("edit", str(cid), "--field", f"phone.mobile=+64 21 555 01{n:02d}")
        for n, cid in enumerate(ids)
    ]
    for process in syncs + edits:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    with connect(account) as connector:
        pull(store, connector, full=True)
        result = push(store, connector)
    assert not result.conflicts, result.summary()
    for n, cid in enumerate(ids):
        assert remote_value(server, rids[cid], "email") == f"newer{n}@example.com"
        assert remote_value(server, rids[cid], "phone.mobile") == f"+64 21 555 01{n:02d}"
    with Store.default() as fresh:
        assert fresh.pending_count(account.name) == 0
