"""CSV export and import: our format round trip, Google's and Outlook's CSV, broken rows."""

from __future__ import annotations

import csv
import io

import pytest

from addressbook.errors import InterchangeError
from addressbook.interchange import export_contacts, read_file, read_text
from addressbook.model import Address, Contact, Email, Phone, Url
from tests.interchange.samples import DATA, full_contact, plain_contacts


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_every_field_round_trips() -> None:
    contacts = [full_contact(), *plain_contacts()]
    text = export_contacts(contacts, "csv")
    result = read_text(text, "csv")
    assert result.contacts == contacts
    assert result.format == "csv"


def test_header_is_our_field_names_with_numbered_extras() -> None:
    text = export_contacts([full_contact()], "csv")
    header = text.split("\r\n", 1)[0].split(",")
    assert header[:8] == [
        "display_name",
        "given_name",
        "family_name",
        "nickname",
        "organization",
        "title",
        "email",
        "email.2",
    ]
    for column in (
        "email.other",
        "phone.work",
        "phone.work.2",
        "phone.mobile",
        "phone.fax",
        "phone.ddi",
        "phone.default",
        "phone.other",
        "address.street",
        "address.street.2.country",
        "address.postal.postcode",
        "notes",
        "status",
    ):
        assert column in header
    assert "email.home" in header
    assert header[-1] == "list_order"  # the home email comes before the work ones
    (row,) = _rows(text)
    assert row["email"] == "zoe@acme.example" and row["email.2"] == "second@acme.example"
    assert row["address.street"] == "Level 2\n\n12 Queen St; rear"
    assert row["address.postal"] == "PO Box 5\nShortland St"
    assert row["status"] == "archived"
    assert row["list_order"].split()[:2] == ["email.home", "email"]


def test_list_order_column_only_when_needed() -> None:
    text = export_contacts(plain_contacts(), "csv")
    assert "list_order" not in text.split("\r\n", 1)[0]
    assert "email.2" not in text.split("\r\n", 1)[0]


def test_hand_written_csv_with_our_columns() -> None:
    text = (
        "Display_Name,email.work,email.home,phone.mobile,address.street.lines,address.street.city\n"
        "Ana,ana@work.example,ana@home.example,021 555,1 Main St,Wellington\n"
        ",,,,,\n"
    )
    (ana,) = read_text(text).contacts
    assert list(ana.emails) == [
        Email("ana@work.example", "work"),
        Email("ana@home.example", "home"),
    ]
    assert list(ana.phones) == [Phone("021 555", "mobile")]
    assert list(ana.addresses) == [Address("street", ["1 Main St"], "Wellington")]


def test_google_csv_old_format() -> None:
    aroha, tui, lei = read_file(DATA / "google_old.csv").contacts
    assert aroha == Contact(
        display_name="Aroha Ngata",
        given_name="Aroha",
        family_name="Ngata",
        organization="Ngata Orchards",
        title="Owner",
        emails=[
            Email("aroha@ngata.example", "work"),
            Email("accounts@ngata.example", "work"),  # ' ::: ' joins values of one type
            Email("aroha.n@mail.example", "home"),
        ],
        phones=[
            Phone("021 555 0101", "mobile"),
            Phone("09 555 0103", "fax"),
            Phone("09 555 0100", "default"),
        ],
        addresses=[
            Address("street", ["12 Wharf Rd", "Unit 4"], "Tauranga", "", "3110", "New Zealand")
        ],
        notes="Met at Fieldays.\nCall after 3pm.",
        urls=[Url("https://ngata.example", "work")],
        categories=["Clients"],  # '* myContacts' is Google's own group
    )
    assert tui.display_name == "info@tui.example"
    assert list(tui.emails) == [Email("info@tui.example", "other")]
    assert lei.display_name == "李雷"
    assert list(lei.addresses) == [Address("street", ["北京市朝阳区建国路1号"])]  # only 'Formatted'


def test_google_csv_new_format() -> None:
    soren, nordlys = read_file(DATA / "google_new.csv").contacts
    assert soren.display_name == "Søren Aabye Kierkegaard"
    assert (soren.given_name, soren.family_name) == ("Søren", "Kierkegaard")
    assert list(soren.extra) == [
        {"name": "X-CSV", "params": {"COLUMN": ["Middle Name"]}, "value": "Aabye"}
    ]
    assert (soren.organization, soren.title) == ("Filosofi ApS", "Forfatter")
    assert list(soren.emails) == [
        Email("soren@filosofi.example", "work"),
        Email("sak@privat.example", "other"),
    ]
    assert list(soren.phones) == [
        Phone("+45 20 12 34 56", "mobile"),
        Phone("+45 33 12 34 56", "work"),
    ]
    assert list(soren.addresses) == [
        Address("street", ["Nytorv 2", "Postboks 7"], "København K", "", "1450", "Danmark")
    ]
    assert soren.notes == "Svar altid på dansk 🇩🇰"
    assert nordlys.display_name == "Nordlys A/S"
    assert list(nordlys.phones) == [Phone("+45 70 00 00 00", "other")]


