"""CSV: write ours; read ours, Google Contacts' and Outlook's (told apart by the header row).

Our CSV (RFC 4180: comma, double quotes, CRLF, UTF-8 without BOM) has one header row of
our field names and one row per contact:

    display_name, given_name, family_name, organization, title,
    email, email.home, email.other,                       (email = a work email)
    phone.work, phone.mobile, phone.fax, phone.ddi, phone.default, phone.other,
    address.street, address.street.city, address.street.region,
    address.street.postcode, address.street.country,
    address.postal, address.postal.city, … (the same five for the postal address),
    notes, status [, list_order]

- Several items of one kind get numbered columns after the first: `email.2`,
  `phone.mobile.2`, `address.street.2`, `address.street.2.city`, … (as many as the
  contact with the most of that kind needs; the unnumbered columns are always there).
- An address's street lines share one cell, one line per line ('\\n' between them);
  notes keep their line breaks inside the cell (CSV quoting allows it).
- Lists are read back in the order of the columns. When a contact's emails, phones or
  addresses are in another order (a home email before a work one), the `list_order`
  column names the columns in the contact's order, e.g. `email.home email phone.mobile`;
  it is empty for the others and left out when no contact needs it.
- On import `email.work` is accepted for `email`, column names are matched without regard
  to case, and an unknown column is an error (so no data is silently dropped).

Rows are numbered as a spreadsheet numbers them: the header is row 1. A row without a
name, organisation or email cannot be imported; a row that is entirely empty is ignored.

Google's CSV (old: 'Name', 'Given Name', 'Family Name', 'E-mail 1 - Type', …,
'Organization 1 - Name'; new: 'First Name', 'Last Name', 'E-mail 1 - Label', …,
'Organization Name') and Outlook's ('First Name', 'E-mail Address', 'Business Phone',
'Business Street', 'Company', 'Job Title', 'Notes', …) are mapped to the nearest kinds.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import zip_longest

from addressbook.errors import InterchangeError
from addressbook.interchange._common import Problem, finish
from addressbook.model import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    STATUSES,
    Address,
    Contact,
    Email,
    Phone,
)

NAME_COLUMNS = ("display_name", "given_name", "family_name", "organization", "title")
TAIL_COLUMNS = ("notes", "status")
ORDER_COLUMN = "list_order"
ADDRESS_PARTS = ("city", "region", "postcode", "country")
EMAIL_BASE = {"work": "email", "home": "email.home", "other": "email.other"}
MAX_FIELD = 16 * 1024 * 1024  # notes may be long; the csv module's default cap is 128 KiB

# ------------------------------------------------------------------------------ writing


def _numbered(base: str, number: int) -> str:
    return base if number == 1 else f"{base}.{number}"


def _slots(contact: Contact) -> list[tuple[str, str]]:
    """(slot column, value-bearing item kind) for each email, phone and address, in order."""
    slots: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    items: list[tuple[str, str]] = [(EMAIL_BASE[e.kind], "email") for e in contact.emails]
    items += [(f"phone.{p.kind}", "phone") for p in contact.phones]
    items += [(f"address.{a.kind}", "address") for a in contact.addresses]
    for base, group in items:
        seen[base] = seen.get(base, 0) + 1
        slots.append((_numbered(base, seen[base]), group))
    return slots


def _header(contacts: list[Contact]) -> list[str]:
    counts: dict[str, int] = {}
    for contact in contacts:
        per: dict[str, int] = {}
        for slot, _ in _slots(contact):
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
    return header + list(TAIL_COLUMNS)


def _row(contact: Contact, position: dict[str, int]) -> tuple[dict[str, str], str]:
    """The cells of one contact, and its list_order ('' when the column order is right)."""
    cells = {name: getattr(contact, name) for name in NAME_COLUMNS + TAIL_COLUMNS}
    slots = [slot for slot, _ in _slots(contact)]
    values = (
        [e.address for e in contact.emails]
        + [p.number for p in contact.phones]
        + list(contact.addresses)
    )
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
    normalized = [contact.normalized() for contact in contacts]
    header = _header(normalized)
    position = {name: index for index, name in enumerate(header)}
    rows = []
    for contact in normalized:
        cells, order = _row(contact, position)
        if order:
            cells[ORDER_COLUMN] = order
        rows.append(cells)
    if any(ORDER_COLUMN in cells for cells in rows):
        header.append(ORDER_COLUMN)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cells.get(name, "") for name in header] for cells in rows)
    return out.getvalue()


# ------------------------------------------------------------------------------ reading

RowReader = Callable[[dict[str, str], str], Contact | Problem]


def read_csv(text: str) -> Iterator[Contact | Problem]:
    """Each row of a CSV text (ours, Google's or Outlook's) as a Contact or a Problem.

    A header that is none of the three raises InterchangeError: nothing can be read.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InterchangeError(f"row 1: the header row cannot be read ({error})") from None
    if header is None or not any(cell.strip() for cell in header):
        return
    keys = [cell.strip().lower() for cell in header]
    read_row = _reader_for(keys)
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Problem(f"row {number}", f"cannot be read ({error}); the rows after it neither")
            return
        if not any(cell.strip() for cell in cells):
            continue
        extra = [cell for cell in cells[len(keys) :] if cell.strip()]
        if extra:
            yield Problem(
                f"row {number}",
                f"{len(cells)} cells but the header has {len(keys)} columns (an unquoted comma?)",
            )
            continue
        row = dict(zip(keys, cells, strict=False))
        yield read_row(row, f"row {number}")


