"""The command line refuses what rules.py refuses: exit 1, one line naming the field, nothing changed.

The same sentences the window shows beside the field (both ask addressbook.rules).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from addressbook import accounts
from addressbook.cli import main
from addressbook.connectors import describe
from addressbook.connectors.base import AccountConfig
from addressbook.model import Contact, Email, Patch
from addressbook.rules import check_new, check_patch
from addressbook.store import Store


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def books(keyring_file: Path) -> int:
    """A Xero account with one redacted (GDPRREQUEST) contact in the cache."""
    accounts.add_account(
        AccountConfig("books", "xero", "https://api.xero.com/api.xro/2.0", {"client_id": "app"}), {}
    )
    redacted = Contact(display_name="Redacted person", status="read-only")
    with Store.default() as store:
        return store.apply_remote("books", "c-1", redacted, {"ContactStatus": "GDPRREQUEST"}, None)


def snapshot(contact_id: int) -> tuple[object, ...]:
    with Store.default() as store:
        record = store.get(contact_id)
        assert record is not None
        return (record.state, record.contact, store.pending_count())


def test_a_read_only_contact_cannot_be_edited_or_deleted(
    books: int, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(books)
    for argv in (["edit", str(books), "--field", "title=x"], ["delete", str(books)]):
        code, out, err = run(argv, capsys)
        assert code == 1 and out == ""
        assert err.startswith("addressbook: This contact is read-only in Xero")
        assert len(err.strip().splitlines()) == 1
        assert snapshot(books) == before  # nothing waits in the outbox


def test_an_invalid_email_is_refused_on_new_and_edit(
    keyring_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["new", "--field", "given_name=Zoe", "--field", "email=not-an-email"], capsys
    )
    assert code == 1 and out == "" and "'not-an-email' is not an email address" in err
    with Store.default() as store:
        assert store.count() == 0
    code, out, _ = run(
        ["new", "--field", "given_name=Zoe", "--field", "email=zoe@example.com"], capsys
    )
    zoe = int(out)
    before = snapshot(zoe)
    code, out, err = run(["edit", str(zoe), "--field", "email=zoe(at)example.com"], capsys)
    assert code == 1 and "'zoe(at)example.com'" in err and snapshot(zoe) == before


def test_a_new_acuinvoice_contact_without_email_is_refused_before_it_waits(
    keyring_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts.add_account(
        AccountConfig("invoices", "acuinvoice", "https://a.acuinvoice.com"), {"api_key": "k"}
    )
    code, out, err = run(
        [
            "new",
            "--account",
            "invoices",
            "--field",
            "given_name=Ana",
            "--field",
            "family_name=Ruiz",
        ],
        capsys,
    )
    assert code == 1 and out == ""
    expected = check_new(Contact(given_name="Ana", family_name="Ruiz"), describe("acuinvoice"))
    assert err.strip() == "addressbook: " + " ".join(p.sentence for p in expected)
    with Store.default() as store:
        assert store.count() == 0 and store.pending_count() == 0


def test_the_command_line_says_the_sentence_rules_py_gives(
    keyring_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["new", "--field", "given_name=Zoe", "--field", "email=zoe@example.com"], capsys
    )
    zoe = int(out)
    code, _, err = run(["edit", str(zoe), "--field", "birthday=31.02.1990"], capsys)
    with Store.default() as store:
        record = store.get(zoe)
        assert record is not None
        seen = record.contact
    expected = check_patch(seen, Patch.setting(seen, birthday="31.02.1990"), None)
    assert code == 1 and err.strip() == "addressbook: " + expected[0].sentence


def test_fields_edit_does_not_name_survive(
    keyring_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A patch touches only the named fields: the nickname, categories and card extras stay."""
    with Store.default() as store:
        zoe = store.create(
            Contact(
                given_name="Zoe",
                emails=[Email("zoe@example.com")],
                nickname="Zo",
                categories=["Friends"],
                extra=[{"name": "X-CUSTOM", "params": {}, "value": "kept"}],
            )
        )
    code, _, err = run(["edit", str(zoe), "--field", "title=Editor"], capsys)
    assert code == 0, err
    with Store.default() as store:
        record = store.get(zoe)
        assert record is not None
        assert record.contact.title == "Editor" and record.contact.nickname == "Zo"
        assert list(record.contact.categories) == ["Friends"]
        assert list(record.contact.extra) == [{"name": "X-CUSTOM", "params": {}, "value": "kept"}]
