"""CSV: write ours; read ours and the CSV of the programs people use (told apart by header).

Our CSV (RFC 4180: comma, double quotes, CRLF, UTF-8 without BOM) has one header row of
our field names and one row per contact:

    display_name, given_name, family_name, nickname, organization, title,
    email, email.home, email.other,                       (email = a work email)
    phone.work, phone.mobile, phone.fax, phone.ddi, phone.default, phone.other,
    address.street, address.street.city, address.street.region,
    address.street.postcode, address.street.country,
    address.postal, address.postal.city, … (the same five for the postal address),
    url, url.home, url.other,                             (url = a work web address)
    birthday, categories, notes, status [, extra] [, list_order]

- Several items of one kind get numbered columns after the first: `email.2`,
  `phone.mobile.2`, `address.street.2`, `address.street.2.city`, `url.2`, … (as many as
  the contact with the most of that kind needs; the unnumbered columns are always there).
- An address's street lines share one cell, one line per line ('\\n' between them);
  categories likewise one per line; notes keep their line breaks inside the cell.
- `extra` (only when a contact has any): the kept card properties as JSON, as in the
  model (`[{"name": "PHOTO", "params": {…}, "value": "…"}]`).
- Lists are read back in the order of the columns. When a contact's emails, phones,
  addresses or urls are in another order, the `list_order` column names the columns in
  the contact's order, e.g. `email.home email phone.mobile`; it is left out when no
  contact needs it.
- On import `email.work` / `url.work` are accepted, column names are matched without
  regard to case, and an unknown column is an error (so no data is silently dropped).

Other programs' CSV (the header tells which; the one whose columns it matches best):
Google Contacts (old: 'Name', 'Given Name', 'E-mail 1 - Type' …; new: 'First Name',
'E-mail 1 - Label', 'Organization Name' …), Outlook (English, German, French, Spanish,
Italian and Dutch headers: 'E-mail Address', 'E-Mail-Adresse', 'Adresse de messagerie' …),
Thunderbird ('Primary Email', 'Work Phone', 'Birth Year' …) and Apple Contacts / Numbers
exports ('Email (work)', 'Phone (mobile)' …). Every email, phone, address and web column
each writes is read; name parts, nickname, organisation, job title, birthday, categories
and notes are mapped; any other non-empty cell is kept in `extra` as
`X-CSV;COLUMN="<header>":<text>` (written back on a vCard export), except what those
programs fill in by themselves (Outlook's 'Priority' 'Normal', 'Private' 'False', an
empty date '0.0.00', the name's initials, an e-mail display name naming the address):
a cell of such a column that holds anything else is kept too.

Separators: comma, semicolon or tab (from the header row). Encodings: UTF-8 and UTF-16
with BOM, UTF-16 without (sniffed), else UTF-8 if the bytes are, else the likeliest code
page (Shift_JIS, Windows-1251, Windows-1252).

Rows are numbered as a spreadsheet numbers them: the header is row 1. A row with nothing
to show it by cannot be imported; a row that is entirely empty is ignored.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from addressbook.errors import InterchangeError
from addressbook.i18n import _
from addressbook.interchange._common import Problem, bom_codec, finish, guess_legacy
from addressbook.model import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    STATUSES,
    URL_KINDS,
    Address,
    Contact,
    ContactDraft,
    Email,
    Phone,
    Url,
)

NAME_COLUMNS = ("display_name", "given_name", "family_name", "nickname", "organization", "title")
TAIL_COLUMNS = ("birthday", "categories", "notes", "status")
EXTRA_COLUMN = "extra"
ORDER_COLUMN = "list_order"
ADDRESS_PARTS = ("city", "region", "postcode", "country")
EMAIL_BASE = {"work": "email", "home": "email.home", "other": "email.other"}
URL_BASE = {"work": "url", "home": "url.home", "other": "url.other"}
MAX_FIELD = 64 * 1024 * 1024  # photos in extra, long notes; the csv module's cap is 128 KiB
_SNIFF = 64 * 1024

# ------------------------------------------------------------------------------ writing


def _numbered(base: str, number: int) -> str:
    return base if number == 1 else f"{base}.{number}"


def _slots(contact: Contact) -> list[str]:
    """The slot column of each email, phone, address and url, in the contact's order."""
    slots: list[str] = []
    seen: dict[str, int] = {}
    bases = [EMAIL_BASE[e.kind] for e in contact.emails]
    bases += [f"phone.{p.kind}" for p in contact.phones]
    bases += [f"address.{a.kind}" for a in contact.addresses]
    bases += [URL_BASE.get(u.kind, "url.other") for u in contact.urls]
    for base in bases:
        seen[base] = seen.get(base, 0) + 1
        slots.append(_numbered(base, seen[base]))
    return slots


def _header(contacts: list[Contact]) -> list[str]:
    counts: dict[str, int] = {}
    for contact in contacts:
        per: dict[str, int] = {}
        for slot in _slots(contact):
            base = re.sub(r"\.\d+$", "", slot)
            per[base] = per.get(base, 0) + 1
        for base, count in per.items():
            counts[base] = max(counts.get(base, 1), count)
    header = list(NAME_COLUMNS)
    for base in [EMAIL_BASE[k] for k in EMAIL_KINDS] + [f"phone.{k}" for k in PHONE_KINDS]:
        header += [_numbered(base, n) for n in range(1, counts.get(base, 1) + 1)]
    for kind in ADDRESS_KINDS:
        for n in range(1, counts.get(f"address.{kind}", 1) + 1):
            slot = _numbered(f"address.{kind}", n)
            header += [slot] + [f"{slot}.{part}" for part in ADDRESS_PARTS]
    for base in [URL_BASE[k] for k in URL_KINDS]:
        header += [_numbered(base, n) for n in range(1, counts.get(base, 1) + 1)]
    return header + list(TAIL_COLUMNS)


def _row(contact: Contact, position: dict[str, int]) -> tuple[dict[str, str], str]:
    """The cells of one contact, and its list_order ('' when the column order is right)."""
    cells = {
        name: getattr(contact, name) for name in NAME_COLUMNS + ("birthday", "notes", "status")
    }
    cells["categories"] = "\n".join(contact.categories)
    if contact.extra:
        cells[EXTRA_COLUMN] = json.dumps(contact.extra, ensure_ascii=False)
    slots = _slots(contact)
    values: list[str | Address] = [e.address for e in contact.emails]
    values += [p.number for p in contact.phones]
    values += list(contact.addresses)
    values += [u.url for u in contact.urls]
    for slot, value in zip(slots, values, strict=True):
        if isinstance(value, Address):
            cells[slot] = "\n".join(value.lines)
            for part in ADDRESS_PARTS:
                cells[f"{slot}.{part}"] = getattr(value, part)
        else:
            cells[slot] = value
    in_order = slots == sorted(slots, key=position.__getitem__)
    return cells, "" if in_order else " ".join(slots)


