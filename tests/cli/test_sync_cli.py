"""`addressbook sync|push|conflicts|resolve` and `new --account` against the sandboxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from addressbook import accounts
from addressbook.cli import main
from addressbook.model import Contact, Email
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from tests.sync.conftest import add_sandbox_account, remote_contacts, remote_edit, remote_value


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def harvest_account(harvest: SandboxServer, keyring_file: Path) -> SandboxServer:
    add_sandbox_account(harvest, give_up_seconds="3", read_timeout="2")
    return harvest


def ids_of(account: str) -> list[int]:
    with Store.default() as store:
        return store.search_ids(account=account)


def record(contact_id: int):  # noqa: ANN201 - a Record
    with Store.default() as store:
        return store.get(contact_id)


def test_sync_prints_what_changed_per_account(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["sync"], capsys)
    total = len(remote_contacts(harvest_account))
    assert (code, err) == (0, "")
    assert out.strip() == f"harvest: {total} new, 0 changed, 0 deleted, 0 conflicts"
    listed = json.loads(run(["accounts", "list", "--json"], capsys)[1])
    assert listed[0]["last_sync"] and listed[0]["pending"] == 0


def test_a_conflict_is_listed_not_a_failure(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["sync"], capsys)
    first = ids_of("harvest")[0]
    code, _, err = run(["edit", str(first), "--field", "title=Local title"], capsys)
    assert code == 0, err
    remote_edit(harvest_account, record(first).remote_id, "title", "Remote title")
    code, out, err = run(["sync", "harvest"], capsys)
    assert code == 0, err
    assert "1 conflict" in out and f"conflict: #{first}" in out and "title" in out
    code, out, _ = run(["conflicts", "--json"], capsys)
    assert json.loads(out) == [
        {
            "id": first,
            "account": "harvest",
            "fields": [
                {
                    "field": "title",
                    "base": _base_title(first),
                    "local": "Local title",
                    "remote": "Remote title",
                }
            ],
        }
    ]
    code, out, _ = run(["conflicts"], capsys)
    assert f"#{first}" in out and "Remote title" in out
    code, out, err = run(["resolve", str(first), "--keep", "remote"], capsys)
    assert code == 0 and "version on the service" in out
    assert record(first).contact.title == "Remote title"
    assert json.loads(run(["conflicts", "--json"], capsys)[1]) == []


def _base_title(contact_id: int) -> str:
    with Store.default() as store:
        link = store.link(contact_id)
        assert link is not None and link.base is not None
        return link.base.title


def test_push_dry_run_prints_each_change_and_sends_nothing(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["sync"], capsys)
    first, second = ids_of("harvest")[:2]
    old_email = record(first).contact.emails[0].address
    run(["edit", str(first), "--field", "email=jane@janedoe.com"], capsys)
    run(["delete", str(second)], capsys)
    client = harvest_account.service.state()["clients"][0]["name"]
    code, out, err = run(
        ["new", "--account", "harvest", "--field", "given_name=Jane", "--field",
         "family_name=Doe", "--field", f"organization={client}"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    seen = harvest_account.service.requests_seen
    code, out, err = run(["push", "--dry-run"], capsys)
    assert code == 0, err
    name, rid = record(first).contact.display_name, record(first).remote_id
    lines = out.splitlines()
    assert f"~ {name} (harvest #{rid}): email: {old_email} → jane@janedoe.com" in lines
    second_name = record(second).contact.display_name
    assert f"- delete {second_name} (harvest #{record(second).remote_id})" in lines
    assert any(
        line.startswith("+ new contact Jane Doe (harvest): ") and f"organization: {client}" in line
        for line in lines
    )
    assert harvest_account.service.requests_seen == seen  # nothing sent
    code, out, err = run(["push"], capsys)
    assert code == 0, err
    assert "1 created, 1 updated, 1 deleted" in out
    assert remote_value(harvest_account, rid, "email") == "jane@janedoe.com"
    code, out, _ = run(["push"], capsys)
    assert out.strip() == "harvest: nothing to push"


def test_push_names_each_refused_contact_pushes_the_rest_and_exits_1(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before the first sync the account's clients are not known here: the rules let the
    # contact wait, and the service's own check at push refuses it.
    code, out, err = run(
        ["new", "--account", "harvest", "--field", "given_name=Nobody", "--field",
         "family_name=Clientless"],
        capsys,
    )  # fmt: skip
    bad = int(out)
    run(["sync"], capsys)
    first = next(i for i in ids_of("harvest") if i != bad)
    run(["edit", str(first), "--field", "title=Pushed"], capsys)
    code, out, err = run(["push", "harvest"], capsys)
    assert code == 1
    assert "1 updated" in out and "1 refused" in out
    assert f"addressbook: harvest: Nobody Clientless (#{bad}) was refused: " in err
    assert len(err.strip().splitlines()) == 1
    assert remote_value(harvest_account, record(first).remote_id, "title") == "Pushed"
    assert record(bad).state == "new"  # kept, to be fixed and pushed again


def test_new_without_a_known_client_is_refused_listing_the_clients(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["sync"], capsys)
    before = ids_of("harvest")
    code, out, err = run(
        ["new", "--account", "harvest", "--field", "given_name=Nobody", "--field",
         "family_name=Inc", "--field", "organization=Nobody Inc"],
        capsys,
    )  # fmt: skip
    assert code == 1 and out == ""
    clients = [c["name"] for c in harvest_account.service.state()["clients"]]
    assert err.startswith(
        "addressbook: Harvest has no client named 'Nobody Inc'; its clients are: "
    )
    assert all(name in err for name in clients) and len(err.strip().splitlines()) == 1
    assert ids_of("harvest") == before  # nothing waits in the outbox
    code, out, err = run(
        ["new", "--account", "harvest", "--field", "given_name=Some", "--field",
         "family_name=Body", "--field", f"organization={clients[0].upper()}"],
        capsys,
    )  # fmt: skip
    assert code == 0, err  # matched case-insensitively


def test_new_with_an_unknown_account_is_refused(
    keyring_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["new", "--account", "nope", "--field", "given_name=A"], capsys)
    assert code == 1
    assert err.strip() == (
        "addressbook: no account named nope; `addressbook accounts list` shows them"
    )


def test_one_failing_account_does_not_stop_the_others(
    harvest_account: SandboxServer,
    acuinvoice: SandboxServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_sandbox_account(acuinvoice)
    harvest_account.service.add_fault("status", count=20, status=401)
    code, out, err = run(["sync"], capsys)
    assert code == 1
    assert out.startswith("acuinvoice: ") and " new," in out
    [line] = err.strip().splitlines()
    assert line.startswith("addressbook: harvest: ") and "nothing was changed" in line
    assert "again" in line  # 401: sign in / enter the password again
    assert ids_of("harvest") == []


def test_unknown_account_names_fail_before_anything_runs(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["sync", "harvest", "nope"], capsys)
    assert code == 1 and out == "" and "no account named nope" in err
    assert harvest_account.service.requests_seen == 0


def test_resolve_without_a_conflict_is_one_line(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["sync"], capsys)
    code, _, err = run(["resolve", str(ids_of("harvest")[0]), "--keep", "local"], capsys)
    assert code == 1 and "has no conflict" in err


def test_secrets_stay_out_of_settings_cache_and_log(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str], addressbook_home: Path
) -> None:
    run(["-v", "sync"], capsys)
    harvest_account.service.add_fault("status", count=20, status=401)
    run(["sync"], capsys)
    password = harvest_account.service.credentials()["password"]
    for file in addressbook_home.rglob("*"):
        if file.is_file():
            assert password.encode() not in file.read_bytes(), file
    assert accounts.require_account("harvest").settings.get("password") is None


def test_new_contact_on_an_account_is_pushed(
    harvest_account: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["sync"], capsys)
    before = len(remote_contacts(harvest_account))
    with Store.default() as store:
        client = harvest_account.service.state()["clients"][0]["name"]
        store.create(
            Contact(given_name="Ana", family_name="Lee", organization=client,
                    emails=[Email("ana@example.com")]),
            "harvest",
        )  # fmt: skip
    code, out, err = run(["push"], capsys)
    assert code == 0, err
    assert len(remote_contacts(harvest_account)) == before + 1
