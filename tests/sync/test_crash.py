"""Crash safety: `addressbook push` killed with SIGKILL at random moments, then run again.

The sandbox runs in this process; each push is a real subprocess reading its secrets
from the file keyring. However often it dies, the service ends with exactly one copy of
each new contact and every edit, and nothing stays pending.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from addressbook.cli import main
from addressbook.model import Contact, Email
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from tests.edits import rewrite
from tests.keyring_backend import subprocess_env
from tests.sync.conftest import add_sandbox_account

KILLS = 18
NEW = 20
EDITS = 20


def start_push() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "addressbook", "push"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=subprocess_env(),
    )


def prepare(harvest: SandboxServer) -> tuple[dict[str, str], dict[str, str], str]:
    """New contacts (email → family name), title edits (remote id → title), one delete."""
    assert main(["sync"]) == 0
    client = harvest.service.state()["clients"][0]["name"]
    with Store.default() as store:
        ids = store.search_ids(account="harvest")
        for n in range(NEW):
            store.create(
                Contact(given_name="Crash", family_name=f"Test {n}", organization=client,
                        emails=[Email(f"crash{n}@example.org")]),
                "harvest",
            )  # fmt: skip
        edits: dict[str, str] = {}
        for contact_id in ids[:EDITS]:
            record = store.get(contact_id)
            assert record is not None and record.remote_id
            contact = replace(record.contact, title=f"Survivor {contact_id}")
            rewrite(store, contact_id, contact)
            edits[record.remote_id] = contact.title
        doomed = store.get(ids[EDITS])
        assert doomed is not None and doomed.remote_id
        store.delete(doomed.id)
    news = {f"crash{n}@example.org": f"Test {n}" for n in range(NEW)}
    return news, edits, doomed.remote_id


@pytest.mark.slow
def test_push_killed_at_random_moments_makes_no_duplicate_and_loses_no_edit(
    harvest: SandboxServer, keyring_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from addressbook.sandbox.harvest import HarvestService

    harvest.service = HarvestService(contacts=40, seed=4)
    harvest.service.limits_enabled = False
    add_sandbox_account(harvest)
    news, edits, doomed = prepare(harvest)
    # Each answer waits a little, so a kill often lands while requests are in flight.
    harvest.service.add_fault("hang", count=100_000, seconds=0.05)
    rng = random.Random(4)
    finished_early = busy = 0
    for _ in range(KILLS):
        seen = harvest.service.requests_seen
        process = start_push()
        # Wait for its first request (start-up time varies with the machine's load),
        # then kill it at a random moment of the push.
        deadline = time.monotonic() + 20
        while harvest.service.requests_seen == seen and process.poll() is None:
            assert time.monotonic() < deadline, "push sent nothing in 20 s"
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        else:
            finished_early += 1
        process.wait(timeout=30)
        busy += harvest.service.requests_seen > seen
    harvest.service.clear_faults()
    for _ in range(5):
        result = subprocess.run(
            [sys.executable, "-m", "addressbook", "push"],
            capture_output=True, text=True, env=subprocess_env(), timeout=120,
        )  # fmt: skip
        if result.returncode == 0:
            break
    assert result.returncode == 0, result.stderr
    with Store.default() as store:
        assert store.pending_count("harvest") == 0
    contacts = harvest.service.state()["contacts"]
    emails = [c.get("email") for c in contacts]
    for email in news:
        assert emails.count(email) == 1, (email, emails.count(email))
    by_id = {str(c["id"]): c for c in contacts}
    for remote_id, title in edits.items():
        assert by_id[remote_id]["title"] == title
    assert doomed not in by_id
    print(f"kills: {KILLS}, finished before the kill: {finished_early}, sent requests: {busy}")
    assert busy > KILLS // 2 and finished_early < KILLS // 2  # the kills landed mid-push
