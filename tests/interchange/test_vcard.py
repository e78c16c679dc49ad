"""vCard 3.0/4.0 export and import: lossless round trip, valid 4.0, other programs' cards."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import vobject

from addressbook.errors import InterchangeError
from addressbook.interchange import export_contacts, read_file, read_text
from addressbook.model import Address, Contact, Email, Phone
from tests.interchange.samples import DATA, full_contact, plain_contacts


@pytest.mark.parametrize("fmt", ["vcard", "vcard3", "vcard4"])
def test_every_field_round_trips(fmt: str) -> None:
    contacts = [full_contact(), *plain_contacts()]
    text = export_contacts(contacts, fmt)
    result = read_text(text)
    assert result.contacts == contacts
    assert result.skipped == []
    assert result.format == "vcard"


def test_vcard4_output_is_valid_4_0() -> None:
    text = export_contacts([full_contact()], "vcard4")
    lines = text.split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert 'TEL;TYPE="work,voice":+64 9 555 0102' in unfolded
    assert 'TEL;TYPE="work,voice";VALUE=uri:tel:+64-9-555-0105' in unfolded
    assert "TEL;TYPE=cell;VALUE=uri:tel:+64-21-555-0101" in unfolded
    assert 'TEL;TYPE="work,fax":(09) 555 0103' in unfolded
    assert "X-ADDRESSBOOK-KIND=ddi:+64 9 555 0104 ext. 5" in unfolded
    assert "ADR;TYPE=postal:;;PO Box 5\\nShortland St;Auckland;Tāmaki;1140;NZ" in unfolded
    assert "EMAIL;TYPE=home:zoe.home@example.com" in unfolded
    assert "TYPE=internet" not in unfolded  # a 3.0 form
    assert "X-ADDRESSBOOK-STATUS:archived" in unfolded
    card = vobject.readOne(text)
    assert card.version.value == "4.0"
    assert card.fn.value == "Zoë Ngā-Müller 😀"
    tels = card.contents["tel"]
    assert tels[0].params["VALUE"] == ["uri"] and tels[0].value == "tel:+64-21-555-0101"
    assert tels[1].params["TYPE"] == ["work,voice"]
    assert card.n.value.family == "Ngā-Müller; Jr."
    assert card.org.value == ["Acme; Kōrero, Ltd \\ Co"]


def test_vcard3_output_uses_3_0_forms() -> None:
    text = export_contacts([full_contact()], "vcard3").replace("\r\n ", "")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert "TEL;TYPE=work,voice:+64 9 555 0102" in text
    assert "VALUE=uri" not in text
    assert "EMAIL;TYPE=internet,home:zoe.home@example.com" in text
    card = vobject.readOne(text)
    assert card.n.value.given == "Zoë, Ana"


def test_active_status_and_missing_parts_are_not_written() -> None:
    text = export_contacts([Contact(organization="Only Org Ltd")], "vcard4")
    assert "X-ADDRESSBOOK-STATUS" not in text
    assert "\r\nN:" not in text  # N is optional in 4.0
    assert "\r\nN:;;;;\r\n" in export_contacts([Contact(organization="Only Org Ltd")], "vcard3")


def test_apple_cards() -> None:
    johnny, company = read_file(DATA / "apple.vcf").contacts
    assert replace(johnny, extra=[]) == Contact(
        display_name="Johnny Appleseed",
        given_name="Johnny",
        family_name="Appleseed",
        organization="Apple Inc.",  # first ORG unit only
        title="Genius",
        emails=[Email("johnny@apple.example", "other"), Email("johnny.home@example.com", "home")],
        phones=[
            Phone("+1 (408) 555-0101", "mobile"),
            Phone("(408) 555-0102", "work"),
            Phone("+1 408 555 0100", "default"),
            Phone("(408) 555-0103", "fax"),
            Phone("555-0199", "ddi"),  # X-ABLabel:DDI
        ],
        addresses=[
            Address(
                "street",
                ["1 Infinite Loop", "Building 4"],
                "Cupertino",
                "CA",
                "95014",
                "United States",
            )
        ],
        notes="Met at WWDC, 2023.\nPrefers email.",
    )
    # What the model has no field for is kept as it came: the whole ORG (its department),
    # Apple's own properties (grouped ones keep their group) and the photo; then the
    # original lines of the entries that say more than the model holds (a group and its
    # label, 'pref', MAIN), emails first, then phones, then addresses.
    assert [(e["name"], e.get("group")) for e in johnny.extra] == [
        ("ORG", None),
        ("X-ABADR", "item3"),
        ("X-ABUID", None),
        ("PHOTO", None),
        ("EMAIL", "item1"),
        ("X-ABLABEL", "item1"),
        ("TEL", None),
        ("TEL", None),
        ("TEL", "item2"),
        ("X-ABLABEL", "item2"),
        ("ADR", "item3"),
    ]
    assert johnny.extra[6] == {
        "name": "TEL",
        "params": {"TYPE": ["CELL", "VOICE", "pref"]},
        "value": "+1 (408) 555-0101",
    }
    assert johnny.extra[0]["value"] == "Apple Inc.;Retail;"
    assert johnny.extra[3]["params"] == {"ENCODING": ["b"], "TYPE": ["JPEG"]}
    assert johnny.extra[3]["value"].startswith(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYE"
    )
    assert johnny.extra[3]["value"].endswith("AAAAAAAAn/")  # unfolded
    assert list(company.extra) == [
        {"name": "X-ABSHOWAS", "params": {}, "value": "COMPANY"},
        {"name": "TEL", "params": {}, "value": "09 555 1234", "group": "item1"},
        {"name": "X-ABLABEL", "params": {}, "value": "_$!<Main>!$_", "group": "item1"},
    ]
    assert company.display_name == "Kiwi Plumbing Ltd"
    assert list(company.phones) == [Phone("09 555 1234", "default")]  # _$!<Main>!$_


def test_google_card_keeps_unescaped_commas() -> None:
    (ana,) = read_file(DATA / "google.vcf").contacts
    assert ana.display_name == "Ana María García"
    assert ana.title == "Directora de ventas"
    assert ana.notes == "Cliente desde 2019, muy puntual."
    assert list(ana.addresses) == [
        Address("street", ["Calle Mayor 1, 3º"], "Madrid", "", "28013", "España")
    ]
    assert [e.kind for e in ana.emails] == ["work", "work"]
    assert list(ana.phones) == [
        Phone("+34 600 123 456", "mobile"),
        Phone("+34 91 123 45 67", "work"),
        Phone("+34 91 765 43 21", "other"),
    ]


def test_vcard_2_1_quoted_printable_from_phones() -> None:
    ivan, jorg = read_file(DATA / "phone21.vcf").contacts
    assert ivan.display_name == "Иван Петров"
    assert (ivan.given_name, ivan.family_name) == ("Иван", "Петров")
    assert ivan.organization == "ООО Ромашка"
    assert ivan.notes == "First line\nSecond line, long enough to need a soft line break"
    assert list(ivan.phones) == [
        Phone("+7 912 345-67-89", "mobile"),
        Phone("+7 495 123-45-67", "work"),
        Phone("+7 495 123-45-68", "fax"),
    ]
    assert list(ivan.emails) == [Email("ivan@firma.example", "work")]
    assert jorg.display_name == "Jörg Müller"  # no FN: built from N (ISO-8859-1 QP)
    assert list(jorg.addresses) == [
        Address("street", ["Königsallee 1"], "Düsseldorf", "", "40212", "Deutschland")
    ]


def test_thunderbird_vcard4_tel_uris() -> None:
    (yuki,) = read_file(DATA / "thunderbird.vcf").contacts
    assert yuki.display_name == "中村 裕貴"
    assert yuki.organization == "株式会社サンプル"
    assert list(yuki.emails) == [
        Email("yuki@kaisha.example", "work"),
        Email("yuki.personal@example.jp", "home"),
    ]
    assert list(yuki.phones) == [
        Phone("03-1234-5678", "work"),
        Phone("+81-90-1234-5678", "mobile"),
        Phone("+81-3-1234-5679 ext. 22", "fax"),
    ]
    assert yuki.notes == "会議で会った 🎉"


def test_kaddressbook_card_without_fn() -> None:
    (lena,) = read_file(DATA / "kaddressbook.vcf").contacts
    assert lena.display_name == "Dr. Lena Schäfer"
    assert list(lena.emails) == [Email("lena@beispiel.example", "work")]
    assert list(lena.phones) == [Phone("+49 30 1234567", "work"), Phone("+49 171 0000000", "other")]
    assert lena.addresses[0].kind == "postal"


def test_agent_card_inside_a_2_1_card_is_not_a_second_contact() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:2.1\nFN:Boss\nAGENT:\nBEGIN:VCARD\nVERSION:2.1\nFN:Assistant\n"
        "TEL:123\nEND:VCARD\nEMAIL:boss@example.com\nEND:VCARD\n"
    )
    (boss,) = read_text(text).contacts
    assert boss.display_name == "Boss"
    assert list(boss.phones) == []
    assert list(boss.emails) == [Email("boss@example.com", "work")]


BROKEN = {
    "nothing readable": (
        "BEGIN:VCARD\nVERSION:4.0\nFN:Good\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nREV:20240101T000000Z\nEND:VCARD\n",
        "card 2 (line 5): nothing in it can be read",
    ),
    "version": (
        "BEGIN:VCARD\nVERSION:5.0\nFN:Future\nEND:VCARD\nBEGIN:VCARD\nFN:Good\nEND:VCARD\n",
        "card 1 (line 1): unsupported vCard version '5.0'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_unreadable_card_imports_nothing_and_names_it(case: str) -> None:
    text, message = BROKEN[case]
    with pytest.raises(InterchangeError) as raised:
        read_text(text)
    assert message in str(raised.value)
    assert "nothing was imported" in str(raised.value)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_skip_invalid_imports_the_rest(case: str) -> None:
    text, message = BROKEN[case]
    result = read_text(text, skip_invalid=True)
    assert [c.display_name for c in result.contacts] == ["Good"]
    assert len(result.skipped) == 1 and result.skipped[0].startswith(message)


# A line that cannot be read costs that line only: the card is imported, the line named.
BAD_LINES = {
    "no colon": (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Good\nthis line has no colon\nEMAIL:g@x.example\nEND:VCARD\n",
        "card 1, line 4: not a vCard property, skipped: 'this line has no colon'",
    ),
    "bare FN": (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN\r\nN:Good;\r\nEMAIL:g@x.example\r\nEND:VCARD\r\n",
        "card 1, line 3: not a vCard property, skipped: 'FN'",
    ),
    "comment": (
        "BEGIN:VCARD\nVERSION:3.0\n# exported by hand\nFN:Good\nEMAIL:g@x.example\nEND:VCARD\n",
        "card 1, line 3: not a vCard property, skipped: '# exported by hand'",
    ),
    "text before the first card": (
        "Contacts exported 2024\n\nBEGIN:VCARD\nFN:Good\nEMAIL:g@x.example\nEND:VCARD\n",
        "line 1: text outside any vCard skipped: 'Contacts exported 2024'",
    ),
    "text after a card": (
        "BEGIN:VCARD\nFN:Good\nEMAIL:g@x.example\nEND:VCARD\nGarbage here\nmore garbage\n",
        "line 5: text outside any vCard skipped: 'Garbage here'",
    ),
    "unknown status": (
        "BEGIN:VCARD\nFN:Good\nEMAIL:g@x.example\nX-ADDRESSBOOK-STATUS:gone\nEND:VCARD\n",
        "card 1, line 4: unknown X-ADDRESSBOOK-STATUS 'gone', taken as active",
    ),
    "label continued without a fold": (
        "BEGIN:VCARD\nVERSION:2.1\nFN:Good\nLABEL;WORK:1 Main St\nSpringfield\n"
        "EMAIL:g@x.example\nEND:VCARD\n",
        "card 1, line 5: not a vCard property; taken as more of the LABEL above: 'Springfield'",
    ),
    "no end": (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Good\nEMAIL:g@x.example\n",
        "card 1, line 1: no END:VCARD before the end of the file; the card is read up to there",
    ),
    "no begin": (
        "VERSION:3.0\nFN:Good\nEMAIL:g@x.example\nEND:vCard\n",
        "card 1, line 1: no BEGIN:VCARD before this card's END:VCARD on line 4",
    ),
}


def test_no_end_before_the_next_card_reads_both() -> None:
    text = "BEGIN:VCARD\nFN:Cut off\nBEGIN:VCARD\nFN:Good\nEND:VCARD\n"
    result = read_text(text)
    assert [c.display_name for c in result.contacts] == ["Cut off", "Good"]
    assert result.warnings == ["card 1, line 1: no END:VCARD before the next BEGIN:VCARD on line 3"]


def test_label_continued_on_a_raw_line_is_kept_whole() -> None:
    text = BAD_LINES["label continued without a fold"][0]
    (card,) = read_text(text).contacts
    assert list(card.extra) == [
        {"name": "LABEL", "params": {"TYPE": ["WORK"]}, "value": "1 Main St\\nSpringfield"}
    ]


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_costs_that_line_only(case: str) -> None:
    text, warning = BAD_LINES[case]
    result = read_text(text)  # no --skip-invalid needed: the card is imported
    (good,) = result.contacts
    assert good.display_name == "Good" and list(good.emails) == [Email("g@x.example", "work")]
    assert good.status == "active"
    assert result.warnings == [warning]
    assert result.skipped == []


def test_error_counts_the_other_broken_cards() -> None:
    text = "BEGIN:VCARD\nREV:1\nEND:VCARD\n" * 3
    with pytest.raises(InterchangeError, match=r"card 1 \(line 1\).*\(and 2 more\)"):
        read_text(text)
    reason = "nothing in it can be read (no name, organisation, email or phone)"
    assert read_text(text, skip_invalid=True).skipped == [
        f"card 1 (line 1): {reason}",
        f"card 2 (line 4): {reason}",
        f"card 3 (line 7): {reason}",
    ]


def test_a_card_with_only_a_phone_is_shown_by_it() -> None:
    (card,) = read_text("BEGIN:VCARD\nVERSION:4.0\nTEL:+64 21 555\nEND:VCARD\n").contacts
    assert card.display_name == "+64 21 555"


def test_folded_lines_and_groups_and_pref() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Very Long\r\n  Name\r\nitem1.EMAIL;TYPE=INTERNET;TYPE=pref:"
        "a@\r\n\texample.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\nEND:VCARD\r\n"
    )
    (contact,) = read_text(text).contacts
    assert contact.display_name == "Very Long Name"
    assert list(contact.emails) == [Email("a@example.com", "other")]


def test_long_lines_fold_without_splitting_characters() -> None:
    contact = Contact(display_name="名前" * 60, notes="😀" * 100)
    text = export_contacts([contact], "vcard")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert re.search(r"\r\n [^ ]", text)
    assert read_text(text).contacts == [contact]


def test_unknown_export_format() -> None:
    with pytest.raises(InterchangeError, match="unknown export format 'vcard5'"):
        export_contacts([], "vcard5")


AGENT_CARD = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John\r\nFN:John Doe\r\nAGENT:\r\n"
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Friday;Fred\r\nTEL;WORK;VOICE:+1-213-555-1234\r\n"
    "TEL;WORK;FAX:+1-213-555-5678\r\nEND:VCARD\r\nTEL;HOME:+1-555-0100\r\nEND:VCARD\r\n"
)


def test_vcard21_agent_card_is_kept_and_written_back() -> None:
    result = read_text(AGENT_CARD)
    assert result.warnings == [] and result.skipped == []
    [contact] = result.contacts  # the agent's card is part of John's, not a contact
    assert [(p.kind, p.number) for p in contact.phones] == [("other", "+1-555-0100")]
    agent, home = contact.extra  # and the home phone's own line: HOME is no kind of ours
    assert agent["name"] == "AGENT"
    assert home == {"name": "TEL", "params": {"TYPE": ["HOME"]}, "value": "+1-555-0100"}
    assert agent["value"] == (
        "BEGIN:VCARD\\nVERSION:2.1\\nN:Friday\\;Fred\\nTEL\\;WORK\\;VOICE:+1-213-555-1234\\n"
        "TEL\\;WORK\\;FAX:+1-213-555-5678\\nEND:VCARD\\n"
    )
    for fmt in ("vcard3", "vcard4", "csv"):
        text = export_contacts([contact], fmt)
        again = read_text(text)
        assert again.contacts == [contact], fmt
        assert again.warnings == []
    # vCard 3.0 readers get the agent's card as AGENT's text value, as RFC 2426 writes it.
    card = vobject.readOne(export_contacts([contact], "vcard3"))
    assert card.agent.value.splitlines()[:3] == ["BEGIN:VCARD", "VERSION:2.1", "N:Friday;Fred"]


def test_agent_card_in_a_card_without_its_end_is_still_kept() -> None:
    text = AGENT_CARD.replace("TEL;HOME:+1-555-0100\r\nEND:VCARD\r\n", "")
    [contact] = read_text(text).contacts
    assert contact.display_name == "John Doe"
    assert contact.extra[0]["name"] == "AGENT"
    assert "Friday" in contact.extra[0]["value"]


def test_voice_msg_work_is_a_work_phone() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL;TYPE=VOICE,MSG,WORK:1\nTEL;TYPE=MSG:2\n"
        "TEL;TYPE=HOME,VOICE:3\nTEL;TYPE=WORK,PAGER:4\nTEL;TYPE=VOICE:5\nEND:VCARD\n"
    )
    [contact] = read_text(text).contacts
    assert [p.kind for p in contact.phones] == ["work", "other", "other", "other", "work"]


def test_extended_address_and_post_box_keep_their_lines() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\n"
        "ADR;TYPE=HOME:PO Box 7;Crescent moon drive\\n555-asd\\nNice Area;1 Main St;City;;;\n"
        "END:VCARD\n"
    )
    [contact] = read_text(text).contacts
    assert list(contact.addresses[0].lines) == [
        "1 Main St",
        "Crescent moon drive",
        "555-asd",
        "Nice Area",
        "PO Box 7",
    ]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ('say \\"hi\\"', 'say "hi"'),
        ("B\\'C", "B'C"),
        ("a\\, b\\; c\\: d \\\\ e", "a, b; c: d \\ e"),
        ("C:\\temp\\nnext", "C:\\temp\nnext"),
    ],
)
def test_backslash_escapes(raw: str, text: str) -> None:
    [contact] = read_text(f"BEGIN:VCARD\nVERSION:3.0\nFN:A\nNOTE:{raw}\nEND:VCARD\n").contacts
    assert contact.notes == text


def test_nicknames_of_a_list_are_kept() -> None:
    card = "BEGIN:VCARD\nVERSION:{v}\nFN:A\nNICKNAME:{n}\nEND:VCARD\n"
    [three] = read_text(card.format(v="3.0", n="Nick1,Nick2\\,Jr")).contacts
    assert three.nickname == "Nick1, Nick2,Jr"
    [two] = read_text(card.format(v="2.1", n="Johny,JayJay")).contacts
    assert two.nickname == "Johny,JayJay"


def test_a_card_of_only_an_address_label_is_imported() -> None:
    text = (
        "BEGIN:VCARD\nN:\nLABEL;QUOTED-PRINTABLE;WORK:401 Park Drive=0ABoston\\, MA\n"
        "UID:x-1\nEND:VCARD\n"
    )
    result = read_text(text)
    [contact] = result.contacts
    assert contact.display_name == "401 Park Drive"
    assert [item["name"] for item in contact.extra] == ["LABEL", "UID"]
    # With nothing at all to show it by, a card is still refused.
    with pytest.raises(InterchangeError, match="nothing in it can be read"):
        read_text("BEGIN:VCARD\nUID:x-2\nEND:VCARD\n")
