"""The window in German: every kind a person reads (in the detail pane of a contact and of
a person, and in the editor's choices) comes through the translated tables of addressbook/kinds.py,
never as the stored key ('street', 'work', 'mobile'…) inside a German label."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette

from addressbook.i18n import _
from addressbook.kinds import KIND_WORDS
from addressbook.model import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    URL_KINDS,
    Address,
    Contact,
    Email,
    Phone,
    Url,
)
from addressbook.store import Record, Store
from addressbook.ui.app import window_settings
from addressbook.ui.detail import contact_html, person_html
from addressbook.ui.main_window import MainWindow

# The stored keys of every kind, as whole words (German has 'Fax' with a capital).
ENGLISH = re.compile(
    r"\b(work|home|other|mobile|fax|ddi|default|street|postal|direct|main|web|email|phone)\b"
)
LABEL = re.compile(r'<td style="color:[^"]*"[^>]*>(.*?)</td>')


def every_kind(name: str = "Ada Lovelace") -> Contact:
    return Contact(
        display_name=name,
        emails=[Email(f"{kind}@example.com", kind) for kind in EMAIL_KINDS],
        phones=[Phone(f"+49 30 1234 56{n}", kind) for n, kind in enumerate(PHONE_KINDS)],
        addresses=[
            Address(kind, [f"{kind} 1"], "Berlin", "", "10115", "DE") for kind in ADDRESS_KINDS
        ],
        urls=[Url(f"https://example.com/{kind}", kind) for kind in URL_KINDS],
        nickname="Ada",
        birthday="--12-10",
        categories=["Kunden"],
    )


def labels(html: str) -> list[str]:
    return LABEL.findall(html)


def test_the_detail_pane_says_every_kind_in_german(german: None) -> None:
    record = Record(1, None, None, "local", every_kind())
    found = labels(contact_html(record, "Auf diesem Computer", QPalette()))
    kinds = len(EMAIL_KINDS) + len(PHONE_KINDS) + len(ADDRESS_KINDS) + len(URL_KINDS)
    assert len(found) >= kinds + 3
    english = [label for label in found if ENGLISH.search(label)]
    assert not english, english
    for expected in ("E-Mail (geschäftlich)", "Mobiltelefon", "Durchwahl", "Hausanschrift"):
        assert expected in found
    assert "Postanschrift" in found and "Web (privat)" in found
    html = contact_html(record, "", QPalette())
    assert "10. Dezember" in html  # a birthday without a year, in the user's words
    assert "Kunden" in html and "https://example.com/work" in html


def test_a_persons_detail_says_every_kind_in_german(german: None) -> None:
    records = [
        Record(1, "a", "1", "synced", every_kind(), person=7),
        Record(2, "b", "2", "synced", every_kind("Ada King"), person=7),
    ]
    html = person_html(records, lambda a: a or "", lambda a: "", QPalette())
    found = labels(html)
    english = [label for label in found if ENGLISH.search(label)]
    assert not english, english
    assert "Telefon (geschäftlich)" in found and "Hausanschrift" in found
    assert "Kategorien" in found and "10. Dezember" in html


def test_the_detail_pane_in_english_names_each_kind(addressbook_home: Path) -> None:
    record = Record(1, None, None, "local", every_kind())
    found = labels(contact_html(record, "This computer", QPalette()))
    for expected in ("email (work)", "mobile phone", "street address", "postal address"):
        assert expected in found


def test_the_editor_offers_every_kind_in_german(
    qtbot, german: None, addressbook_home: Path
) -> None:  # type: ignore[no-untyped-def]
    with Store.default() as store:
        contact_id = store.create(every_kind())
        window = MainWindow(store, window_settings())
        qtbot.addWidget(window)
        window.show()
        window.select_contact(contact_id)
        window.action_edit.trigger()
        editor = window.editor
        lists = (editor.emails, editor.phones, editor.addresses, editor.urls)
        combos = [row.kind for entries in lists for row in entries.rows()]  # type: ignore[attr-defined]
        assert len(combos) == len(EMAIL_KINDS) + len(PHONE_KINDS) + len(ADDRESS_KINDS) + len(
            URL_KINDS
        )
        for combo in combos:
            items = [combo.itemText(i) for i in range(combo.count())]
            assert items == [_(KIND_WORDS[str(combo.itemData(i))]) for i in range(combo.count())]
            english = [item for item in items if ENGLISH.search(item)]
            assert not english, english
        assert "geschäftlich" in [c.currentText() for c in combos]
        window.editor.cancelled.emit()
        window.close()


ENGLISH_WORDS = re.compile(
    r"\b(the|answered|page|contact list|reading|for account|refused|try again)\b"
)


def test_a_services_refusal_reads_as_one_german_sentence(german: None) -> None:
    """The sentence a person reads when a service answers oddly is one translated msgid;
    what was being asked ('Kontaktliste', 'Seite 1 der Kontakte') comes translated too."""
    from addressbook.connectors.base import AccountConfig
    from addressbook.connectors.harvest import HarvestConnector
    from addressbook.errors import AccountError, BadAnswer
    from tests.fakes import CannedServer, DictSecrets, FakeClock

    server = CannedServer().start()
    try:
        config = AccountConfig("work", "harvest", server.url, {"give_up_seconds": "1"})
        connector = HarvestConnector(config, DictSecrets({"email": "a@b.c", "password": "pw"}))
        connector.clock = FakeClock()
        server.answer("GET", "/contacts", 302, headers={"Location": server.url + "/elsewhere"})
        with pytest.raises(AccountError) as redirected:
            list(connector.pull(None))
        sentence = str(redirected.value)
        assert sentence.startswith("Das Harvest-Konto work hat mit einer Umleitung (HTTP 302,")
        assert "Kontaktliste" in sentence and not ENGLISH_WORDS.search(sentence), sentence
        server.answer("GET", "/contacts/9", 418, "", content_type="text/plain")
        with pytest.raises(BadAnswer) as odd:
            connector.get("9")
        sentence = str(odd.value)
        assert "Kontakt 9" in sentence and "erwartet war 200" in sentence
        assert not ENGLISH_WORDS.search(sentence), sentence
        connector.close()
    finally:
        server.stop()


def test_the_push_preview_and_conflict_values_say_kinds_in_german(german: None) -> None:
    """ui/values.py (the push preview's and the conflict dialog's cells): kinds translated."""
    from addressbook.ui.values import value_text

    phones = value_text(
        "phones", [{"number": "0170 1103671", "kind": "mobile"}, {"number": "1", "kind": "work"}]
    )
    assert phones == "0170 1103671 (mobil)\n1 (geschäftlich)"
    emails = value_text("emails", [{"address": "a@b.de", "kind": "home"}])
    assert emails == "a@b.de (privat)"
    addresses = value_text("addresses", [{"kind": "postal", "lines": ["PO Box 1"], "city": "Ulm"}])
    assert "(Postanschrift)" in addresses and not ENGLISH.search(addresses)
    urls = value_text("urls", [{"url": "https://x.de", "kind": "other"}])
    assert urls == "https://x.de (sonstige)"