def write_csv(contacts: Iterable[Contact]) -> str:
    """Our CSV for contacts (see the module docstring)."""
    listed = list(contacts)
    header = _header(listed)
    position = {name: index for index, name in enumerate(header)}
    rows = []
    for contact in listed:
        cells, order = _row(contact, position)
        if order:
            cells[ORDER_COLUMN] = order
        rows.append(cells)
    if any(EXTRA_COLUMN in cells for cells in rows):
        header.append(EXTRA_COLUMN)
    if any(ORDER_COLUMN in cells for cells in rows):
        header.append(ORDER_COLUMN)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cells.get(name, "") for name in header] for cells in rows)
    return out.getvalue()


# ------------------------------------------------------------------------------ reading


def text_stream(stream: BinaryIO) -> io.TextIOWrapper:
    """The CSV byte stream as text, in the encoding its first 64 KiB show."""
    start = stream.tell()
    sample = stream.read(_SNIFF)
    stream.seek(start)
    codec, skip = bom_codec(sample)
    if codec is None:
        try:
            # A multi-byte character may be cut at the end of the sample.
            sample.decode("utf-8") if len(sample) < _SNIFF else sample[:-4].decode("utf-8")
            codec = "utf-8"
        except UnicodeDecodeError:
            codec = guess_legacy(sample)
    if skip:
        stream.read(skip)
    errors = "strict" if codec.startswith("utf-16") else "replace"
    return io.TextIOWrapper(stream, encoding=codec, errors=errors, newline="")  # type: ignore[arg-type]


def read_csv(text: str) -> Iterator[Contact | Problem]:
    """Each row of a CSV text as a Contact or a Problem (see read_csv_stream)."""
    return _read_rows(io.StringIO(text.lstrip("\ufeff"), newline=""))


def read_csv_stream(stream: BinaryIO) -> Iterator[Contact | Problem]:
    """Each row of a CSV byte stream as a Contact or a Problem.

    A header that is no program's raises InterchangeError naming the programs known.
    """
    text = text_stream(stream)
    try:
        yield from _read_rows(text)
    except UnicodeDecodeError as error:
        raise InterchangeError(
            _("the file is not valid {encoding} text; save it again as UTF-8 and retry.").format(
                encoding=error.encoding.upper()
            )
        ) from None
    finally:
        text.detach()  # the caller closes the file


def _read_rows(text: io.TextIOBase) -> Iterator[Contact | Problem]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    first = text.readline()
    delimiter = _delimiter(first)
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InterchangeError(
            _("row 1: the header row cannot be read ({error})").format(error=error)
        ) from None
    if header is None or not any(cell.strip() for cell in header):
        return
    keys = [cell.strip().lstrip("\ufeff").strip().lower() for cell in header]
    read_row = _reader_for(keys, [cell.strip() for cell in header])
    yield from _rows(reader, keys, read_row)


def _chain(first: str, rest: io.TextIOBase) -> Iterator[str]:
    yield first
    yield from rest


def _rows(
    reader: Iterator[list[str]], keys: list[str], read_row: RowReader
) -> Iterator[Contact | Problem]:
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Problem(
                _("row {n}").format(n=number),
                _("cannot be read ({error}); the rows after it neither").format(error=error),
                card=number,
            )
            return
        if not any(cell.strip() for cell in cells):
            continue
        surplus = [cell for cell in cells[len(keys) :] if cell.strip()]
        if surplus:
            yield Problem(
                _("row {n}").format(n=number),
                _("{cells} cells but the header has {columns} columns (an unquoted comma?)").format(
                    cells=len(cells), columns=len(keys)
                ),
                card=number,
            )
            continue
        yield read_row(cells, _("row {n}").format(n=number), number)


def _delimiter(first: str) -> str:
    """',' unless the header row plainly uses ';' (Outlook in some locales) or tabs."""
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


RowReader = Callable[[list[str], str, int], "Contact | Problem"]


def _reader_for(keys: list[str], names: list[str]) -> RowReader:
    if any(key in _OUR_MARKERS or _our_column(key) for key in keys) and not _THEIRS & set(keys):
        unknown = [
            name
            for key, name in zip(keys, names, strict=True)
            if key and not (key in _OUR_SCALARS or _our_column(key))
        ]
        if unknown:
            raise InterchangeError(
                _(
                    "row 1: unknown column {column} (known: display_name, given_name, "
                    "family_name, nickname, organization, title, email, email.home, "
                    "email.other, phone.KIND, address.street, address.postal, url, birthday, "
                    "categories, notes, status)"
                ).format(column=repr(unknown[0]))
            )
        return lambda cells, where, n: _read_ours(dict(zip(keys, cells, strict=False)), where, n)
    best: tuple[int, Program] | None = None
    for program in PROGRAMS:
        score = sum(1 for key in keys if program.target(key) is not None)
        if score and (best is None or score > best[0]):
            best = (score, program)
    if best is None or (best[0] < 2 and not _one_handle(keys, best[1])):
        raise InterchangeError(
            _(
                "row 1: the header row is not one of the CSV formats known: addressbook's "
                "(display_name, email …), Google Contacts' (Name or First Name, E-mail 1 - "
                "Value …), Outlook's (First Name, E-mail Address …, also in German, French, "
                "Spanish, Italian and Dutch), Thunderbird's (Display Name, Primary Email …) "
                "or Apple Contacts' (First name, Email (work) …); export the contacts from "
                "your program again as one of these."
            )
        )
    program = best[1]
    targets = [program.target(key) for key in keys]
    return lambda cells, where, n: _read_mapped(program, names, targets, cells, where, n)


def _one_handle(keys: list[str], program: Program) -> bool:
    """A header of one known column is enough when that column is an email or phone: a
    list of addresses (Thunderbird's 'Primary Email' alone) is a file people make."""
    targets = [program.target(key) for key in keys]
    return any(
        target is not None
        and (target[0] in ("email", "phone") or (target[0] == "google" and target[1] in _HANDLES))
        for target in targets
    )


_HANDLES = frozenset(("e-mail", "email", "phone"))


# ---- ours

_OUR_SCALARS = frozenset(NAME_COLUMNS + TAIL_COLUMNS + (ORDER_COLUMN, EXTRA_COLUMN))
# Columns only our CSV has ('title' and 'notes' are Outlook's and Google's too).
_OUR_MARKERS = frozenset(("display_name", "given_name", "family_name"))
# Headers that only other programs' CSV has (Thunderbird's 'Organization' is no sign of ours).
_THEIRS = frozenset(("first name", "display name", "primary email", "name", "given name"))
_OUR_EMAIL = re.compile(r"email(?:\.(work|home|other))?(?:\.(\d+))?")
_OUR_URL = re.compile(r"url(?:\.(work|home|other))?(?:\.(\d+))?")
_OUR_PHONE = re.compile(rf"phone\.({'|'.join(PHONE_KINDS)})(?:\.(\d+))?")
_OUR_ADDRESS = re.compile(
    rf"address\.({'|'.join(ADDRESS_KINDS)})(?:\.(\d+))?(?:\.({'|'.join(ADDRESS_PARTS)}|lines))?"
)


