"""The lenient reader's charsets and line ends (issue 12's findings, one test each)."""

from __future__ import annotations

import codecs
import quopri
from pathlib import Path

import pytest

from addressbook.interchange import read_file, read_text
from addressbook.interchange._common import guess_legacy
from addressbook.model import Email


def _card(*lines: bytes, end: bytes = b"\r\n") -> bytes:
    return end.join([b"BEGIN:VCARD", b"VERSION:2.1", *lines, b"END:VCARD", b""])


def _read(tmp_path: Path, data: bytes, name: str = "c.vcf"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    return read_file(path)


def test_cr_cr_lf_line_ends_with_a_photo(tmp_path: Path) -> None:
    # iOS writes CR CR LF when a card has a photo.
    data = _card(
        b"FN:Ana Ngata",
        b"PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRg",
        b"  ABAQAAAQABAAD/2w",
        b"EMAIL:ana@a.example",
        end=b"\r\r\n",
    )
    (ana,) = _read(tmp_path, data).contacts
    assert ana.display_name == "Ana Ngata" and list(ana.emails) == [Email("ana@a.example", "work")]
    assert ana.extra[0]["value"] == "/9j/4AAQSkZJRg ABAQAAAQABAAD/2w".replace(" ", "")


@pytest.mark.parametrize("end", [b"\n", b"\r", b"\r\n", b"\r\r\n"])
def test_any_line_end(tmp_path: Path, end: bytes) -> None:
    data = _card(b"FN:Line", b" Ends", b"TEL;CELL:021 555", end=end) * 2
    result = _read(tmp_path, data)
    assert [c.display_name for c in result.contacts] == ["LineEnds", "LineEnds"]
    assert result.contacts[0].phones[0].kind == "mobile"


def test_shift_jis_charset_on_raw_8bit_values(tmp_path: Path) -> None:
    # Japanese phones: CHARSET=SHIFT_JIS on 8-bit values, no quoted-printable.
    name = "山田太郎".encode("shift_jis")
    data = _card(
        b"N;CHARSET=SHIFT_JIS:" + name[:4] + b";" + name[4:], b"FN;CHARSET=SHIFT_JIS:" + name
    )
    (taro,) = _read(tmp_path, data).contacts
    assert taro.display_name == "山田太郎"
    assert (taro.family_name, taro.given_name) == ("山田", "太郎")


def test_shift_jis_without_charset_is_recognised(tmp_path: Path) -> None:
    data = _card(b"FN:" + "さくら 中村".encode("shift_jis"))
    (sakura,) = _read(tmp_path, data).contacts
    assert sakura.display_name == "さくら 中村"


def test_windows_1250_quoted_printable_polish_names(tmp_path: Path) -> None:
    # The Bat!: quoted-printable bytes in the Windows code page, CHARSET named.
    encoded = quopri.encodestring("Łukasz Żółć".encode("cp1250")).strip()
    data = _card(b"FN;CHARSET=windows-1250;ENCODING=QUOTED-PRINTABLE:" + encoded)
    (lukasz,) = _read(tmp_path, data).contacts
    assert lukasz.display_name == "Łukasz Żółć"


def test_windows_1250_without_charset_is_guessed(tmp_path: Path) -> None:
    encoded = quopri.encodestring("Grzegorz Brzęczyszczykiewicz, Łódź".encode("cp1250")).strip()
    data = _card(b"FN;ENCODING=QUOTED-PRINTABLE:" + encoded)
    (card,) = _read(tmp_path, data).contacts
    assert card.display_name == "Grzegorz Brzęczyszczykiewicz, Łódź"


def test_lower_case_quoted_printable_parameter(tmp_path: Path) -> None:
    # Thunderbird's own 2.1 export writes 'note;quoted-printable:'.
    data = (
        b"begin:vcard\nfn:Two\nnote;quoted-printable:here's some unicode text=E2=80=A6\n"
        b"version:2.1\nend:vcard\n"
    )
    (two,) = _read(tmp_path, data).contacts
    assert two.notes == "here's some unicode text…"


def test_quoted_printable_soft_line_breaks(tmp_path: Path) -> None:
    data = _card(
        b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD =",
        b"=D0=9F=D0=B5=D1=82=D1=80=D0=BE=D0=B2",
        b"NOTE;ENCODING=QUOTED-PRINTABLE:First line=0D=0ASecond=",
        b" line",
    )
    (ivan,) = _read(tmp_path, data).contacts
    assert ivan.display_name == "Иван Петров"
    assert ivan.notes == "First line\nSecond line"


@pytest.mark.parametrize("text", ["Γιώργος Παπαδόπουλος Νικολάου", "Сергей Иванович Смирнов"])
def test_a_fold_inside_a_utf8_sequence_is_harmless(tmp_path: Path, text: str) -> None:
    # Folding by octets may cut a character in two: unfolding comes before decoding, so
    # neither this card nor the file falls back to Windows-1252.
    value = ("FN:" + text).encode("utf-8")
    cut = next(i for i in range(10, len(value)) if value[i] & 0xC0 == 0x80)
    data = _card(value[:cut], b" " + value[cut:], b"NOTE:" + "ещё".encode())
    (card,) = _read(tmp_path, data).contacts
    assert card.display_name == text
    assert card.notes == "ещё"


def test_one_legacy_value_does_not_garble_the_rest(tmp_path: Path) -> None:
    data = _card(
        b"FN:" + "Zoë Müller".encode(),
        b"NOTE:" + "Café".encode("cp1252"),  # another program's edit, in its code page
    )
    (zoe,) = _read(tmp_path, data).contacts
    assert zoe.display_name == "Zoë Müller"
    assert zoe.notes == "Café"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_vcard_file(tmp_path: Path, codec: str) -> None:
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ngaio Mārsh 😀\r\nEND:VCARD\r\n" * 300
    data = text.encode(codec)
    if codec != "utf-16":
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    result = _read(tmp_path, data)
    assert len(result.contacts) == 300
    assert {c.display_name for c in result.contacts} == {"Ngaio Mārsh 😀"}


def test_parameters_and_names_are_case_insensitive_and_21_bare() -> None:
    text = (
        "begin:vcard\nversion:2.1\nfn:Case\ntel;cell;pref:021\ntel;Type=Fax:09\n"
        "email;INTERNET;home:c@home.example\nitem1.Tel:555\nitem1.x-ablabel:_$!<Main>!$_\n"
        "end:vcard\n"
    )
    (card,) = read_text(text).contacts
    assert [(p.kind, p.number) for p in card.phones] == [
        ("mobile", "021"),
        ("fax", "09"),
        ("default", "555"),
    ]
    assert list(card.emails) == [Email("c@home.example", "home")]


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Müller Straße, Köln", "cp1252"),
        ("Иванов Сергей Петрович", "cp1251"),
        ("山田さくら", "shift_jis"),
        ("Łódź, Żółć i Gęś", "cp1250"),
    ],
)
def test_guessed_code_pages(text: str, codec: str) -> None:
    assert guess_legacy(text.encode(codec)) == codec


@pytest.mark.parametrize("end", [b"\r\n", b"\r", b"\r\r\n"])
def test_cards_across_chunk_boundaries(tmp_path: Path, end: bytes) -> None:
    # The reader takes 1 MiB at a time: a 3 MB photo spans chunks, and so do line ends.
    photo = b"QUJD" * 750_000
    folded = end.join([photo[:74]] + [b" " + photo[i : i + 74] for i in range(74, len(photo), 74)])
    small = [_card(b"FN:Card %d" % n, end=end) for n in range(3000)]
    big = _card(b"FN:Big", b"PHOTO;ENCODING=b;TYPE=JPEG:" + folded, end=end)
    result = _read(tmp_path, b"".join(small[:1500]) + big + b"".join(small[1500:]))
    names = [c.display_name for c in result.contacts]
    assert names == [f"Card {n}" for n in range(1500)] + ["Big"] + [
        f"Card {n}" for n in range(1500, 3000)
    ]
    assert result.contacts[1500].extra[0]["value"] == photo.decode()
    assert result.warnings == []
