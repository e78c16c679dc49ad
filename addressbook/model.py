"""The canonical contact: plain dataclasses, normalising, and a field-level diff.

Glossary:
- *field*: one of FIELDS. The lists (`emails`, `phones`, `addresses`) are each one
  field for diff and merge: two sides that both changed the emails conflict.
- *normalised*: every text trimmed and in Unicode NFC; empty list entries dropped.
  The types guarantee it: a Contact (and each Email, Phone, Address, Url) is immutable and
  normalised when it is made, so no caller normalises. Change one with
  `dataclasses.replace` (which makes, and so normalises, a new one), or build one piece by
  piece in a `ContactDraft`.

This module imports nothing of ours.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

PHONE_KINDS = ("work", "mobile", "fax", "ddi", "default", "other")
ADDRESS_KINDS = ("street", "postal")
EMAIL_KINDS = ("work", "home", "other")
STATUSES = ("active", "archived", "read-only")

SCALAR_FIELDS = (
    "display_name",
    "given_name",
    "family_name",
    "organization",
    "title",
    "notes",
    "status",
    "nickname",
    "birthday",
)
LIST_FIELDS = ("emails", "phones", "addresses", "urls", "categories", "extra")
FIELDS = (
    "display_name",
    "given_name",
    "family_name",
    "nickname",
    "organization",
    "title",
    "emails",
    "phones",
    "addresses",
    "urls",
    "birthday",
    "categories",
    "notes",
    "status",
    "extra",
)

# The keys of `--field KEY=VALUE` on the command line.
FIELD_KEYS = (
    "display_name",
    "given_name",
    "family_name",
    "organization",
    "title",
    "email",
    "phone.work",
    "phone.mobile",
    "phone.fax",
    "notes",
    "nickname",
    "birthday",
    "url",
)


_LINE_BREAKS = str.maketrans(
    {
        "\r": " ",
        "\n": " ",
        "\t": " ",
        "\v": " ",
        "\f": " ",
        "\x85": " ",
        "\u2028": " ",
        "\u2029": " ",
    }
)


def clean(text: str | None) -> str:
    """One line of text: trimmed, NFC-normalised, line breaks and tabs made spaces ('' for None)."""
    if not text:
        return ""
    if type(text) is not str:
        text = str(text)
    # Fast paths (a pull cleans every field of thousands of records): printable text has
    # no line break or tab to translate, and ASCII text is already NFC.
    if not text.isprintable():
        text = text.translate(_LINE_BREAKS)
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFC", text).strip()


def clean_block(text: str | None) -> str:
    """Multi-line text (notes): trimmed, NFC-normalised, line ends made '\\n'."""
    if not text:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Case- and accent-insensitive form of text, for search and sorting.

    'Zoë' → 'zoe', 'Müller' → 'muller', 'Straße' → 'strasse'. Scripts without
    case or accents pass through unchanged.
    """
    if text.isascii():
        return text.lower()  # ASCII: casefold is lower(), and nothing decomposes
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed  # no combining marks left to drop
    return decomposed.translate(_WITHOUT_MARKS)