def _our_column(key: str) -> tuple[str, str, str] | None:
    """(slot, group, part) of one of our list columns, e.g. ('phone.mobile.2', 'phone', '')."""
    if match := _OUR_EMAIL.fullmatch(key):
        kind, number = match.group(1) or "work", int(match.group(2) or 1)
        return _numbered(EMAIL_BASE[kind], number), "email", kind
    if match := _OUR_URL.fullmatch(key):
        kind, number = match.group(1) or "work", int(match.group(2) or 1)
        return _numbered(URL_BASE[kind], number), "url", kind
    if match := _OUR_PHONE.fullmatch(key):
        kind, number = match.group(1), int(match.group(2) or 1)
        return _numbered(f"phone.{kind}", number), "phone", kind
    if match := _OUR_ADDRESS.fullmatch(key):
        kind, number = match.group(1), int(match.group(2) or 1)
        part = match.group(3) or "lines"
        return _numbered(f"address.{kind}", number), "address", f"{kind}:{part}"
    return None


def _read_ours(row: dict[str, str], where: str, number: int) -> Contact | Problem:
    status = row.get("status", "").strip().lower() or "active"
    if status not in STATUSES:
        return Problem(
            where,
            _("unknown status {status} (active, archived or read-only)").format(
                status=repr(status)
            ),
            card=number,
        )
    extra: list[dict[str, Any]] = []
    if row.get(EXTRA_COLUMN, "").strip():
        try:
            loaded = json.loads(row[EXTRA_COLUMN])
            extra = [item for item in loaded if isinstance(item, dict)]
        except (ValueError, TypeError):
            return Problem(
                where, _("the extra column is not the JSON addressbook writes"), card=number
            )
    contact = ContactDraft(
        display_name=row.get("display_name", ""),
        given_name=row.get("given_name", ""),
        family_name=row.get("family_name", ""),
        nickname=row.get("nickname", ""),
        organization=row.get("organization", ""),
        title=row.get("title", ""),
        birthday=row.get("birthday", ""),
        categories=row.get("categories", "").split("\n"),
        notes=row.get("notes", ""),
        status=status,
        extra=extra,
    )
    items: dict[str, Email | Phone | Address | Url] = {}  # slot → item, in column order
    parts: dict[str, dict[str, Any]] = {}  # an address slot → its parts, as they come
    for key, value in row.items():
        column = _our_column(key)
        if column is None:
            continue
        slot, group, kind = column
        if group == "email" and value.strip():
            items[slot] = Email(value, kind)
        elif group == "url" and value.strip():
            items[slot] = Url(value, kind)
        elif group == "phone" and value.strip():
            items[slot] = Phone(value, kind)
        elif group == "address":
            address_kind, part = kind.split(":")
            held = parts.setdefault(slot, {"kind": address_kind})
            held[part] = (value.split("\n") if value else []) if part == "lines" else value
            items[slot] = Address(**held)
    ordered = [items.pop(slot) for slot in row.get(ORDER_COLUMN, "").split() if slot in items]
    ordered += items.values()
    contact.emails = [item for item in ordered if isinstance(item, Email)]
    contact.phones = [item for item in ordered if isinstance(item, Phone)]
    contact.addresses = [item for item in ordered if isinstance(item, Address)]
    contact.urls = [item for item in ordered if isinstance(item, Url)]
    return finish(contact, where, number)


# ---- other programs, by their columns

# A column's meaning: ('given',) ('email', kind) ('addr', place, part) ('bday', 'year') …
Target = tuple[str, ...]


@dataclass(frozen=True)
class Program:
    """A program's CSV columns (lower case) and how it writes dates ('mdy', 'dmy', 'ymd')."""

    name: str
    columns: dict[str, Target]
    dates: str = "ymd"
    numbered: bool = False  # Google's 'E-mail 1 - Value' columns
    ignored: frozenset[str] = field(default_factory=frozenset)

    def target(self, key: str) -> Target | None:
        found = self.columns.get(key)
        if found is not None:
            return found
        if self.numbered and (match := _GOOGLE_COLUMN.fullmatch(key)):
            return ("google", match.group(1), match.group(2), match.group(3))
        if key in self.ignored:
            return ("ignore",)
        return None


def _columns(pairs: Iterable[tuple[str, Target]]) -> dict[str, Target]:
    return {name.lower(): target for name, target in pairs}


def _outlook_addresses(
    places: dict[str, str], parts: dict[str, str], pattern: str
) -> list[tuple[str, Target]]:
    """Outlook's address columns: pattern '{part} {place}' filled for each place and part."""
    return [
        (pattern.format(part=part_name, place=place_name), ("addr", place, part))
        for place, place_name in places.items()
        for part, part_name in parts.items()
    ]


