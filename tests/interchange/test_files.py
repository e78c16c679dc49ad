"""Reading files: encodings (BOM, UTF-16, Windows-1252), line ends, format detection, errors."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from addressbook.errors import InterchangeError
from addressbook.interchange import detect_format, export_contacts, read_file
from tests.interchange.samples import DATA, full_contact, plain_contacts


@pytest.mark.parametrize("fmt", ["vcard", "csv"])
@pytest.mark.parametrize(
    "encode",
    [
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),  # with BOM, as Outlook's "Unicode" export
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
        lambda t: t.encode("utf-16-le"),  # no BOM
        lambda t: t.replace("\r\n", "\n").encode("utf-8"),
        lambda t: t.replace("\r\n", "\r").encode("utf-8"),
    ],
    ids=["utf8-bom", "utf16", "utf16be-bom", "utf16le-no-bom", "lf", "cr"],
)
def test_encodings_and_line_ends(tmp_path: Path, fmt: str, encode) -> None:  # type: ignore[no-untyped-def]
    contacts = [full_contact(), *plain_contacts()]
    path = tmp_path / "contacts.txt"
    path.write_bytes(encode(export_contacts(contacts, fmt)))
    result = read_file(path)  # the format is found from the content alone
    assert result.format == fmt
    assert result.contacts == contacts


def test_windows_1252_outlook_export(tmp_path: Path) -> None:
    path = tmp_path / "outlook.csv"
    text = (DATA / "outlook.csv").read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1252"))
    maggie, catering = read_file(path).contacts
    assert catering.display_name == "Smørrebrød Catering"
    assert maggie.organization == "O'Brien & Associates"


def test_quoted_printable_card_in_latin_1_file(tmp_path: Path) -> None:
    path = tmp_path / "old-phone.vcf"
    path.write_bytes(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Müller;Jörg\r\nEND:VCARD\r\n".encode("latin-1")
    )
    (jorg,) = read_file(path).contacts
    assert jorg.display_name == "Jörg Müller"


def test_format_from_name_and_content(tmp_path: Path) -> None:
    assert detect_format("BEGIN:VCARD\r\n") == "vcard"
    assert detect_format("\n  begin:vcard\n", "x.csv") == "vcard"
    assert detect_format("junk\nBEGIN:VCARD\n", "x.vcf") == "vcard"
    assert detect_format("display_name\nAna\n", "x.txt") == "csv"
    path = tmp_path / "contacts.vcf"
    path.write_text("display_name\nAna\n")
    with pytest.raises(
        InterchangeError, match=r"contacts\.vcf: no vCard in this file \(line 1: text outside any"
    ):
        read_file(path)
    assert [c.display_name for c in read_file(path, "csv").contacts] == ["Ana"]


def test_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("display_name,email\n,\nGood,\n,,x\n")
    with pytest.raises(InterchangeError) as raised:
        read_file(path)
    assert str(raised.value).startswith(f"{path}: row 4: 3 cells but the header has 2 columns")


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match="cannot read .*missing.vcf: No such file"):
        read_file(tmp_path / "missing.vcf")
    with pytest.raises(InterchangeError, match="unknown import format 'json'"):
        read_file(DATA / "apple.vcf", "json")


def test_broken_utf16(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "display_name\n".encode("utf-16-le") + b"\x00")
    with pytest.raises(
        InterchangeError, match=r"odd\.csv: the file is not valid UTF-16(-LE)? text"
    ):
        read_file(path)


def test_outlook_unicode_text_export_tab_separated_utf16(tmp_path: Path) -> None:
    path = tmp_path / "contacts.txt"
    text = (
        "First Name\tLast Name\tCompany\tMobile Phone\tNotes\r\n"
        'Ngaio\tMarsh\tTe Ao Books\t021 555 0101\t"Line one\r\nline two"\r\n'
    )
    path.write_bytes(text.encode("utf-16"))
    (ngaio,) = read_file(path).contacts
    assert ngaio.display_name == "Ngaio Marsh"
    assert ngaio.phones[0].number == "021 555 0101" and ngaio.phones[0].kind == "mobile"
    assert ngaio.notes == "Line one\nline two"