def test_outlook_csv() -> None:
    maggie, catering = read_file(DATA / "outlook.csv").contacts
    assert maggie == Contact(
        display_name="Margaret J. O'Brien",
        given_name="Margaret",
        family_name="O'Brien",
        organization="O'Brien & Associates",
        title="Senior Partner",  # Job Title; Outlook's Title is 'Ms.'
        emails=[
            Email("maggie@obrien-law.example", "work"),
            Email("maggie.obrien@mail.example", "other"),
        ],
        phones=[  # in the order of Outlook's columns
            Phone("+353 1 555 0199", "other"),  # Home Phone
            Phone("+353 1 555 0101", "work"),
            Phone("+353 87 555 0102", "mobile"),
            Phone("+353 1 555 0100", "default"),  # Primary Phone
            Phone("+353 1 555 0103", "fax"),
        ],
        addresses=[
            Address(
                "street",
                ["14 Merrion Square", "Second Floor"],
                "Dublin",
                "Co. Dublin",
                "D02 XY45",
                "Ireland",
            )
        ],
        notes="Prefers morning calls.\nAssistant: Ciara",
        extra=[  # what the model has no field for, kept as it came
            {"name": "X-CSV", "params": {"COLUMN": ["Middle Name"]}, "value": "J."},
            {"name": "X-CSV", "params": {"COLUMN": ["Title"]}, "value": "Ms."},
            {"name": "X-CSV", "params": {"COLUMN": ["Department"]}, "value": "Litigation"},
        ],
    )
    assert catering.display_name == "Smørrebrød Catering"


def test_outlook_csv_with_semicolons() -> None:
    text = (
        "First Name;Last Name;Company;E-mail Address;Business Phone\r\n"
        "Jörg;Weiß;Bäckerei Weiß;joerg@baeckerei.example;+49 211 55501\r\n"
    )
    (jorg,) = read_text(text).contacts
    assert jorg.display_name == "Jörg Weiß" and jorg.organization == "Bäckerei Weiß"
    assert list(jorg.phones) == [Phone("+49 211 55501", "work")]


BROKEN = {
    "no name": (
        "display_name,email,phone.mobile,notes\nGood,,,\n,,,just a note\n",
        "row 3: nothing in it can be read",
    ),
    "status": (
        "display_name,status\nGood,active\nBad,deleted\n",
        "row 3: unknown status 'deleted'",
    ),
    "extra cells": (
        "display_name,email\nBad,a@x,oops\nGood,g@x\n",
        "row 2: 3 cells but the header has 2 columns",
    ),
    "google no name": (
        "Name,Given Name,E-mail 1 - Type,E-mail 1 - Value,Notes\nGood,,,,\n,,Work,,a note\n",
        "row 3: nothing in it can be read",
    ),
    "outlook no name": (
        "First Name,Last Name,E-mail Address,Notes\nGood,,,\n,,,a note\n",
        "row 3: nothing in it can be read",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_row_imports_nothing_and_names_it(case: str) -> None:
    text, message = BROKEN[case]
    with pytest.raises(InterchangeError) as raised:
        read_text(text, "csv")
    assert message in str(raised.value)
    assert "nothing was imported" in str(raised.value)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_skip_invalid_imports_the_other_rows(case: str) -> None:
    text, message = BROKEN[case]
    result = read_text(text, "csv", skip_invalid=True)
    assert [c.display_name for c in result.contacts] == ["Good"]
    assert len(result.skipped) == 1 and result.skipped[0].startswith(message)


def test_unknown_column_of_ours_is_refused() -> None:
    with pytest.raises(InterchangeError, match="row 1: unknown column 'phone.mobil'"):
        read_text("display_name,phone.mobil\nAna,021\n", "csv", skip_invalid=True)


def test_unknown_header_is_refused_naming_the_programs_known() -> None:
    with pytest.raises(InterchangeError) as raised:
        read_text("Nom de famille,Courriel perso\nAna,Ngata\n", "csv")
    message = str(raised.value)
    assert message.startswith("row 1: the header row is not one of the CSV formats known")
    for program in ("addressbook", "Google Contacts", "Outlook", "Thunderbird", "Apple Contacts"):
        assert program in message


def test_header_only_or_empty_file_imports_nothing() -> None:
    assert read_text("display_name,email\r\n", "csv").contacts == []
    assert read_text("", "csv").contacts == []


def test_long_notes_cell() -> None:
    contact = Contact(display_name="Long", notes="x" * 300_000)
    assert read_text(export_contacts([contact], "csv")).contacts == [contact]


def test_edited_spreadsheet_with_stale_list_order_still_imports() -> None:
    text = export_contacts([full_contact()], "csv")
    (row,) = _rows(text)
    row["email.home"] = ""  # the user deleted a cell that list_order still names
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    (contact,) = read_text(out.getvalue()).contacts
    assert [e.address for e in contact.emails] == [
        "zoe@acme.example",
        "second@acme.example",
        "other@例え.jp",
    ]