_OUTLOOK_EN = _columns(
    [
        ("First Name", ("given",)),
        ("Middle Name", ("middle",)),
        ("Last Name", ("family",)),
        ("Title", ("prefix",)),  # the honorific (Mr, Dr); the job is 'Job Title'
        ("Suffix", ("suffix",)),
        ("Nickname", ("nickname",)),
        ("Company", ("org",)),
        ("Department", ("department",)),
        ("Job Title", ("title",)),
        ("Notes", ("notes",)),
        ("Birthday", ("birthday",)),
        ("Categories", ("categories",)),
        ("Web Page", ("url", "work")),
        ("E-mail Address", ("email", "work")),
        ("E-mail 2 Address", ("email", "other")),
        ("E-mail 3 Address", ("email", "other")),
        ("Primary Phone", ("phone", "default")),
        ("Company Main Phone", ("phone", "default")),
        ("Business Phone", ("phone", "work")),
        ("Business Phone 2", ("phone", "work")),
        ("Mobile Phone", ("phone", "mobile")),
        ("Car Phone", ("phone", "mobile")),
        ("Business Fax", ("phone", "fax")),
        ("Home Fax", ("phone", "fax")),
        ("Other Fax", ("phone", "fax")),
        ("Home Phone", ("phone", "other")),
        ("Home Phone 2", ("phone", "other")),
        ("Other Phone", ("phone", "other")),
        ("Assistant's Phone", ("phone", "other")),
        ("Pager", ("phone", "other")),
        ("Callback", ("phone", "other")),
        ("Radio Phone", ("phone", "other")),
        ("TTY/TDD Phone", ("phone", "other")),
        ("Telex", ("phone", "other")),
        ("ISDN", ("phone", "other")),
        ("Business Address", ("addr", "business", "formatted")),
        ("Home Address", ("addr", "home", "formatted")),
        ("Other Address", ("addr", "other", "formatted")),
        ("Business Address PO Box", ("addr", "business", "box")),
        ("Home Address PO Box", ("addr", "home", "box")),
        ("Other Address PO Box", ("addr", "other", "box")),
        ("Business Country", ("addr", "business", "country")),
        ("Home Country", ("addr", "home", "country")),
        ("Other Country", ("addr", "other", "country")),
    ]
    + _outlook_addresses(
        {"business": "Business", "home": "Home", "other": "Other"},
        {
            "street": "Street",
            "street2": "Street 2",
            "street3": "Street 3",
            "city": "City",
            "region": "State",
            "postcode": "Postal Code",
            "country": "Country/Region",
            "box": "PO Box",
        },
        "{place} {part}",
    )
)
_OUTLOOK_IGNORED = frozenset(
    name.lower()
    for name in (
        "E-mail Type",
        "E-mail Display Name",
        "E-mail 2 Type",
        "E-mail 2 Display Name",
        "E-mail 3 Type",
        "E-mail 3 Display Name",
        "Priority",
        "Sensitivity",
        "Private",
        "Gender",
        "Initials",
        "Anniversary",
        # German
        "E-Mail-Typ",
        "E-Mail: Angezeigter Name",
        "E-Mail 2: Typ",
        "E-Mail 2: Angezeigter Name",
        "E-Mail 3: Typ",
        "E-Mail 3: Angezeigter Name",
        "Priorität",
        "Vertraulichkeit",
        "Privat",
        "Geschlecht",
        "Initialen",
        "Jahrestag",
        # French
        "Type de messagerie",
        "Nom complet de l'adresse de messagerie",
        "Type de messagerie 2",
        "Nom complet de l'adresse de messagerie 2",
        "Type de messagerie 3",
        "Nom complet de l'adresse de messagerie 3",
        "Priorité",
        "Critère de diffusion",
        "Privé",
        "Sexe",
        "Initiales",
        # Spanish
        "Tipo de correo electrónico",
        "Nombre para mostrar del correo electrónico",
        "Tipo de correo electrónico 2",
        "Nombre para mostrar del correo electrónico 2",
        "Tipo de correo electrónico 3",
        "Nombre para mostrar del correo electrónico 3",
        "Prioridad",
        "Confidencialidad",
        "Privado",
        "Sexo",
        "Iniciales",
        # Italian
        "Tipo posta elettronica",
        "Nome visualizzato posta elettronica",
        "Tipo posta elettronica 2",
        "Nome visualizzato posta elettronica 2",
        "Tipo posta elettronica 3",
        "Nome visualizzato posta elettronica 3",
        "Priorità",
        "Riservatezza",
        "Privato",
        "Sesso",
        "Iniziali",
        # Dutch
        "E-mailtype",
        "Weergavenaam van e-mail",
        "E-mailtype 2",
        "Weergavenaam van e-mail 2",
        "E-mailtype 3",
        "Weergavenaam van e-mail 3",
        "Prioriteit",
        "Gevoeligheid",
        "Privé",
        "Geslacht",
        "Initialen",
    )
)

