"""The contact commands as a user or a script runs them: `addressbook` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from addressbook.model import Contact
from addressbook.store import Store

CONTACT_KEYS = {
    "person",
    "nickname",
    "birthday",
    "urls",
    "categories",
    "id",
    "account",
    "remote_id",
    "state",
    "display_name",
    "given_name",
    "family_name",
    "organization",
    "title",
    "notes",
    "status",
    "emails",
    "phones",
    "addresses",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line with the test's ADDRESSBOOK_HOME (inherited from os.environ)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "addressbook", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def ok(*args: str) -> str:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def failed(status: int, *args: str) -> str:
    """Run a command that must fail with status; return its single stderr line."""
    result = run(*args)
    assert result.returncode == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    return lines[0]


def test_new_show_edit_delete_round_trip() -> None:
    out = ok(
        "new",
        "--field", "given_name=Zoë",
        "--field", "family_name=Müller",
        "--field", "email=zoe@example.com",
        "--field", "phone.mobile=+64 21 123 4567",
    )  # fmt: skip
    contact_id = int(out)
    assert out == f"{contact_id}\n"
    shown = json.loads(ok("show", str(contact_id), "--json"))
    assert set(shown) == CONTACT_KEYS
    assert shown["id"] == contact_id and shown["state"] == "local" and shown["account"] is None
    assert shown["display_name"] == "Zoë Müller"
    assert shown["emails"] == [{"kind": "work", "address": "zoe@example.com"}]
    assert shown["phones"] == [{"kind": "mobile", "number": "+64 21 123 4567"}]
    assert ok("edit", str(contact_id), "--field", "title=Chef", "--field", "email=") == ""
    shown = json.loads(ok("show", str(contact_id), "--json"))
    assert shown["title"] == "Chef" and shown["emails"] == []
    text = ok("show", str(contact_id))
    assert text.splitlines()[0] == "Zoë Müller" and "Chef" in text and "+64 21 123 4567" in text
    # each kind in the user's words (the detail pane's labels), values in one column
    assert "  mobile phone  +64 21 123 4567" in text.splitlines()
    assert "  job title     Chef" in text.splitlines()
    assert "  account       this computer" in text.splitlines()
    ok("delete", str(contact_id))
    assert failed(1, "show", str(contact_id)) == f"addressbook: no contact with id {contact_id}"


def test_list_and_search_json_and_plain() -> None:
    for name in ("Bob Brown", "ana álvarez", "Te Whare"):
        ok("new", "--field", f"display_name={name}", "--field", "phone.work=(09) 555 0101")
    listed = json.loads(ok("list", "--json"))
    assert [c["display_name"] for c in listed] == ["ana álvarez", "Bob Brown", "Te Whare"]
    assert all(set(c) == CONTACT_KEYS for c in listed)
    found = json.loads(ok("search", "alva", "--json"))
    assert [c["display_name"] for c in found] == ["ana álvarez"]
    assert len(json.loads(ok("search", "09555", "--json"))) == 3
    assert json.loads(ok("search", "nobody", "--json")) == []
    plain = ok("list").splitlines()
    assert len(plain) == 3 and "ana álvarez" in plain[0] and "this computer" in plain[0]
    assert plain[0].split()[0] == str(listed[0]["id"])
    assert ok("search", "bob").splitlines()[0].split()[:3] == [str(listed[1]["id"]), "Bob", "Brown"]
    assert json.loads(ok("list", "--account", "local", "--json")) == listed


def test_plain_list_and_show_name_state_and_status_in_words() -> None:
    with Store.default() as store:
        store.create(Contact(display_name="Old Shop", status="archived"))
        linked = store.apply_remote("xero-demo", "r-9", Contact(display_name="Linked"), {}, None)
    ok("edit", str(linked), "--field", "title=Owner")
    rows = ok("list").splitlines()
    assert [row.split()[1] for row in rows] == ["Linked", "Old"]  # by name
    assert rows[0].endswith("xero-demo         modified")
    assert rows[1].endswith("this computer     (archived)")
    shown = ok("show", str(linked)).splitlines()
    assert "  state         modified" in shown and "  job title     Owner" in shown
    assert "  account       xero-demo (remote id r-9)" in shown


def test_delete_of_a_linked_contact_waits_in_the_outbox() -> None:
    with Store.default() as store:
        contact_id = store.apply_remote(
            "xero-demo", "r-1", Contact(display_name="Linked"), {}, None
        )
    out = ok("delete", str(contact_id))
    assert "push" in out
    assert json.loads(ok("list", "--json")) == []
    with Store.default() as store:
        record = store.get(contact_id)
        assert record is not None and record.state == "deleted"
        assert [(e.contact_id, e.op) for e in store.pending()] == [(contact_id, "delete")]
    assert failed(1, "edit", str(contact_id), "--field", "title=x").endswith(
        f"no contact with id {contact_id}"
    )


def test_new_for_an_account(addressbook_home: Path) -> None:
    config = addressbook_home / "config"
    config.mkdir(exist_ok=True)
    account = {"name": "xero-demo", "service": "xero", "url": "http://127.0.0.1:9", "settings": {}}
    (config / "accounts.json").write_text(json.dumps({"version": 1, "accounts": [account]}))
    contact_id = int(ok("new", "--account", "xero-demo", "--field", "display_name=Pending"))
    shown = json.loads(ok("show", str(contact_id), "--json"))
    assert shown["state"] == "new" and shown["account"] == "xero-demo"
    assert shown["remote_id"] is None
    assert "no account named nope" in failed(
        1, "new", "--account", "nope", "--field", "email=a@b.c"
    )


def test_exit_statuses_and_one_line_errors() -> None:
    assert failed(1, "show", "42") == "addressbook: no contact with id 42"
    assert failed(1, "delete", "42") == "addressbook: no contact with id 42"
    assert failed(1, "edit", "42", "--field", "title=x") == "addressbook: no contact with id 42"
    assert "unknown field 'nick'" in failed(2, "new", "--field", "nick=Zed")
    assert "--field" in failed(2, "new")
    assert "name" in failed(1, "new", "--field", "title=Only a title")
    assert failed(2, "show", "not-a-number").startswith("addressbook show:")
    contact_id = ok("new", "--field", "display_name=X").strip()
    assert "unknown field" in failed(2, "edit", contact_id, "--field", "colour=red")
    assert "--field" in failed(2, "edit", contact_id)


def test_export_and_import(tmp_path: Path) -> None:
    ok("new", "--field", "display_name=山田太郎", "--field", "email=taro@example.jp")
    ok("new", "--field", "display_name=Pizza 🍕", "--field", "notes=line one\nline two")
    out = tmp_path / "all.vcf"
    ok("export", "--format", "vcard", "-o", str(out))
    assert out.read_text("utf-8").count("BEGIN:VCARD") == 2
    csv_text = ok("export", "--format", "csv")
    assert "山田太郎" in csv_text
    # Importing them again makes no copies (interchange/importer.py).
    assert ok("import", str(out)) == "0 new, 0 updated, 2 unchanged, 0 skipped\n"
    names = [c["display_name"] for c in json.loads(ok("search", "山田", "--json"))]
    assert names == ["山田太郎"]
    notes = {c["notes"] for c in json.loads(ok("search", "pizza", "--json"))}
    assert notes == {"line one\nline two"}
    assert "no such file" in failed(1, "import", str(tmp_path / "missing.vcf"))


def test_import_a_broken_file(tmp_path: Path) -> None:
    good = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nN:One;Good;;;\r\nEND:VCARD\r\n"
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nEND:VCARD\r\n"
    path = tmp_path / "mixed.vcf"
    path.write_text(good + broken + good, "utf-8")
    failed(1, "import", str(path))
    assert json.loads(ok("list", "--json")) == []  # nothing imported
    result = run("import", str(path), "--skip-invalid")
    assert result.returncode == 0, result.stderr
    # The second copy of the good card in the same file is the same contact: one is made.
    assert result.stdout == "1 new, 0 updated, 1 unchanged, 1 skipped\n"
    assert result.stderr.startswith(f"{path}: card 2 (line 6): nothing in it can be read")
    assert len(json.loads(ok("list", "--json"))) == 1


def test_search_does_not_import_qt_or_httpx() -> None:
    code = (
        "import sys\n"
        "from addressbook.cli import main\n"
        "status = main(['search', 'x'])\n"
        "bad = [m for m in ('PySide6', 'httpx', 'vobject', 'keyring') if m in sys.modules]\n"
        "print('loaded:', bad, status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().endswith("loaded: [] 0"), result.stderr


def test_qt_options_go_to_the_window_and_nowhere_else() -> None:
    from addressbook.cli import split_qt_options

    assert split_qt_options(["-style", "fusion", "-reverse", "demo", "--contacts", "5"]) == (
        ["demo", "--contacts", "5"],
        ["-style", "fusion", "-reverse"],
    )
    assert split_qt_options(["--style=Fusion", "-platform", "offscreen"]) == (
        [],
        ["-style=Fusion", "-platform", "offscreen"],
    )
    assert split_qt_options(["search", "-reverse"]) == (["search", "-reverse"], [])