def _delimiter(text: str) -> str:
    """',' unless the header row plainly uses ';' (Outlook in some locales) or tabs."""
    first = text[: text.find("\n")] if "\n" in text else text
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _reader_for(keys: list[str]) -> RowReader:
    if any(key in _OUR_MARKERS or _our_column(key) for key in keys):
        unknown = [key for key in keys if key and not (key in _OUR_SCALARS or _our_column(key))]
        if unknown:
            raise InterchangeError(
                f"row 1: unknown column {unknown[0]!r} (known: display_name, given_name, "
                "family_name, organization, title, email, email.home, email.other, "
                "phone.KIND, address.street, address.postal, notes, status)"
            )
        return _read_ours
    if any(_GOOGLE_COLUMN.match(key) for key in keys) or {"given name", "organization name"} & set(
        keys
    ):
        return _read_google
    if {"e-mail address", "business phone", "job title", "company", "first name"} & set(keys):
        return _read_outlook
    raise InterchangeError(
        "row 1: the header row is not one of addressbook's, Google Contacts' or Outlook's CSV "
        "(expected columns such as display_name and email)"
    )


# ---- ours

_OUR_SCALARS = frozenset(NAME_COLUMNS + TAIL_COLUMNS + (ORDER_COLUMN,))
# Columns only our CSV has ('title' and 'notes' are Outlook's and Google's too).
_OUR_MARKERS = frozenset(("display_name", "given_name", "family_name", "organization"))
_OUR_EMAIL = re.compile(r"email(?:\.(work|home|other))?(?:\.(\d+))?")
_OUR_PHONE = re.compile(rf"phone\.({'|'.join(PHONE_KINDS)})(?:\.(\d+))?")
_OUR_ADDRESS = re.compile(
    rf"address\.({'|'.join(ADDRESS_KINDS)})(?:\.(\d+))?(?:\.({'|'.join(ADDRESS_PARTS)}|lines))?"
)


def _our_column(key: str) -> tuple[str, str, str] | None:
    """(slot, group, part) of one of our list columns, e.g. ('phone.mobile.2', 'phone', '')."""
    if match := _OUR_EMAIL.fullmatch(key):
        kind, number = match.group(1) or "work", int(match.group(2) or 1)
        return _numbered(EMAIL_BASE[kind], number), "email", kind
    if match := _OUR_PHONE.fullmatch(key):
        kind, number = match.group(1), int(match.group(2) or 1)
        return _numbered(f"phone.{kind}", number), "phone", kind
    if match := _OUR_ADDRESS.fullmatch(key):
        kind, number = match.group(1), int(match.group(2) or 1)
        part = match.group(3) or "lines"
        return _numbered(f"address.{kind}", number), "address", f"{kind}:{part}"
    return None


def _read_ours(row: dict[str, str], where: str) -> Contact | Problem:
    status = row.get("status", "").strip().lower() or "active"
    if status not in STATUSES:
        return Problem(where, f"unknown status {status!r} (active, archived or read-only)")
    contact = Contact(
        display_name=row.get("display_name", ""),
        given_name=row.get("given_name", ""),
        family_name=row.get("family_name", ""),
        organization=row.get("organization", ""),
        title=row.get("title", ""),
        notes=row.get("notes", ""),
        status=status,
    )
    items: dict[str, Email | Phone | Address] = {}  # slot → item, in column order
    for key, value in row.items():
        column = _our_column(key)
        if column is None:
            continue
        slot, group, kind = column
        if group == "email" and value.strip():
            items[slot] = Email(value, kind)
        elif group == "phone" and value.strip():
            items[slot] = Phone(value, kind)
        elif group == "address":
            address_kind, part = kind.split(":")
            address = items.setdefault(slot, Address(address_kind))
            assert isinstance(address, Address)
            if part == "lines":
                address.lines = value.split("\n") if value else []
            else:
                setattr(address, part, value)
    ordered = [items.pop(slot) for slot in row.get(ORDER_COLUMN, "").split() if slot in items]
    ordered += items.values()
    contact.emails = [item for item in ordered if isinstance(item, Email)]
    contact.phones = [item for item in ordered if isinstance(item, Phone)]
    contact.addresses = [item for item in ordered if isinstance(item, Address)]
    return finish(contact, where)


# ---- Google Contacts

_GOOGLE_COLUMN = re.compile(r"(e-mail|phone|address|organization|website|relation|im) (\d+) - ")
_MANY = " ::: "  # Google puts several values of one type in one cell, joined by this


def _cell(row: dict[str, str], *names: str) -> str:
    """The first non-empty cell of the given (lower-case) column names."""
    return next((row[name] for name in names if row.get(name, "").strip()), "")