# Localised Outlook exports: the same columns in the language of the Office installed.
_OUTLOOK_DE = _columns(
    [
        ("Anrede", ("prefix",)),
        ("Vorname", ("given",)),
        ("Weitere Vornamen", ("middle",)),
        ("Nachname", ("family",)),
        ("Suffix", ("suffix",)),
        ("Spitzname", ("nickname",)),
        ("Firma", ("org",)),
        ("Abteilung", ("department",)),
        ("Position", ("title",)),
        ("Notizen", ("notes",)),
        ("Geburtstag", ("birthday",)),
        ("Kategorien", ("categories",)),
        ("Webseite", ("url", "work")),
        ("E-Mail-Adresse", ("email", "work")),
        ("E-Mail 2: Adresse", ("email", "other")),
        ("E-Mail 3: Adresse", ("email", "other")),
        ("Haupttelefon", ("phone", "default")),
        ("Telefon Firma", ("phone", "default")),
        ("Telefon geschäftlich", ("phone", "work")),
        ("Telefon geschäftlich 2", ("phone", "work")),
        ("Mobiltelefon", ("phone", "mobile")),
        ("Mobiltelefon 2", ("phone", "mobile")),
        ("Autotelefon", ("phone", "mobile")),
        ("Fax geschäftlich", ("phone", "fax")),
        ("Fax privat", ("phone", "fax")),
        ("Weiteres Fax", ("phone", "fax")),
        ("Telefon privat", ("phone", "other")),
        ("Telefon (privat)", ("phone", "other")),
        ("Telefon privat 2", ("phone", "other")),
        ("Telefon (privat 2)", ("phone", "other")),
        ("Weiteres Telefon", ("phone", "other")),
        ("Telefon Assistent", ("phone", "other")),
        ("Pager", ("phone", "other")),
        ("Rückmeldung", ("phone", "other")),
        ("ISDN", ("phone", "other")),
        ("Telefon für Hörbehinderte", ("phone", "other")),
        ("Telex", ("phone", "other")),
        ("Straße geschäftlich", ("addr", "business", "street")),
        ("Straße geschäftlich 2", ("addr", "business", "street2")),
        ("Straße geschäftlich 3", ("addr", "business", "street3")),
        ("Ort geschäftlich", ("addr", "business", "city")),
        ("Region geschäftlich", ("addr", "business", "region")),
        ("Postleitzahl geschäftlich", ("addr", "business", "postcode")),
        ("Land/Region geschäftlich", ("addr", "business", "country")),
        ("Land geschäftlich", ("addr", "business", "country")),
        ("Postfach geschäftlich", ("addr", "business", "box")),
        ("Straße privat", ("addr", "home", "street")),
        ("Straße privat 2", ("addr", "home", "street2")),
        ("Straße privat 3", ("addr", "home", "street3")),
        ("Ort privat", ("addr", "home", "city")),
        ("Bundesland/Kanton privat", ("addr", "home", "region")),
        ("Region privat", ("addr", "home", "region")),
        ("Postleitzahl privat", ("addr", "home", "postcode")),
        ("Land/Region privat", ("addr", "home", "country")),
        ("Land privat", ("addr", "home", "country")),
        ("Postfach privat", ("addr", "home", "box")),
        ("Weitere Straße", ("addr", "other", "street")),
        ("Weitere Straße 2", ("addr", "other", "street2")),
        ("Weitere Straße 3", ("addr", "other", "street3")),
        ("Weiterer Ort", ("addr", "other", "city")),
        ("Weiteres/r Bundesland/Kanton", ("addr", "other", "region")),
        ("Weitere Postleitzahl", ("addr", "other", "postcode")),
        ("Weiteres/e Land/Region", ("addr", "other", "country")),
        ("Weiteres Postfach", ("addr", "other", "box")),
    ]
)
_OUTLOOK_FR = _columns(
    [
        ("Titre", ("prefix",)),
        ("Prénom", ("given",)),
        ("Deuxième prénom", ("middle",)),
        ("Nom", ("family",)),
        ("Suffixe", ("suffix",)),
        ("Surnom", ("nickname",)),
        ("Société", ("org",)),
        ("Service", ("department",)),
        ("Poste", ("title",)),
        ("Notes", ("notes",)),
        ("Anniversaire", ("birthday",)),
        ("Catégories", ("categories",)),
        ("Page Web", ("url", "work")),
        ("Adresse de messagerie", ("email", "work")),
        ("Adresse de messagerie 2", ("email", "other")),
        ("Adresse de messagerie 3", ("email", "other")),
        ("Téléphone principal", ("phone", "default")),
        ("Téléphone société", ("phone", "default")),
        ("Téléphone (bureau)", ("phone", "work")),
        ("Téléphone 2 (bureau)", ("phone", "work")),
        ("Tél. mobile", ("phone", "mobile")),
        ("Téléphone (voiture)", ("phone", "mobile")),
        ("Télécopie (bureau)", ("phone", "fax")),
        ("Télécopie (domicile)", ("phone", "fax")),
        ("Télécopie (autre)", ("phone", "fax")),
        ("Téléphone (domicile)", ("phone", "other")),
        ("Téléphone 2 (domicile)", ("phone", "other")),
        ("Téléphone (autre)", ("phone", "other")),
        ("Téléphone de l'assistant(e)", ("phone", "other")),
        ("Récepteur de radiomessagerie", ("phone", "other")),
        ("Rappel", ("phone", "other")),
        ("RNIS", ("phone", "other")),
        ("Radiotéléphone", ("phone", "other")),
        ("Téléphone TDD/TTY", ("phone", "other")),
        ("Télex", ("phone", "other")),
    ]
)
_OUTLOOK_ES = _columns(
    [
        ("Tratamiento", ("prefix",)),
        ("Nombre", ("given",)),
        ("Segundo nombre", ("middle",)),
        ("Apellidos", ("family",)),
        ("Sufijo", ("suffix",)),
        ("Alias", ("nickname",)),
        ("Organización", ("org",)),
        ("Compañía", ("org",)),
        ("Departamento", ("department",)),
        ("Puesto", ("title",)),
        ("Notas", ("notes",)),
        ("Cumpleaños", ("birthday",)),
        ("Categorías", ("categories",)),
        ("Página Web", ("url", "work")),
        ("Dirección de correo electrónico", ("email", "work")),
        ("Dirección de correo electrónico 2", ("email", "other")),
        ("Dirección de correo electrónico 3", ("email", "other")),
        ("Dirección del correo electrónico 2", ("email", "other")),
        ("Dirección del correo electrónico 3", ("email", "other")),
        ("Teléfono principal", ("phone", "default")),
        ("Número de centralita de la organización", ("phone", "default")),
        ("Teléfono del trabajo", ("phone", "work")),
        ("Teléfono del trabajo 2", ("phone", "work")),
        ("Móvil", ("phone", "mobile")),
        ("Teléfono móvil", ("phone", "mobile")),
        ("Teléfono del automóvil", ("phone", "mobile")),
        ("Fax del trabajo", ("phone", "fax")),
        ("Fax particular", ("phone", "fax")),
        ("Otro fax", ("phone", "fax")),
        ("Particular", ("phone", "other")),
        ("Teléfono particular", ("phone", "other")),
        ("Teléfono particular 2", ("phone", "other")),
        ("Otro teléfono", ("phone", "other")),
        ("Teléfono del ayudante", ("phone", "other")),
        ("Localizador", ("phone", "other")),
        ("Devolución de llamada", ("phone", "other")),
        ("RDSI", ("phone", "other")),
        ("Radioteléfono", ("phone", "other")),
        ("Teléfono TTY/TDD", ("phone", "other")),
        ("Télex", ("phone", "other")),
        ("Calle del trabajo", ("addr", "business", "street")),
        ("Calle del trabajo 2", ("addr", "business", "street2")),
        ("Calle del trabajo 3", ("addr", "business", "street3")),
        ("Ciudad de trabajo", ("addr", "business", "city")),
        ("Provincia o estado de trabajo", ("addr", "business", "region")),
        ("Código postal del trabajo", ("addr", "business", "postcode")),
        ("País o región del trabajo", ("addr", "business", "country")),
        ("Apartado postal del trabajo", ("addr", "business", "box")),
        ("Calle del domicilio", ("addr", "home", "street")),
        ("Calle del domicilio 2", ("addr", "home", "street2")),
        ("Calle del domicilio 3", ("addr", "home", "street3")),
        ("Ciudad de residencia", ("addr", "home", "city")),
        ("Provincia o estado de residencia", ("addr", "home", "region")),
        ("Código postal de residencia", ("addr", "home", "postcode")),
        ("País o región de residencia", ("addr", "home", "country")),
        ("Apartado postal del domicilio", ("addr", "home", "box")),
        ("Otra calle", ("addr", "other", "street")),
        ("Otra calle 2", ("addr", "other", "street2")),
        ("Otra calle 3", ("addr", "other", "street3")),
        ("Otra ciudad", ("addr", "other", "city")),
        ("Otra provincia o estado", ("addr", "other", "region")),
        ("Otro código postal", ("addr", "other", "postcode")),
        ("Otro país o región", ("addr", "other", "country")),
        ("Otro apartado postal", ("addr", "other", "box")),
    ]
)
_OUTLOOK_IT = _columns(
    [
        ("Titolo", ("prefix",)),
        ("Nome", ("given",)),
        ("Secondo nome", ("middle",)),
        ("Cognome", ("family",)),
        ("Titolo accademico", ("suffix",)),
        ("Suffisso", ("suffix",)),
        ("Soprannome", ("nickname",)),
        ("Società", ("org",)),
        ("Reparto", ("department",)),
        ("Posizione", ("title",)),
        ("Note", ("notes",)),
        ("Notes", ("notes",)),
        ("Compleanno", ("birthday",)),
        ("Categorie", ("categories",)),
        ("Pagina Web", ("url", "work")),
        ("Indirizzo posta elettronica", ("email", "work")),
        ("Indirizzo posta elettronica 2", ("email", "other")),
        ("Indirizzo posta elettronica 3", ("email", "other")),
        ("Telefono principale", ("phone", "default")),
        ("Telefono principale società", ("phone", "default")),
        ("Ufficio", ("phone", "work")),
        ("Ufficio 2", ("phone", "work")),
        ("Cellulare", ("phone", "mobile")),
        ("Telefono auto", ("phone", "mobile")),
        ("Fax (uff.)", ("phone", "fax")),
        ("Fax (ab.)", ("phone", "fax")),
        ("Altro fax", ("phone", "fax")),
        ("Abitazione", ("phone", "other")),
        ("Abitazione 2", ("phone", "other")),
        ("Altro telefono", ("phone", "other")),
        ("Telefono assistente", ("phone", "other")),
        ("Cercapersone", ("phone", "other")),
        ("Richiamata automatica", ("phone", "other")),
        ("ISDN", ("phone", "other")),
        ("Radiotelefono", ("phone", "other")),
        ("Telefono TTY/TDD", ("phone", "other")),
        ("Telex", ("phone", "other")),
        ("Via (uff.)", ("addr", "business", "street")),
        ("Via (uff.) 2", ("addr", "business", "street2")),
        ("Via (uff.) 3", ("addr", "business", "street3")),
        ("Città (uff.)", ("addr", "business", "city")),
        ("Provincia (uff.)", ("addr", "business", "region")),
        ("CAP (uff.)", ("addr", "business", "postcode")),
        ("Paese/area geografica (uff.)", ("addr", "business", "country")),
        ("Casella postale (uff.)", ("addr", "business", "box")),
        ("Via (ab.)", ("addr", "home", "street")),
        ("Via (ab.) 2", ("addr", "home", "street2")),
        ("Via (ab.) 3", ("addr", "home", "street3")),
        ("Città (ab.)", ("addr", "home", "city")),
        ("Provincia (ab.)", ("addr", "home", "region")),
        ("CAP (ab.)", ("addr", "home", "postcode")),
        ("Paese/area geografica (ab.)", ("addr", "home", "country")),
        ("Casella postale (ab.)", ("addr", "home", "box")),
        ("Altra via", ("addr", "other", "street")),
        ("Altra via 2", ("addr", "other", "street2")),
        ("Altra via 3", ("addr", "other", "street3")),
        ("Altra città", ("addr", "other", "city")),
        ("Altra provincia", ("addr", "other", "region")),
        ("Altro CAP", ("addr", "other", "postcode")),
        ("Altro paese/area geografica", ("addr", "other", "country")),
        ("Altra casella postale", ("addr", "other", "box")),
    ]
)
_OUTLOOK_NL = _columns(
    [
        ("Titel", ("prefix",)),
        ("Voornaam", ("given",)),
        ("Middelste naam", ("middle",)),
        ("Tweede voornaam", ("middle",)),
        ("Achternaam", ("family",)),
        ("Achtervoegsel", ("suffix",)),
        ("Bijnaam", ("nickname",)),
        ("Bedrijf", ("org",)),
        ("Afdeling", ("department",)),
        ("Functie", ("title",)),
        ("Notities", ("notes",)),
        ("Verjaardag", ("birthday",)),
        ("Categorieën", ("categories",)),
        ("Webpagina", ("url", "work")),
        ("E-mailadres", ("email", "work")),
        ("E-mailadres 2", ("email", "other")),
        ("E-mailadres 3", ("email", "other")),
        ("E-mail 2, adres", ("email", "other")),
        ("E-mail 3, adres", ("email", "other")),
        ("Hoofdtelefoon", ("phone", "default")),
        ("Hoofdtelefoon bedrijf", ("phone", "default")),
        ("Telefoon op werk", ("phone", "work")),
        ("Telefoon op werk 2", ("phone", "work")),
        ("Mobiele telefoon", ("phone", "mobile")),
        ("Autotelefoon", ("phone", "mobile")),
        ("Fax op werk", ("phone", "fax")),
        ("Fax thuis", ("phone", "fax")),
        ("Andere fax", ("phone", "fax")),
        ("Telefoon thuis", ("phone", "other")),
        ("Telefoon thuis 2", ("phone", "other")),
        ("Andere telefoon", ("phone", "other")),
        ("Telefoon assistent", ("phone", "other")),
        ("Pager", ("phone", "other")),
        ("Terugbellen", ("phone", "other")),
        ("ISDN", ("phone", "other")),
        ("Radiotelefoon", ("phone", "other")),
        ("Teksttelefoon", ("phone", "other")),
        ("Telex", ("phone", "other")),
    ]
)


