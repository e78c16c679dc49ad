"""What the vCard and CSV readers share: the problem record, the 'has a name' rule, decoding."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from addressbook.errors import InterchangeError
from addressbook.model import Contact

NO_NAME = "no name, organisation or email"


@dataclass(frozen=True)
class Problem:
    """One card or row that cannot be imported: where it is and why."""

    where: str  # "card 3 (line 17)", "row 5", "line 2"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def finish(contact: Contact, where: str) -> Contact | Problem:
    """The normalised contact, or the problem if it has nothing to show it by."""
    contact = contact.normalized()
    if not contact.display_name:
        return Problem(where, NO_NAME)
    return contact


def snippet(text: str, limit: int = 40) -> str:
    """A short quoted piece of a line, for an error message."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def decode(data: bytes, name: str = "the file") -> str:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 (BOM or not), else Windows-1252.

    Outlook writes UTF-16 ("Unicode") or the Windows code page; phones and Google write UTF-8.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        encoding = _sniff_utf16(data)
        if encoding:
            return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as error:
        raise InterchangeError(
            f"{name} is not valid {error.encoding.upper()} text (byte {error.start}); "
            "save it again as UTF-8 and retry."
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: older Outlook and phones write the Windows code page (Latin-1 if not even that).
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte zero in ASCII-heavy text."""
    sample = data[:512]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > half * 0.6 and even_zeros < half * 0.1:
        return "utf-16-le"
    if even_zeros > half * 0.6 and odd_zeros < half * 0.1:
        return "utf-16-be"
    return None
