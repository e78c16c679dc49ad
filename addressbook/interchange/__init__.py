"""vCard and CSV import and export.

    export_contacts(contacts, fmt) -> str          fmt: 'vcard' (= 4.0), 'vcard3', 'vcard4', 'csv'
    iter_export(contacts, fmt) -> Iterator[str]    the same, a piece at a time
    read_file(path, fmt=None, skip_invalid=False) -> ImportResult
    read_text(text, fmt=None, skip_invalid=False) -> ImportResult
    iter_stream(stream, fmt, name) -> Iterator[Contact | Problem]   (streaming; importer.py)

A card or row that cannot be read at all is a fatal Problem: by default it stops the
import ("card 3 (line 17): …", "row 5: …") and nothing is imported; with skip_invalid the
others are imported and it is listed in ImportResult.skipped. A line of a card that cannot
be read costs that line only: it is listed in ImportResult.warnings and the card imported.
Importing into the address book (re-import without copies, --account) is `importer.py`.
The formats themselves are described in `vcard` and `table` (CSV).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from addressbook.errors import InterchangeError
from addressbook.i18n import _, ngettext
from addressbook.interchange._common import Problem
from addressbook.interchange.table import read_csv_stream, write_csv
from addressbook.interchange.vcard import iter_vcards, read_vcard_stream
from addressbook.model import Contact

EXPORT_FORMATS = ("vcard", "vcard3", "vcard4", "csv")
IMPORT_FORMATS = ("vcard", "csv")
VCARD_SUFFIXES = (".vcf", ".vcard", ".vcards")
FILE_SUFFIXES = {"vcard": ".vcf", "vcard3": ".vcf", "vcard4": ".vcf", "csv": ".csv"}

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ImportResult",
    "Problem",
    "detect_format",
    "export_contacts",
    "iter_export",
    "iter_stream",
    "read_file",
    "read_text",
]

_VCARD_START = re.compile(rb"^[ \t]*(BEGIN|END)[ \t]*:[ \t]*VCARD", re.IGNORECASE | re.MULTILINE)
_HEAD = 4096


@dataclass
class ImportResult:
    """What a read gave: the contacts (normalised), the skipped cards/rows, the warnings."""

    contacts: list[Contact] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str = ""  # 'vcard' or 'csv': what the file was read as


def export_contacts(contacts: Iterable[Contact], fmt: str) -> str:
    """Contacts as one vCard (4.0 for 'vcard', or 'vcard3'/'vcard4') or CSV text."""
    return "".join(iter_export(contacts, fmt))


def iter_export(contacts: Iterable[Contact], fmt: str) -> Iterator[str]:
    """The export text a card at a time (CSV: the whole text once; it needs every row's
    columns before the header)."""
    if fmt == "csv":
        return iter([write_csv(contacts)])
    if fmt in ("vcard", "vcard4"):
        return iter_vcards(contacts, "4.0")
    if fmt == "vcard3":
        return iter_vcards(contacts, "3.0")
    raise InterchangeError(
        _("unknown export format {fmt}; use one of {formats}").format(
            fmt=repr(fmt), formats=", ".join(EXPORT_FORMATS)
        )
    )


def _decoded_head(head: bytes) -> bytes:
    """The first bytes of a file as UTF-8 (a UTF-16 file decoded), for detection."""
    from addressbook.interchange._common import bom_codec

    codec, skip = bom_codec(head)
    if codec and codec.startswith("utf-16"):
        return head[skip:].decode(codec, "replace").encode("utf-8")
    return head[skip:]


def detect_format(head: bytes | str, name: str = "") -> str:
    """'vcard' or 'csv', from the content (a BEGIN:VCARD line in its first 4 KiB) or else
    from the file name."""
    if isinstance(head, str):
        head = head.encode("utf-8")
    if _VCARD_START.search(_decoded_head(head[:_HEAD]).lstrip(b"\xef\xbb\xbf")):
        return "vcard"
    if name.lower().endswith(VCARD_SUFFIXES):
        return "vcard"
    return "csv"


def import_format(fmt: str | None) -> str | None:
    """'vcard', 'csv' or None (detect) for a --format value."""
    if fmt is None:
        return None
    if fmt in ("vcard", "vcard3", "vcard4"):
        return "vcard"
    if fmt == "csv":
        return "csv"
    raise InterchangeError(_("unknown import format {fmt}; use vcard or csv").format(fmt=repr(fmt)))


def iter_stream(stream: BinaryIO, fmt: str | None, name: str = "") -> Iterator[Contact | Problem]:
    """Each contact of a byte stream, each Problem where it stands (see module docstring).

    The stream must be seekable (its first bytes are looked at to detect the format).
    Raises InterchangeError when the file as a whole cannot be read (an unknown CSV header).
    """
    chosen = import_format(fmt)
    if chosen is None:
        start = stream.tell()
        chosen = detect_format(stream.read(_HEAD), name)
        stream.seek(start)
    if chosen == "vcard":
        return read_vcard_stream(stream)
    return read_csv_stream(stream)


def read_text(text: str, fmt: str | None = None, skip_invalid: bool = False) -> ImportResult:
    """Read contacts from text (see read_file)."""
    return _collect(io.BytesIO(text.encode("utf-8")), fmt, skip_invalid, name="")


def read_file(path: Path, fmt: str | None = None, skip_invalid: bool = False) -> ImportResult:
    """Read the contacts of a vCard or CSV file (fmt None: detected from name and content).

    Accepts UTF-8 with or without BOM, UTF-16, Shift_JIS and the Windows code pages, and
    any line ends.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            return _collect(stream, fmt, skip_invalid, name=str(path))
    except OSError as error:
        raise InterchangeError(
            _("cannot read {path}: {reason}").format(path=path, reason=error.strerror or error)
        ) from None


def _collect(stream: BinaryIO, fmt: str | None, skip_invalid: bool, name: str) -> ImportResult:
    prefix = f"{name}: " if name else ""
    problems: list[Problem] = []
    result = ImportResult()
    try:
        chosen = import_format(fmt)
        if chosen is None:
            chosen = detect_format(stream.read(_HEAD), name)
            stream.seek(0)
        result.format = chosen
        cards = 0
        for item in iter_stream(stream, chosen, name):
            if isinstance(item, Problem):
                if item.fatal:
                    problems.append(item)
                else:
                    result.warnings.append(str(item))
            else:
                cards += 1
                result.contacts.append(item)
    except InterchangeError as error:  # the file as a whole cannot be read
        raise InterchangeError(f"{prefix}{error}") from None
    if chosen == "vcard" and not result.contacts and not problems and result.warnings:
        raise InterchangeError(
            prefix + _("no vCard in this file ({warning}).").format(warning=result.warnings[0])
        )
    if problems and not skip_invalid:
        raise InterchangeError(prefix + refusal(problems[0], len(problems) - 1))
    result.skipped = [str(problem) for problem in problems]
    return result


def refusal(problem: Problem, more: int) -> str:
    """The sentence for an import stopped by a card or row that cannot be read."""
    if more:
        return ngettext(
            "{problem} (and {n} more); nothing was imported (fix it, or use --skip-invalid "
            "to import the rest).",
            "{problem} (and {n} more); nothing was imported (fix them, or use --skip-invalid "
            "to import the rest).",
            more,
        ).format(problem=problem, n=more)
    return _(
        "{problem}; nothing was imported (fix it, or use --skip-invalid to import the rest)."
    ).format(problem=problem)