def _fill(parts: dict[str, str], places: dict[str, str]) -> list[tuple[str, Target]]:
    return [
        (pattern.format(place=name), ("addr", place, part))
        for place, name in places.items()
        for part, pattern in parts.items()
    ]


_OUTLOOK_FR.update(
    _columns(
        _fill(
            {
                "street": "Rue ({place})",
                "street2": "Rue ({place}) 2",
                "street3": "Rue ({place}) 3",
                "city": "Ville ({place})",
                "region": "Dép/Région ({place})",
                "postcode": "Code postal ({place})",
                "country": "Pays/Région ({place})",
                "box": "B.P. ({place})",
            },
            {"business": "bureau", "home": "domicile", "other": "autre"},
        )
    )
)
_OUTLOOK_NL.update(
    _columns(
        _fill(
            {
                "street": "{place}, straat",
                "street2": "{place} 2, straat",
                "street3": "{place} 3, straat",
                "city": "{place}, plaats",
                "region": "{place}, provincie",
                "postcode": "{place}, postcode",
                "country": "{place}, land/regio",
                "box": "{place}, postbus",
            },
            {"business": "Werkadres", "home": "Huisadres", "other": "Ander adres"},
        )
    )
)

_THUNDERBIRD = _columns(
    [
        ("First Name", ("given",)),
        ("Last Name", ("family",)),
        ("Display Name", ("display",)),
        ("Nickname", ("nickname",)),
        ("Primary Email", ("email", "work")),
        ("Secondary Email", ("email", "other")),
        ("Work Phone", ("phone", "work")),
        ("Home Phone", ("phone", "other")),
        ("Fax Number", ("phone", "fax")),
        ("Pager Number", ("phone", "other")),
        ("Mobile Number", ("phone", "mobile")),
        ("Home Address", ("addr", "home", "street")),
        ("Home Address 2", ("addr", "home", "street2")),
        ("Home City", ("addr", "home", "city")),
        ("Home State", ("addr", "home", "region")),
        ("Home ZipCode", ("addr", "home", "postcode")),
        ("Home Country", ("addr", "home", "country")),
        ("Work Address", ("addr", "business", "street")),
        ("Work Address 2", ("addr", "business", "street2")),
        ("Work City", ("addr", "business", "city")),
        ("Work State", ("addr", "business", "region")),
        ("Work ZipCode", ("addr", "business", "postcode")),
        ("Work Country", ("addr", "business", "country")),
        ("Job Title", ("title",)),
        ("Department", ("department",)),
        ("Organization", ("org",)),
        ("Web Page 1", ("url", "work")),
        ("Web Page 2", ("url", "home")),
        ("Birth Year", ("bday", "year")),
        ("Birth Month", ("bday", "month")),
        ("Birth Day", ("bday", "day")),
        ("Notes", ("notes",)),
    ]
)

