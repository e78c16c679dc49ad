"""`addressbook accounts add|list|remove` on the command line (the contract's output)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from addressbook import paths
from addressbook.accounts import NO_KEYRING
from addressbook.cli import main
from addressbook.model import Contact
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from tests.keyring_backend import subprocess_env

SECRET = "s3cret-for-cli-tests"


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "", monkeypatch=None
) -> tuple[int, str, str]:
    assert monkeypatch is not None
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def cli(
    args: list[str], stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "addressbook", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=subprocess_env(env),
        timeout=60,
    )


@pytest.mark.keyring
def test_add_list_remove_in_a_subprocess(keyring_file: Path) -> None:
    added = cli(
        ["accounts", "add", "work", "--service", "harvest", "--url", "http://127.0.0.1:9"],
        stdin=f"email=me@example.com\npassword={SECRET}\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Added work" in added.stdout
    listed = cli(["accounts", "list", "--json"])
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "name": "work",
            "service": "harvest",
            "url": "http://127.0.0.1:9",
            "last_sync": None,
            "pending": 0,
        }
    ]
    assert keyring.get_password("addressbook", "work:password") == SECRET
    removed = cli(["accounts", "remove", "work"])
    assert removed.returncode == 0, removed.stderr
    assert keyring.get_password("addressbook", "work:password") is None
    assert json.loads(cli(["accounts", "list", "--json"]).stdout) == []
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir()):
        for file in folder.rglob("*"):
            if file.is_file():
                assert SECRET.encode() not in file.read_bytes(), file


def test_no_keyring_is_one_line_and_nothing_is_written(no_keyring: None) -> None:
    result = cli(
        ["accounts", "add", "work", "--service", "harvest", "--url", "https://a.harvestapp.com"],
        stdin=f"email=me@example.com\npassword={SECRET}\n",
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"addressbook: {NO_KEYRING}"
    assert not paths.accounts_path().exists()


@pytest.mark.keyring
def test_table_output_and_pending_count(
    keyring_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(
        ["accounts", "add", "work", "--service", "harvest", "--url", "http://localhost:9"],
        capsys,
        f"email=me@example.com\npassword={SECRET}\n",
        monkeypatch,
    )
    assert code == 0, err
    with Store.default() as store:
        store.create(Contact(given_name="Ana", family_name="Lee"), "work")
    code, out, _ = run(["accounts", "list"], capsys, monkeypatch=monkeypatch)
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["NAME", "SERVICE", "URL", "LAST", "SYNC", "PENDING"]
    assert row.split() == ["work", "harvest", "http://localhost:9", "never", "1"]


@pytest.mark.keyring
def test_remove_refuses_pending_edits_unless_told(
    keyring_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(
        ["accounts", "add", "work", "--service", "harvest", "--url", "http://127.0.0.1:9"],
        capsys,
        f"email=me@example.com\npassword={SECRET}\n",
        monkeypatch,
    )
    with Store.default() as store:
        contact_id = store.create(Contact(given_name="Ana", family_name="Lee"), "work")
        local_id = store.create(Contact(given_name="Kept", family_name="Here"))
    code, _, err = run(["accounts", "remove", "work"], capsys, monkeypatch=monkeypatch)
    assert code == 1
    assert "1 edit not pushed yet" in err and "--discard-pending" in err
    assert keyring.get_password("addressbook", "work:password") == SECRET
    code, _, err = run(
        ["accounts", "remove", "work", "--discard-pending"], capsys, monkeypatch=monkeypatch
    )
    assert code == 0, err
    with Store.default() as store:
        assert store.get(contact_id) is None
        assert store.get(local_id) is not None
    assert keyring.get_password("addressbook", "work:password") is None


@pytest.mark.parametrize(
    "argv, stdin, message",
    [
        (["--service", "harvest"], "", "needs --url"),
        (["--service", "harvest", "--url", "http://example.com"], "", "is not https"),
        (
            ["--service", "harvest", "--url", "https://a.harvestapp.com"],
            "email=a@b.c\n",
            "needs password",
        ),
        (["--service", "harvest", "--url", "https://a.harvestapp.com"], "pin=1\n", "expected keys"),
        (
            ["--service", "harvest", "--url", "https://a.harvestapp.com", "--set", "password=x"],
            "",
            "is a secret",
        ),
    ],
)
@pytest.mark.keyring
def test_add_refusals_are_one_line_and_write_nothing(
    keyring_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    code, _, err = run(["accounts", "add", "work", *argv], capsys, stdin, monkeypatch)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not paths.accounts_path().exists()
    assert keyring.get_password("addressbook", "work:email") is None


@pytest.mark.keyring
def test_login_asks_the_secrets_again_and_keeps_the_old_ones_if_refused(
    harvest: SandboxServer,
    keyring_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = harvest.service.credentials()
    run(
        ["accounts", "add", "work", "--service", "harvest", "--url", harvest.url],
        capsys,
        f"email={good['email']}\npassword=old-{SECRET}\n",
        monkeypatch,
    )
    code, _, err = run(
        ["accounts", "login", "work"],
        capsys,
        f"email={good['email']}\npassword=wrong-{SECRET}\n",
        monkeypatch,
    )
    assert code == 1 and "Harvest refused" in err
    assert keyring.get_password("addressbook", "work:password") == f"old-{SECRET}"
    code, out, err = run(
        ["accounts", "login", "work"],
        capsys,
        f"email={good['email']}\npassword={good['password']}\n",
        monkeypatch,
    )
    assert code == 0, err
    assert out.startswith("Signed in to work: ")
    assert keyring.get_password("addressbook", "work:password") == good["password"]