class _MarkStripper(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _MarkStripper()


_set = object.__setattr__  # how a frozen dataclass sets its own fields in __post_init__


@dataclass(frozen=True, slots=True)
class Email:
    """An email address with its kind (work, home, other)."""

    address: str
    kind: str = "work"

    def __post_init__(self) -> None:
        _set(self, "address", clean(self.address))
        if self.kind not in EMAIL_KINDS:  # the usual kinds are normal already
            _set(self, "kind", clean(self.kind).lower() or "work")

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "address": self.address}


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as the user typed it, with its kind (see PHONE_KINDS)."""

    number: str
    kind: str = "work"

    def __post_init__(self) -> None:
        _set(self, "number", clean(self.number))
        if self.kind not in PHONE_KINDS:  # the usual kinds are normal already
            kind = clean(self.kind).lower() or "work"
            _set(self, "kind", kind if kind in PHONE_KINDS else "other")

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "number": self.number}


@dataclass(frozen=True, slots=True)
class Address:
    """A postal or street address (trailing empty lines dropped)."""

    kind: str = "street"
    lines: Sequence[str] = ()
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ADDRESS_KINDS:  # the usual kinds are normal already
            kind = clean(self.kind).lower() or "street"
            _set(self, "kind", kind if kind in ADDRESS_KINDS else "street")
        lines = [clean(line) for line in self.lines]
        while lines and not lines[-1]:
            lines.pop()
        _set(self, "lines", tuple(lines))
        _set(self, "city", clean(self.city))
        _set(self, "region", clean(self.region))
        _set(self, "postcode", clean(self.postcode))
        _set(self, "country", clean(self.country))

    def is_empty(self) -> bool:
        return not (any(self.lines) or self.city or self.region or self.postcode or self.country)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lines": list(self.lines),
            "city": self.city,
            "region": self.region,
            "postcode": self.postcode,
            "country": self.country,
        }

    def one_line(self) -> str:
        """The address on one line, for a list or a map search."""
        parts = [*self.lines, self.city, self.region, self.postcode, self.country]
        return ", ".join(p for p in parts if p)


URL_KINDS = ("work", "home", "other")


@dataclass(frozen=True, slots=True)
class Url:
    """A web address with its kind (work, home, other)."""

    url: str
    kind: str = "work"

    def __post_init__(self) -> None:
        _set(self, "url", clean(self.url))
        if self.kind not in URL_KINDS:  # the usual kinds are normal already
            _set(self, "kind", clean(self.kind).lower() or "work")

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "url": self.url}


_BIRTHDAY = re.compile(r"(\d{4}|--)-?(\d{2})-?(\d{2})")


def normalize_birthday(text: str | None) -> str:
    """A birthday as ISO 'YYYY-MM-DD', or '--MM-DD' without a year; other text kept as typed.

    vCard writes '19800521', '1980-05-21', '--0521' or '--05-21' (and 2.1 a time after
    'T'); all become the ISO form. Text that is no date is kept (rules.py names it).
    """
    value = clean(text)
    if not value:
        return ""
    head = value.split("T", 1)[0]
    match = _BIRTHDAY.fullmatch(head)
    if match is None:
        return value
    year, month, day = match.groups()
    return f"{year}-{month}-{day}" if year != "--" else f"--{month}-{day}"


def valid_birthday(text: str) -> bool:
    """True for '' or an ISO date of the calendar (year optional: '--02-29' is fine)."""
    if not text:
        return True
    match = _BIRTHDAY.fullmatch(text)
    if match is None or "-" not in text[1:]:
        return False
    year, month, day = match.groups()
    try:
        date(2000 if year == "--" else int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _extra_item(item: Any) -> dict[str, Any]:
    """One kept card property: {'name', 'params', 'value'[, 'group']} as imported."""
    if not isinstance(item, dict):
        return {"name": "X-UNKNOWN", "params": {}, "value": str(item)}
    kept: dict[str, Any] = {
        "name": str(item.get("name") or "X-UNKNOWN"),
        "params": {
            str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in dict(item.get("params") or {}).items()
        },
        "value": str(item.get("value") if item.get("value") is not None else ""),
    }
    if item.get("group"):
        kept["group"] = str(item["group"])
    return kept


@dataclass(frozen=True, slots=True, init=False)
class Contact:
    """One person or organisation, rich enough for all four services.

    Immutable and normalised when made (see the module's glossary): every text trimmed and
    NFC, empty entries dropped, the lists tuples, a display name built from the parts when
    none is given. `dataclasses.replace(contact, title=…)` makes a changed one.
    """

    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    organization: str = ""
    title: str = ""
    emails: Sequence[Email] = ()
    phones: Sequence[Phone] = ()
    addresses: Sequence[Address] = ()
    notes: str = ""
    status: str = "active"
    nickname: str = ""
    birthday: str = ""  # ISO 'YYYY-MM-DD', or '--MM-DD' without a year
    urls: Sequence[Url] = ()
    categories: Sequence[str] = ()
    # Every property of an imported card that the model has no field for, verbatim:
    # {'name': 'PHOTO', 'params': {'ENCODING': ['b']}, 'value': '…'[, 'group': 'item1']}.
    extra: Sequence[dict[str, Any]] = ()

    # Written by hand (not the dataclass's): each field is normalised and set once, which
    # halves the cost of making a contact (an import makes 10,000 a second).
    def __init__(
        self,
        display_name: str = "",
        given_name: str = "",
        family_name: str = "",
        organization: str = "",
        title: str = "",
        emails: Iterable[Email] = (),
        phones: Iterable[Phone] = (),
        addresses: Iterable[Address] = (),
        notes: str = "",
        status: str = "active",
        nickname: str = "",
        birthday: str = "",
        urls: Iterable[Url] = (),
        categories: Iterable[str] = (),
        extra: Iterable[dict[str, Any]] = (),
    ) -> None:
        given_name, family_name = clean(given_name), clean(family_name)
        organization = clean(organization)
        emails = tuple(e for e in emails if e.address)
        _set(self, "given_name", given_name)
        _set(self, "family_name", family_name)
        _set(self, "organization", organization)
        _set(self, "title", clean(title))
        _set(self, "emails", emails)
        _set(self, "phones", tuple(p for p in phones if p.number))
        _set(self, "addresses", tuple(a for a in addresses if not a.is_empty()))
        _set(self, "notes", clean_block(notes))
        status = clean(status).lower() if status != "active" else status
        _set(self, "status", status if status in STATUSES else "active")
        _set(self, "nickname", clean(nickname))
        _set(self, "birthday", normalize_birthday(birthday) if birthday else "")
        _set(self, "urls", tuple(u for u in urls if u.url))
        _set(
            self,
            "categories",
            tuple(dict.fromkeys(c for c in (clean(c) for c in categories) if c))
            if categories
            else (),
        )
        _set(self, "extra", tuple(_extra_item(item) for item in extra) if extra else ())
        _set(self, "display_name", clean(display_name) or self.derived_display_name())

    def derived_display_name(self) -> str:
        """A name built from the parts: 'Given Family', else organisation, else email."""
        name = " ".join(p for p in (self.given_name, self.family_name) if p)
        if name:
            return name
        if self.organization:
            return self.organization
        if self.emails:
            return self.emails[0].address
        return ""

    def secondary(self) -> str:
        """The list's second line: organisation, else the first email.

        An organisation that is the display name itself (a company contact, common in
        Xero) says nothing new, so the email is shown instead.
        """
        if self.organization and fold(self.organization) != fold(self.display_name):
            return self.organization
        return self.emails[0].address if self.emails else ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by the cache and the command line."""
        return {
            "display_name": self.display_name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "organization": self.organization,
            "title": self.title,
            "notes": self.notes,
            "status": self.status,
            "emails": [e.to_dict() for e in self.emails],
            "phones": [p.to_dict() for p in self.phones],
            "addresses": [a.to_dict() for a in self.addresses],
            "nickname": self.nickname,
            "birthday": self.birthday,
            "urls": [u.to_dict() for u in self.urls],
            "categories": list(self.categories),
            "extra": [dict(item) for item in self.extra],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contact:
        """Read the JSON form (unknown keys are ignored)."""
        return cls(
            display_name=data.get("display_name") or "",
            given_name=data.get("given_name") or "",
            family_name=data.get("family_name") or "",
            organization=data.get("organization") or "",
            title=data.get("title") or "",
            notes=data.get("notes") or "",
            status=data.get("status") or "active",
            emails=[
                Email(address=e.get("address", ""), kind=e.get("kind") or "work")
                for e in data.get("emails") or []
            ],
            phones=[
                Phone(number=p.get("number", ""), kind=p.get("kind") or "work")
                for p in data.get("phones") or []
            ],
            addresses=[
                Address(
                    kind=a.get("kind") or "street",
                    lines=list(a.get("lines") or []),
                    city=a.get("city") or "",
                    region=a.get("region") or "",
                    postcode=a.get("postcode") or "",
                    country=a.get("country") or "",
                )
                for a in data.get("addresses") or []
            ],
            nickname=data.get("nickname") or "",
            birthday=data.get("birthday") or "",
            urls=[
                Url(url=u.get("url", ""), kind=u.get("kind") or "work")
                for u in data.get("urls") or []
            ],
            categories=[str(c) for c in data.get("categories") or []],
            extra=[dict(item) for item in data.get("extra") or [] if isinstance(item, dict)],
        )

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Contact:
        """Read the JSON form this program wrote from a Contact (the cache's rows).

        What `to_dict` wrote is normal already, so it is not normalised again: reading
        100,000 rows costs a third of `from_dict`.
        """
        contact = object.__new__(cls)
        for name in SCALAR_FIELDS:
            _set(contact, name, data.get(name) or ("active" if name == "status" else ""))
        _set(contact, "emails", tuple(_stored(Email, e, _EMAIL) for e in data.get("emails") or ()))
        _set(contact, "phones", tuple(_stored(Phone, p, _PHONE) for p in data.get("phones") or ()))
        _set(
            contact,
            "addresses",
            tuple(_stored(Address, a, _ADDRESS) for a in data.get("addresses") or ()),
        )
        _set(contact, "urls", tuple(_stored(Url, u, _URL) for u in data.get("urls") or ()))
        _set(contact, "categories", tuple(data.get("categories") or ()))
        _set(contact, "extra", tuple(data.get("extra") or ()))
        return contact

    def get(self, name: str) -> Any:
        """The value of a field (see FIELDS) in its JSON form."""
        if name not in FIELDS:
            raise KeyError(name)
        value = getattr(self, name)
        if name in ("categories", "extra"):
            return [item if isinstance(item, str) else dict(item) for item in value]
        if name in LIST_FIELDS:
            return [item.to_dict() for item in value]
        return value

    def with_field(self, name: str, value: Any) -> Contact:
        """A copy with one field (see FIELDS) set from its JSON form."""
        if name not in FIELDS:
            raise KeyError(name)
        changed: dict[str, Any] = {
            name: getattr(Contact.from_dict({name: value}), name)
            if name in LIST_FIELDS
            else value or ""
        }
        return replace(self, **changed)


_EMAIL = (("address", ""), ("kind", "work"))
_PHONE = (("number", ""), ("kind", "work"))
_URL = (("url", ""), ("kind", "work"))
_ADDRESS = (
    ("kind", "street"),
    ("lines", ()),
    ("city", ""),
    ("region", ""),
    ("postcode", ""),
    ("country", ""),
)


def _stored(cls: type[Any], data: dict[str, Any], keys: tuple[tuple[str, Any], ...]) -> Any:
    """An entry of a stored contact, made without normalising (see Contact.from_stored)."""
    item = object.__new__(cls)
    for key, default in keys:
        value = data.get(key) or default
        _set(item, key, tuple(value) if key == "lines" else value)
    return item


@dataclass
class ContactDraft:
    """A contact being put together piece by piece (a card or a row being read).

    The same fields as Contact, mutable; `build()` makes the (normalised) Contact.
    """

    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    organization: str = ""
    title: str = ""
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    notes: str = ""
    status: str = "active"
    nickname: str = ""
    birthday: str = ""
    urls: list[Url] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def build(self) -> Contact:
        return Contact(
            display_name=self.display_name,
            given_name=self.given_name,
            family_name=self.family_name,
            organization=self.organization,
            title=self.title,
            emails=self.emails,
            phones=self.phones,
            addresses=self.addresses,
            notes=self.notes,
            status=self.status,
            nickname=self.nickname,
            birthday=self.birthday,
            urls=self.urls,
            categories=self.categories,
            extra=self.extra,
        )


def comparable(name: str, value: Any) -> Any:
    """A field's JSON value in the form two values are compared in.

    Lists compare as sets of their entries (kind and value): the order a service returns
    them in is no change. A list that holds an entry twice still differs from one that
    holds it once.
    """
    if name in LIST_FIELDS:
        return sorted(json.dumps(item, sort_keys=True, ensure_ascii=False) for item in value or [])
    return value if value is not None else ""


def same_value(name: str, a: Any, b: Any) -> bool:
    """True when two JSON values of field `name` are the same (lists as sets)."""
    if a == b:
        return True
    return bool(comparable(name, a) == comparable(name, b))


def same_contact(a: Contact, b: Contact) -> bool:
    """True when every field agrees once normalised (lists as sets)."""
    return all(same_value(name, a.get(name), b.get(name)) for name in FIELDS)


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two contacts (values in their JSON form)."""

    field: str
    old: Any
    new: Any


def diff(old: Contact, new: Contact) -> list[FieldChange]:
    """The fields that differ from old to new, in FIELDS order (normalised; lists as sets)."""
    changes = []
    for name in FIELDS:
        before, after = old.get(name), new.get(name)
        if not same_value(name, before, after):
            changes.append(FieldChange(name, before, after))
    return changes


def changed_fields(old: Contact, new: Contact) -> set[str]:
    """The names of the fields that differ."""
    return {change.field for change in diff(old, new)}


@dataclass(frozen=True)
class FieldEdit:
    """One field of a patch: the value the user saw before, and the value wanted (JSON forms)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Patch:
    """A change to a contact: the fields changed, each with the value the user saw before.

    The store applies a patch to the row as it is *now* (Store.apply_patch): a field whose
    value moved since the user looked is not overwritten silently. No path writes back a
    whole contact read earlier.
    """

    edits: tuple[FieldEdit, ...] = ()

    @classmethod
    def between(cls, seen: Contact, wanted: Contact) -> Patch:
        """The patch that turns `seen` (what the user looked at) into `wanted`."""
        return cls(tuple(FieldEdit(c.field, c.old, c.new) for c in diff(seen, wanted)))

    @classmethod
    def setting(cls, seen: Contact, **values: Any) -> Patch:
        """A patch setting the named fields (JSON forms) over what the user saw."""
        return cls.between(seen, _with_fields(seen, values))

    def __bool__(self) -> bool:
        return bool(self.edits)

    def __len__(self) -> int:
        return len(self.edits)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(edit.field for edit in self.edits)

    def edit(self, name: str) -> FieldEdit | None:
        for edit in self.edits:
            if edit.field == name:
                return edit
        return None

    def only(self, names: Any) -> Patch:
        """The part of the patch on the given fields."""
        wanted = set(names)
        return Patch(tuple(e for e in self.edits if e.field in wanted))

    def without(self, names: Any) -> Patch:
        """The patch less the given fields."""
        dropped = set(names)
        return Patch(tuple(e for e in self.edits if e.field not in dropped))

    def apply(self, contact: Contact) -> Contact:
        """`contact` with every field of the patch set to its wanted value (normalised).

        A display name built from the name parts follows them when the patch changes the
        parts and not the display name itself.
        """
        derived = bool(contact.display_name) and (
            contact.display_name == contact.derived_display_name()
        )
        result = contact
        for edit in self.edits:
            result = result.with_field(edit.field, edit.after)
        if derived and "display_name" not in self.fields:
            result = replace(result, display_name="")  # built again from the new parts
        return result

    def to_json(self) -> list[dict[str, Any]]:
        return [{"field": e.field, "before": e.before, "after": e.after} for e in self.edits]


def _with_fields(contact: Contact, values: dict[str, Any]) -> Contact:
    result = contact
    for name, value in values.items():
        result = result.with_field(name, value)
    return result


def apply_field_args(contact: Contact, pairs: list[tuple[str, str]]) -> Contact:
    """Contact with `--field KEY=VALUE` pairs (keys: FIELD_KEYS) applied.

    `email`, `url` and `phone.KIND` given once or more replace all emails / all urls /
    all phones of that kind with the values given, in order; an empty value removes them.
    """
    # A display name that was built from the name parts follows them when they change.
    derived = bool(contact.display_name) and contact.display_name == contact.derived_display_name()
    scalars: dict[str, str] = {}
    emails: list[Email] | None = None
    urls: list[Url] | None = None
    phones: dict[str, list[Phone]] = {}
    for key, value in pairs:
        if key not in FIELD_KEYS:
            raise ValueError(f"unknown field {key!r}; known fields: {', '.join(FIELD_KEYS)}")
        if key == "email":
            emails = emails if emails is not None else []
            if value.strip():
                emails.append(Email(address=value))
        elif key == "url":
            urls = urls if urls is not None else []
            if value.strip():
                urls.append(Url(url=value))
        elif key.startswith("phone."):
            kind = key.split(".", 1)[1]
            phones.setdefault(kind, [])
            if value.strip():
                phones[kind].append(Phone(number=value, kind=kind))
        else:
            scalars[key] = value
    changes: dict[str, Any] = dict(scalars)
    if emails is not None:
        changes["emails"] = emails
    if urls is not None:
        changes["urls"] = urls
    if phones:
        kept = [p for p in contact.phones if p.kind not in phones]
        changes["phones"] = kept + [p for kind in phones for p in phones[kind]]
    if derived and "display_name" not in scalars:
        changes["display_name"] = ""  # built again from the new parts
    return replace(contact, **changes)


def field_names() -> tuple[str, ...]:
    """The model's field names (for checks that every field is handled)."""
    return tuple(f.name for f in fields(Contact))