# Apple Contacts has no CSV export of its own; the exports people make of it (Numbers,
# "Exporter for Contacts") label columns like this.
_APPLE = _columns(
    [
        ("First name", ("given",)),
        ("Middle name", ("middle",)),
        ("Last name", ("family",)),
        ("Prefix", ("prefix",)),
        ("Suffix", ("suffix",)),
        ("Nickname", ("nickname",)),
        ("Company", ("org",)),
        ("Organization", ("org",)),
        ("Department", ("department",)),
        ("Job title", ("title",)),
        ("Note", ("notes",)),
        ("Notes", ("notes",)),
        ("Birthday", ("birthday",)),
        ("Groups", ("categories",)),
        ("Email", ("email", "work")),
        ("Email (work)", ("email", "work")),
        ("Work email", ("email", "work")),
        ("Email (home)", ("email", "home")),
        ("Home email", ("email", "home")),
        ("Email (other)", ("email", "other")),
        ("Other email", ("email", "other")),
        ("Email (iCloud)", ("email", "other")),
        ("Phone", ("phone", "work")),
        ("Phone (work)", ("phone", "work")),
        ("Work phone", ("phone", "work")),
        ("Phone (mobile)", ("phone", "mobile")),
        ("Mobile phone", ("phone", "mobile")),
        ("Phone (iPhone)", ("phone", "mobile")),
        ("Phone (main)", ("phone", "default")),
        ("Main phone", ("phone", "default")),
        ("Phone (home)", ("phone", "other")),
        ("Home phone", ("phone", "other")),
        ("Phone (other)", ("phone", "other")),
        ("Phone (work fax)", ("phone", "fax")),
        ("Phone (home fax)", ("phone", "fax")),
        ("Work fax", ("phone", "fax")),
        ("Home fax", ("phone", "fax")),
        ("Phone (pager)", ("phone", "other")),
        ("URL", ("url", "work")),
        ("URL (work)", ("url", "work")),
        ("URL (home)", ("url", "home")),
        ("URL (homepage)", ("url", "work")),
        ("Homepage", ("url", "work")),
        ("Address (work) street", ("addr", "business", "street")),
        ("Address (work) city", ("addr", "business", "city")),
        ("Address (work) state", ("addr", "business", "region")),
        ("Address (work) ZIP", ("addr", "business", "postcode")),
        ("Address (work) country", ("addr", "business", "country")),
        ("Address (home) street", ("addr", "home", "street")),
        ("Address (home) city", ("addr", "home", "city")),
        ("Address (home) state", ("addr", "home", "region")),
        ("Address (home) ZIP", ("addr", "home", "postcode")),
        ("Address (home) country", ("addr", "home", "country")),
        ("Work street", ("addr", "business", "street")),
        ("Work city", ("addr", "business", "city")),
        ("Work state", ("addr", "business", "region")),
        ("Work ZIP", ("addr", "business", "postcode")),
        ("Work country", ("addr", "business", "country")),
        ("Home street", ("addr", "home", "street")),
        ("Home city", ("addr", "home", "city")),
        ("Home state", ("addr", "home", "region")),
        ("Home ZIP", ("addr", "home", "postcode")),
        ("Home country", ("addr", "home", "country")),
    ]
)

_GOOGLE_COLUMN = re.compile(
    r"(e-mail|phone|address|organization|website|relation|im|event|custom field|external id)"
    r" (\d+) - (.+)"
)
_GOOGLE = _columns(
    [
        ("Name", ("display",)),
        ("Given Name", ("given",)),
        ("Additional Name", ("middle",)),
        ("Family Name", ("family",)),
        ("Name Prefix", ("prefix",)),
        ("Name Suffix", ("suffix",)),
        ("First Name", ("given",)),
        ("Middle Name", ("middle",)),
        ("Last Name", ("family",)),
        ("Nickname", ("nickname",)),
        ("Birthday", ("birthday",)),
        ("Notes", ("notes",)),
        ("Group Membership", ("categories",)),
        ("Labels", ("categories",)),
        ("Organization Name", ("org",)),
        ("Organization Title", ("title",)),
        ("Organization Department", ("department",)),
    ]
)
_GOOGLE_IGNORED = frozenset(
    ("yomi name", "given name yomi", "additional name yomi", "family name yomi", "gender")
)

PROGRAMS = (
    Program("Google Contacts", _GOOGLE, "ymd", numbered=True, ignored=_GOOGLE_IGNORED),
    Program("Outlook", _OUTLOOK_EN, "mdy", ignored=_OUTLOOK_IGNORED),
    Program("Outlook (Deutsch)", _OUTLOOK_DE, "dmy", ignored=_OUTLOOK_IGNORED),
    Program("Outlook (français)", _OUTLOOK_FR, "dmy", ignored=_OUTLOOK_IGNORED),
    Program("Outlook (español)", _OUTLOOK_ES, "dmy", ignored=_OUTLOOK_IGNORED),
    Program("Outlook (italiano)", _OUTLOOK_IT, "dmy", ignored=_OUTLOOK_IGNORED),
    Program("Outlook (Nederlands)", _OUTLOOK_NL, "dmy", ignored=_OUTLOOK_IGNORED),
    Program("Thunderbird", _THUNDERBIRD, "ymd"),
    Program("Apple Contacts", _APPLE, "ymd"),
)

_MANY = " ::: "  # Google puts several values of one type in one cell, joined by this
_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")
_EMPTY_DATES = frozenset(("0/0/00", "00.00.00", "0.0.00", "00/00/00", "00/00/0000"))


def csv_birthday(text: str, order: str) -> str:
    """A birthday cell as ISO ('1980-05-21', '--05-21'); other text kept as it is."""
    text = text.strip()
    if not text or text in _EMPTY_DATES:
        return ""
    match = _DATE.fullmatch(text.split(" ", 1)[0])
    if match is None:
        return text  # '--05-21', '1980-05-21' and words: the model normalises or keeps them
    first, second, third = match.groups()
    if len(first) == 4:
        year, month, day = first, second, third
    elif order == "mdy":
        month, day, year = first, second, third
    else:
        day, month, year = first, second, third
    if len(year) == 2:
        year = ("19" if int(year) > 30 else "20") + year
    if int(month) > 12 >= int(day):  # the other order after all
        month, day = day, month
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _phone_kind(label: str) -> str:
    label = label.replace("*", "").strip().lower()
    if "fax" in label:
        return "fax"
    if label in ("mobile", "cell", "iphone"):
        return "mobile"
    if label in ("main", "work"):
        return "default" if label == "main" else "work"
    return "other"


def _kind(label: str, kinds: tuple[str, ...]) -> str:
    label = label.replace("*", "").strip().lower()
    return label if label in kinds else "other"


def _categories(text: str) -> list[str]:
    """Groups from one cell: Google's ' ::: ' lists (without its system groups) or ';'/','."""
    if _MANY.strip() in text:
        names = text.split(":::")
    elif ";" in text:
        names = text.split(";")
    else:
        names = text.split(",")
    kept = []
    for name in names:
        name = name.strip()
        if name.lower() in ("* mycontacts", "* starred", "mycontacts", "starred"):
            continue
        kept.append(name.lstrip("* ").strip())
    return [name for name in kept if name]


# What Outlook writes in the columns it fills by itself when the user left them alone
# (English, German, French, Spanish, Italian, Dutch): Sensitivity 'Normal', Private
# 'False', Gender 'Unspecified', the e-mail type 'SMTP' …
_FILLED_IN = frozenset(
    (
        "normal",
        "normale",
        "normaal",
        "false",
        "aus",
        "faux",
        "falso",
        "onwaar",
        "unspecified",
        "keine angabe",
        "non spécifié",
        "sin especificar",
        "no especificado",
        "non specificato",
        "niet opgegeven",
        "smtp",
    )
)
_DISPLAY_COLUMNS = (
    "display name",
    "angezeigter name",
    "nom complet",
    "nombre para mostrar",
    "nome visualizzato",
    "weergavenaam",
)
_INITIALS_COLUMNS = ("initial", "inicial", "inizial")


