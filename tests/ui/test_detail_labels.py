"""Another program's own labels of a card's entries (Apple's X-ABLabel) are shown where the
kind is: in the user's words for Apple's own labels, as typed for a custom one; in the
detail pane and in `addressbook show`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette

from addressbook.interchange.importer import import_file
from addressbook.kinds import apple_label
from addressbook.store import Store
from addressbook.ui.detail import contact_html

CORPUS = Path(__file__).resolve().parent.parent / "interchange" / "corpus"
IPHONE = CORPUS / "ez-vcard" / "John_Doe_IPHONE.vcf"  # item2.TEL + _$!<AssistantPhone>!$_


def test_apples_own_labels_in_the_users_words() -> None:
    assert apple_label("AssistantPhone") == "assistant"
    assert apple_label("HomePage") == "home page"
    assert apple_label("DomesticPartner") == "domestic partner"  # none of the table's
    assert apple_label("iPhone") == "iPhone"


def _imported(store: Store) -> int:
    summary = import_file(store, IPHONE)
    (contact_id,) = summary.created_ids
    return contact_id


def test_the_detail_pane_shows_the_labels(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    record = store.get(_imported(store))
    assert record is not None
    html = contact_html(record, "On this computer", QPalette())
    assert ">assistant</td>" in html and "905-222-1234" in html
    assert ">home page</td>" in html and "www.ibm.com" in html


def test_the_detail_pane_shows_them_in_german(qtbot, store: Store, german: None) -> None:  # type: ignore[no-untyped-def]
    record = store.get(_imported(store))
    assert record is not None
    html = contact_html(record, "Auf diesem Computer", QPalette())
    assert ">Assistenz</td>" in html and ">Homepage</td>" in html


def test_show_prints_the_labels(store: Store, addressbook_home: Path) -> None:
    contact_id = _imported(store)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LANGUAGE": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "addressbook", "show", str(contact_id)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "905-222-1234" in line)
    assert "assistant" in line


@pytest.mark.parametrize("name", ["Monkey Tree"])
def test_a_label_the_user_typed_is_shown_as_typed(
    qtbot, store: Store, tmp_path: Path, name: str
) -> None:  # type: ignore[no-untyped-def]
    card = tmp_path / "custom.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nitem1.TEL:+64 21 555\r\n"
        f"item1.X-ABLabel:{name}\r\nEND:VCARD\r\n",
        "utf-8",
    )
    (contact_id,) = import_file(store, card).created_ids
    record = store.get(contact_id)
    assert record is not None
    assert f">{name}</td>" in contact_html(record, "On this computer", QPalette())


def test_showing_a_contact_without_labels_does_not_load_the_vcard_module() -> None:
    """The window shows its first contact as it starts: the vCard module (and vobject)
    is imported only for a contact that holds another program's labels."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from PySide6.QtGui import QPalette\n"
        "from addressbook.model import Contact, Phone\n"
        "from addressbook.store import Record\n"
        "from addressbook.ui.detail import contact_html\n"
        "record = Record(id=1, account=None, remote_id=None, state='local',"
        " contact=Contact(display_name='Ana', phones=[Phone('+64 21 555')]),"
        " message=None, updated_at='2026-01-01T00:00:00Z', person=None)\n"
        "assert 'Ana' in contact_html(record, 'On this computer', QPalette())\n"
        "print('vcard' if 'addressbook.interchange.vcard' in sys.modules else 'none')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "none"