def _google_numbers(row: dict[str, str], what: str) -> list[int]:
    numbers = {int(m.group(2)) for key in row if (m := _GOOGLE_COLUMN.match(key))}
    return sorted(n for n in numbers if any(key.startswith(f"{what} {n} - ") for key in row))


def _google_label(row: dict[str, str], prefix: str) -> str:
    label = _cell(row, f"{prefix} - type", f"{prefix} - label")
    # '* Work' marks the primary one; '* myContacts'-style group prefixes likewise.
    return label.replace("*", "").strip().lower()


def _google_phone_kind(label: str) -> str:
    if "fax" in label:
        return "fax"
    if label in ("mobile", "cell"):
        return "mobile"
    if label == "main":
        return "default"
    if label in ("work", "ddi"):
        return "work" if label == "work" else "ddi"
    return "other"


def _read_google(row: dict[str, str], where: str) -> Contact | Problem:
    given = _cell(row, "given name", "first name")
    middle = _cell(row, "additional name", "middle name")
    family = _cell(row, "family name", "last name")
    contact = Contact(
        display_name=_cell(row, "name") or " ".join(p for p in (given, middle, family) if p),
        given_name=given,
        family_name=family,
        organization=_cell(row, "organization 1 - name", "organization name"),
        title=_cell(row, "organization 1 - title", "organization title"),
        notes=_cell(row, "notes"),
    )
    for n in _google_numbers(row, "e-mail"):
        label = _google_label(row, f"e-mail {n}")
        kind = label if label in EMAIL_KINDS else "other"
        for value in _cell(row, f"e-mail {n} - value").split(_MANY):
            contact.emails.append(Email(value, kind))
    for n in _google_numbers(row, "phone"):
        kind = _google_phone_kind(_google_label(row, f"phone {n}"))
        for value in _cell(row, f"phone {n} - value").split(_MANY):
            contact.phones.append(Phone(value, kind))
    for n in _google_numbers(row, "address"):
        contact.addresses += _google_addresses(row, f"address {n}")
    return finish(contact, where)


def _google_addresses(row: dict[str, str], prefix: str) -> list[Address]:
    parts = ("street", "city", "po box", "region", "postal code", "country", "extended address")
    columns = [_cell(row, f"{prefix} - {part}").split(_MANY) for part in parts]
    addresses = []
    for street, city, box, region, code, country, extended in zip_longest(*columns, fillvalue=""):
        lines = [line for line in street.splitlines() if line.strip()]
        lines += [part for part in (extended, box) if part.strip()]
        addresses.append(Address("street", lines, city, region, code, country))
    if not any(not a.is_empty() for a in addresses):
        formatted = _cell(row, f"{prefix} - formatted")
        if formatted.strip():
            addresses = [Address("street", formatted.splitlines())]
    return addresses


# ---- Outlook

_OUTLOOK_PHONES = (
    ("primary phone", "default"),
    ("company main phone", "default"),
    ("business phone", "work"),
    ("business phone 2", "work"),
    ("mobile phone", "mobile"),
    ("car phone", "mobile"),
    ("business fax", "fax"),
    ("home fax", "fax"),
    ("other fax", "fax"),
    ("home phone", "other"),
    ("home phone 2", "other"),
    ("other phone", "other"),
    ("assistant's phone", "other"),
    ("pager", "other"),
    ("callback", "other"),
    ("radio phone", "other"),
    ("tty/tdd phone", "other"),
    ("telex", "other"),
    ("isdn", "other"),
)
_OUTLOOK_EMAILS = (
    ("e-mail address", "work"),
    ("e-mail 2 address", "other"),
    ("e-mail 3 address", "other"),
)


def _read_outlook(row: dict[str, str], where: str) -> Contact | Problem:
    given, middle = _cell(row, "first name"), _cell(row, "middle name")
    family = _cell(row, "last name")
    contact = Contact(
        display_name=" ".join(p for p in (given, middle, family) if p),
        given_name=given,
        family_name=family,
        organization=_cell(row, "company"),
        title=_cell(row, "job title"),  # Outlook's 'Title' is the honorific (Mr, Dr)
        notes=_cell(row, "notes"),
    )
    contact.emails = [Email(row.get(key, ""), kind) for key, kind in _OUTLOOK_EMAILS]
    contact.phones = [Phone(row.get(key, ""), kind) for key, kind in _OUTLOOK_PHONES]
    for place in ("business", "home", "other"):
        lines = [_cell(row, f"{place} street")] + [
            _cell(row, f"{place} street {n}") for n in (2, 3)
        ]
        lines = [line for text in lines for line in text.splitlines() if line.strip()]
        box = _cell(row, f"{place} address po box", f"{place} po box")
        contact.addresses.append(
            Address(
                "street",
                lines + ([box] if box.strip() else []),
                _cell(row, f"{place} city"),
                _cell(row, f"{place} state"),
                _cell(row, f"{place} postal code"),
                _cell(row, f"{place} country/region", f"{place} country"),
            )
        )
    return finish(contact, where)