def _filled_in(column: str, value: str, initials: str, emails: Sequence[Email]) -> bool:
    """Whether a cell of a column the program fills by itself holds what it fills in: its
    default word, an empty date, the initials of the name, or an e-mail's display name
    that names the address ('Ana Ruiz (ana@example.com)'). Anything else the user typed
    (a real anniversary, other initials, a display name of their own) is kept."""
    text = value.strip().lower()
    if text in _FILLED_IN or text in _EMPTY_DATES:
        return True
    column = column.lower()
    if any(word in column for word in _INITIALS_COLUMNS):
        return text == initials.lower()
    if any(word in column for word in _DISPLAY_COLUMNS):
        return any(email.address.lower() in text for email in emails if email.address)
    return False


def _kept(column: str, text: str) -> dict[str, Any]:
    """A cell the model has no field for, as an `extra` property (vCard-escaped text)."""
    value = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")
    return {"name": "X-CSV", "params": {"COLUMN": [column]}, "value": value}


def _read_mapped(
    program: Program,
    names: list[str],
    targets: list[Target | None],
    cells: list[str],
    where: str,
    number: int,
) -> Contact | Problem:
    """One row of another program's CSV, by the meaning of each column."""
    contact = ContactDraft()
    parts: dict[str, str] = {}
    places: dict[str, dict[str, str]] = {}
    google: dict[tuple[str, str], dict[str, str]] = {}
    birth: dict[str, str] = {}
    extra: list[dict[str, Any]] = []
    filled: list[tuple[str, str]] = []
    for name, target, value in zip(names, targets, cells, strict=False):
        if not value.strip():
            continue
        if target is None:
            extra.append(_kept(name, value))
            continue
        what = target[0]
        if what == "ignore":  # kept unless it is what the program fills in by itself
            filled.append((name, value))
            continue
        if what in ("given", "middle", "family", "prefix", "suffix", "display", "department"):
            parts.setdefault(what, value.strip())
        elif what == "nickname":
            contact.nickname = contact.nickname or value
        elif what == "org":
            contact.organization = contact.organization or value
        elif what == "title":
            contact.title = contact.title or value
        elif what == "notes":
            contact.notes = "\n".join(n for n in (contact.notes, value) if n)
        elif what == "birthday":
            contact.birthday = contact.birthday or csv_birthday(value, program.dates)
        elif what == "bday":
            birth[target[1]] = value.strip()
        elif what == "categories":
            contact.categories += _categories(value)
        elif what == "email":
            contact.emails += [Email(v, target[1]) for v in value.split(_MANY)]
        elif what == "phone":
            contact.phones += [Phone(v, target[1]) for v in value.split(_MANY)]
        elif what == "url":
            contact.urls += [Url(v, target[1]) for v in value.split(_MANY)]
        elif what == "addr":
            places.setdefault(target[1], {})[target[2]] = value
        elif what == "google":
            google.setdefault((target[1], target[2]), {})[target[3]] = value
    contact.given_name, contact.family_name = parts.get("given", ""), parts.get("family", "")
    contact.display_name = parts.get("display", "") or " ".join(
        p for p in (parts.get(k, "") for k in ("given", "middle", "family")) if p
    )
    for name, target, value in zip(names, targets, cells, strict=False):
        # Kept as they came: the name parts and department the model has no field for.
        if target and target[0] in ("middle", "prefix", "suffix", "department") and value.strip():
            extra.append(_kept(name, value))
    initials = "".join(
        part[0] + "." for part in (parts.get(k, "") for k in ("given", "middle", "family")) if part
    )
    for name, value in filled:
        if not _filled_in(name, value, initials, contact.emails):
            extra.append(_kept(name, value))
    for place in ("business", "home", "other"):
        if place in places:
            contact.addresses.append(_place_address(places[place]))
    _google_items(contact, google, extra)
    if birth.get("month") and birth.get("day"):
        year = birth.get("year", "")
        month, day = int(birth["month"]), int(birth["day"])
        contact.birthday = (
            f"{int(year):04d}" if year.isdigit() else "-"
        ) + f"-{month:02d}-{day:02d}"
    contact.extra = extra
    return finish(contact, where, number)


def _place_address(cells: dict[str, str]) -> Address:
    lines = [
        line
        for part in ("street", "street2", "street3")
        for line in cells.get(part, "").splitlines()
        if line.strip()
    ]
    if cells.get("box", "").strip():
        lines.append(cells["box"])
    address = Address(
        "street",
        lines,
        cells.get("city", ""),
        cells.get("region", ""),
        cells.get("postcode", ""),
        cells.get("country", ""),
    )
    if address.is_empty() and cells.get("formatted", "").strip():
        address = replace(address, lines=cells["formatted"].splitlines())
    return address


def _google_items(
    contact: ContactDraft,
    google: dict[tuple[str, str], dict[str, str]],
    extra: list[dict[str, Any]],
) -> None:
    """Google's numbered columns ('E-mail 1 - Value', 'Address 2 - City', …)."""
    for (what, _number), cells in sorted(google.items(), key=lambda item: int(item[0][1])):
        label = cells.get("type", cells.get("label", ""))
        values = cells.get("value", "").split(_MANY) if cells.get("value") else []
        if what == "e-mail":
            contact.emails += [Email(v, _kind(label, EMAIL_KINDS)) for v in values]
        elif what == "phone":
            contact.phones += [Phone(v, _phone_kind(label)) for v in values]
        elif what == "website":
            contact.urls += [Url(v, _kind(label, URL_KINDS)) for v in values]
        elif what == "organization":
            contact.organization = contact.organization or cells.get("name", "")
            contact.title = contact.title or cells.get("title", "")
        elif what == "address":
            contact.addresses += _google_addresses(cells)
        else:
            for key, value in cells.items():
                extra.append(_kept(f"{what} {_number} - {key}".title(), value))


def _google_addresses(cells: dict[str, str]) -> list[Address]:
    parts = ("street", "city", "po box", "region", "postal code", "country", "extended address")
    columns = [cells.get(part, "").split(_MANY) for part in parts]
    width = max(len(column) for column in columns)
    addresses = []
    for index in range(width):
        street, city, box, region, code, country, extended = (
            column[index] if index < len(column) else "" for column in columns
        )
        lines = [line for line in street.splitlines() if line.strip()]
        lines += [part for part in (extended, box) if part.strip()]
        addresses.append(Address("street", lines, city, region, code, country))
    if not any(not a.is_empty() for a in addresses):
        formatted = cells.get("formatted", "")
        if formatted.strip():
            addresses = [Address("street", formatted.splitlines())]
    return addresses
