"""What the vCard and CSV readers share: the problem record, the 'has a name' rule, decoding."""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from addressbook.errors import InterchangeError
from addressbook.i18n import _
from addressbook.model import Contact, ContactDraft


def no_name() -> str:
    return _("nothing in it can be read (no name, organisation, email or phone)")


@dataclass(frozen=True)
class Problem:
    """Something of a file that could not be read: where it is and why.

    fatal: the card or row is not imported (with --skip-invalid; without it, nothing is);
    not fatal: one line of a card was skipped, the rest of the card is imported.
    card: the card's (row's) number, line: the physical line in the file, when known.
    """

    where: str  # "card 3 (line 17)", "row 5", "line 2"
    reason: str
    fatal: bool = True
    card: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def finish(draft: ContactDraft, where: str, card: int | None = None) -> Contact | Problem:
    """The contact read (normalised as every Contact is), or the problem if nothing shows it.

    A contact without a name, organisation or email is shown by its nickname, else its
    first phone number, web address, address or address label (a card of only a LABEL):
    a card is refused only when nothing of it can be read.
    """
    contact = draft.build()
    if not contact.display_name:
        fallback = contact.nickname or next(
            (
                item
                for item in [
                    *(p.number for p in contact.phones),
                    *(u.url for u in contact.urls),
                    *(a.one_line() for a in contact.addresses),
                    *_label_lines(contact.extra),
                ]
                if item
            ),
            "",
        )
        if not fallback:
            return Problem(where, no_name(), card=card)
        contact = replace(contact, display_name=fallback)
    return contact


_PUNCTUATION_ESCAPE = re.compile(r"\\([^A-Za-z0-9])")


def _label_lines(extra: Sequence[dict[str, Any]]) -> list[str]:
    """The first line of each kept address label (a vCard LABEL), unescaped."""
    lines = []
    for item in extra:
        if item.get("name") == "LABEL":
            text = str(item.get("value") or "").replace("\\n", "\n").replace("\\N", "\n")
            first = next((line.strip() for line in text.split("\n") if line.strip()), "")
            if first:
                lines.append(_PUNCTUATION_ESCAPE.sub(r"\1", first))
    return lines


def snippet(text: str, limit: int = 40) -> str:
    """A short quoted piece of a line, for an error message."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# ------------------------------------------------------------------------------ charsets

_KANA = re.compile("[\u3040-\u30ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_HIGH_RUN = re.compile(rb"[\xc0-\xff]{4,}")
# Windows-1250 letters (ą ł ś ź ż Ą Ł Ś Ź Ż) read as Windows-1252 are symbols inside words.
_CENTRAL = re.compile("(?<=[^\\W\\d_])[¹³œŸ¿¥£ŒŠ¯¬]|[¹³œŸ¿¥£ŒŠ¯¬](?=[^\\W\\d_])")


def charset_codec(name: str | None) -> str | None:
    """The Python codec of a CHARSET parameter or BOM-less file charset, None if unknown."""
    if not name:
        return None
    name = name.strip().strip('"').lower()
    aliases = {"shift-jis": "shift_jis", "sjis": "shift_jis", "x-sjis": "shift_jis"}
    name = aliases.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def guess_legacy(data: bytes) -> str:
    """The likeliest 8-bit code page of bytes that are not UTF-8.

    Shift_JIS when the bytes decode as it and give kana (Japanese phones); Windows-1251
    when the high bytes come in runs that read as Cyrillic words; Windows-1250 when, read
    as Windows-1252, letters of words come out as symbols (Polish 'ł' is '³'); else
    Windows-1252 (Western Outlook and phones). ISO-8859-1 is Windows-1252's subset.
    """
    try:
        if _KANA.search(data.decode("shift_jis")):
            return "shift_jis"
    except UnicodeDecodeError:
        pass
    if _HIGH_RUN.search(data):
        try:
            text = data.decode("cp1251")
            high = sum(1 for byte in data if byte >= 0x80)
            if high and len(_CYRILLIC.findall(text)) >= 0.8 * high:
                return "cp1251"
        except UnicodeDecodeError:
            pass
    if _CENTRAL.search(decode_legacy(data, "cp1252")):
        return "cp1250"
    return "cp1252"


def decode_legacy(data: bytes, codec: str) -> str:
    """data in codec; bytes the codec lacks (cp1252 leaves five undefined) as Latin-1."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if codec == "cp1252":
            return data.decode("latin-1")
        return data.decode(codec, "replace")


def decode_text(data: bytes, fallback: str | None = None) -> str:
    """Bytes of unknown charset: UTF-8 if they are, else fallback (or a guess)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_legacy(data, fallback or guess_legacy(data))


def bom_codec(head: bytes) -> tuple[str | None, int]:
    """(codec, BOM length) from a file's first bytes; UTF-16 without a BOM is sniffed."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    return sniff_utf16(head), 0


def sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte zero in ASCII-heavy text."""
    sample = data[:512]
    if len(sample) % 2:
        sample = sample[:-1]
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > half * 0.6 and even_zeros < half * 0.1:
        return "utf-16-le"
    if even_zeros > half * 0.6 and odd_zeros < half * 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes, name: str = "the file") -> str:
    """Text of a whole file: UTF-8 (with or without BOM), UTF-16 (BOM or not), else guessed.

    Outlook writes UTF-16 ("Unicode") or the Windows code page; phones and Google write
    UTF-8; Japanese programs Shift_JIS.
    """
    codec, skip = bom_codec(data[:512])
    if codec:
        try:
            return data[skip:].decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as error:
            raise InterchangeError(
                _(
                    "{name} is not valid {encoding} text (byte {byte}); save it again as "
                    "UTF-8 and retry."
                ).format(name=name, encoding=error.encoding.upper(), byte=error.start + skip)
            ) from None
    return decode_text(data)
