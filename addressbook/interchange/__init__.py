"""vCard and CSV import and export.

    export_contacts(contacts, fmt) -> str          fmt: 'vcard' (= 4.0), 'vcard3', 'vcard4', 'csv'
    read_file(path, fmt=None, skip_invalid=False) -> ImportResult
    read_text(text, fmt=None, skip_invalid=False) -> ImportResult

Import is all or nothing by default: one broken card or row raises InterchangeError naming
it ("card 3 (line 17): …", "row 5: …") and nothing is returned. With skip_invalid the
valid ones are returned and each skipped one is listed in ImportResult.skipped.
The formats themselves are described in `vcard` and `table` (CSV).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from addressbook.errors import InterchangeError
from addressbook.interchange._common import Problem, decode
from addressbook.interchange.table import read_csv, write_csv
from addressbook.interchange.vcard import read_vcards, write_vcards
from addressbook.model import Contact

EXPORT_FORMATS = ("vcard", "vcard3", "vcard4", "csv")
IMPORT_FORMATS = ("vcard", "csv")
VCARD_SUFFIXES = (".vcf", ".vcard", ".vcards")
FILE_SUFFIXES = {"vcard": ".vcf", "vcard3": ".vcf", "vcard4": ".vcf", "csv": ".csv"}

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ImportResult",
    "detect_format",
    "export_contacts",
    "read_file",
    "read_text",
]

_VCARD_START = re.compile(r"\s*BEGIN:VCARD", re.IGNORECASE)


@dataclass
class ImportResult:
    """What an import read: the contacts (normalised) and one line per skipped card/row."""

    contacts: list[Contact] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    format: str = ""  # 'vcard' or 'csv': what the file was read as


def export_contacts(contacts: Iterable[Contact], fmt: str) -> str:
    """Contacts as one vCard (4.0 for 'vcard', or 'vcard3'/'vcard4') or CSV text."""
    if fmt == "csv":
        return write_csv(contacts)
    if fmt in ("vcard", "vcard4"):
        return write_vcards(contacts, "4.0")
    if fmt == "vcard3":
        return write_vcards(contacts, "3.0")
    raise InterchangeError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")


def detect_format(text: str, name: str = "") -> str:
    """'vcard' or 'csv', from the content (a card starts it) or else from the file name."""
    if _VCARD_START.match(text[:200]):
        return "vcard"
    if name.lower().endswith(VCARD_SUFFIXES):
        return "vcard"
    return "csv"


def read_text(text: str, fmt: str | None = None, skip_invalid: bool = False) -> ImportResult:
    """Read contacts from text (see read_file)."""
    return _collect(text, fmt, skip_invalid, name="")


def read_file(path: Path, fmt: str | None = None, skip_invalid: bool = False) -> ImportResult:
    """Read the contacts of a vCard or CSV file (fmt None: detected from name and content).

    Accepts UTF-8 with or without BOM, UTF-16 and Windows-1252, and any line ends.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InterchangeError(f"cannot read {path}: {error.strerror or error}") from None
    return _collect(decode(data, str(path)), fmt, skip_invalid, name=str(path))


def _collect(text: str, fmt: str | None, skip_invalid: bool, name: str) -> ImportResult:
    text = text.lstrip("\ufeff")
    fmt = _import_format(fmt) or detect_format(text, name)
    prefix = f"{name}: " if name else ""
    result = ImportResult(format=fmt)
    problems: list[Problem] = []
    try:
        for item in _items(text, fmt):
            if isinstance(item, Problem):
                problems.append(item)
            else:
                result.contacts.append(item)
    except InterchangeError as error:  # the file as a whole cannot be read
        raise InterchangeError(f"{prefix}{error}") from None
    if problems and not skip_invalid:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InterchangeError(
            f"{prefix}{problems[0]}{more}; nothing was imported "
            "(fix it, or use --skip-invalid to import the rest)."
        )
    result.skipped = [str(problem) for problem in problems]
    return result


def _import_format(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    if fmt in ("vcard", "vcard3", "vcard4"):
        return "vcard"
    if fmt == "csv":
        return "csv"
    raise InterchangeError(f"unknown import format {fmt!r}; use vcard or csv")


def _items(text: str, fmt: str) -> Iterator[Contact | Problem]:
    return read_vcards(text) if fmt == "vcard" else read_csv(text)
