"""vCard: write 3.0 and 4.0, read 2.1, 3.0 and 4.0 (ours and other programs'), through vobject.

Mapping (both directions):

    display_name → FN                 given/family → N (family;given;;;)
    organization → ORG (first unit)   title → TITLE          notes → NOTE
    emails       → EMAIL;TYPE=work|home|other   (3.0 adds TYPE=internet)
    phones       → TEL;TYPE=…  work: work,voice   mobile: cell   fax: work,fax
                   ddi: work,voice   default: work,voice   other: voice
                   ddi, default and other also carry X-ADDRESSBOOK-KIND=<kind> so they
                   come back exactly; other programs read the standard TYPE.
    addresses    → ADR;TYPE=work (street) or TYPE=postal (postal); the street lines are
                   joined with '\\n' into ADR's street component.
    status       → X-ADDRESSBOOK-STATUS (only when not 'active')

vCard 4.0 output uses the 4.0 parameter forms: TYPE="work,voice" (one quoted list) and
TEL;VALUE=uri:tel:+64-21-555 where the number as typed is already a valid global tel URI
(RFC 3966: '+', digits and - . ( ) only); any other number is written as text, the 4.0
default, so it comes back exactly as the user typed it.

Reading is lenient about other programs' cards (Google, Apple, Thunderbird, KAddressBook,
phones): unknown properties are ignored, group prefixes (ITEM1.EMAIL) and Apple's
X-ABLabel are understood, a missing FN is built from N, only the first ORG unit is kept,
TYPE=pref is ignored, vCard 2.1 bare parameters (TEL;CELL) and quoted-printable values are
decoded. vobject does the line grammar (unfolding, parameters, quoted-printable); the file
is split into cards here first, so one broken card is reported by its number and first
line instead of stopping the whole parse, and text values are unescaped here because
vobject's text decoding drops everything after an unescaped comma.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from vobject.base import (
    Component,
    ContentLine,
    VObjectError,
    getLogicalLines,
    parseLine,
)
from vobject.vcard import Address as VAddress
from vobject.vcard import Name as VName
from vobject.vcard import VCard3_0

from addressbook import __version__
from addressbook.interchange._common import Problem, finish, snippet
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

KIND_PARAM = "X-ADDRESSBOOK-KIND"
STATUS_PROPERTY = "X-ADDRESSBOOK-STATUS"
PRODID = f"-//addressbook//addressbook {__version__}//EN"
READABLE_VERSIONS = ("2.1", "3.0", "4.0")

# kind → (standard TYPE values, our own kind parameter or None)
PHONE_TYPES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "work": (("work", "voice"), None),
    "mobile": (("cell",), None),
    "fax": (("work", "fax"), None),
    "ddi": (("work", "voice"), "ddi"),
    "default": (("work", "voice"), "default"),
    "other": (("voice",), "other"),
}
ADDRESS_TYPES = {"street": "work", "postal": "postal"}

# A number as typed that is already a valid global tel URI (RFC 3966 global-number-digits).
_TEL_URI_SAFE = re.compile(r"\+[0-9().\-]*[0-9][0-9().\-]*")
_FOLD_AT = 75
_NO_FOLD = 1 << 30
_LINE_END = re.compile(r"\r\n|\r|\n")
# A property line (not a folded continuation) whose parameters say quoted-printable.
_QUOTED_PRINTABLE = re.compile(
    r"^[A-Za-z0-9_.-]+;[^:\r\n]*quoted-printable", re.IGNORECASE | re.MULTILINE
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "N": "\n", ",": ",", ";": ";", ":": ":", "\\": "\\"}


class _Out3(VCard3_0):
    """vobject's vCard behaviour, with the properties in a readable order."""

    sortFirst = ("version", "prodid", "fn", "n", "org", "title", "email", "tel", "adr", "note")


class _Out4(_Out3):
    """The same for vCard 4.0: VERSION:4.0 (vobject only knows 3.0)."""

    versionString = "4.0"


# ------------------------------------------------------------------------------ writing


def write_vcards(contacts: Iterable[Contact], version: str) -> str:
    """Serialise contacts as vCard `version` ('3.0' or '4.0'), CRLF line ends, folded."""
    if version not in ("3.0", "4.0"):
        raise ValueError(f"cannot write vCard {version}")
    # vobject folds by characters; RFC 6350 asks for at most 75 octets, so fold here.
    return "".join(
        _fold(_card(contact.normalized(), version).serialize(lineLength=_NO_FOLD))
        for contact in contacts
    )


def _fold(card: str) -> str:
    """Fold each line longer than 75 UTF-8 octets, never inside a character."""
    lines = card.split("\r\n")
    for index, line in enumerate(lines):
        if len(line) > _FOLD_AT // 4 and len(line.encode("utf-8")) > _FOLD_AT:
            lines[index] = "\r\n ".join(_fold_pieces(line))
    return "\r\n".join(lines)


def _fold_pieces(line: str) -> Iterator[str]:
    piece: list[str] = []
    size, limit = 0, _FOLD_AT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            yield "".join(piece)
            piece, size, limit = [], 0, _FOLD_AT - 1  # continuation lines start with a space
        piece.append(char)
        size += width
    yield "".join(piece)


def _card(contact: Contact, version: str) -> Component:
    card = Component("VCARD")
    card.setBehavior(_Out4 if version == "4.0" else _Out3)
    card.add("prodid").value = PRODID
    card.add("fn").value = contact.display_name
    if version == "3.0" or contact.given_name or contact.family_name:  # N is required in 3.0
        card.add("n").value = VName(family=contact.family_name, given=contact.given_name)
    if contact.organization:
        card.add("org").value = [contact.organization]
    if contact.title:
        card.add("title").value = contact.title
    for email in contact.emails:
        line = card.add("email")
        line.value = email.address
        _set_types(line, ("internet", email.kind) if version == "3.0" else (email.kind,), version)
    for phone in contact.phones:
        _add_phone(card, phone, version)
    for address in contact.addresses:
        line = card.add("adr")
        line.value = VAddress(
            street="\n".join(address.lines),
            city=address.city,
            region=address.region,
            code=address.postcode,
            country=address.country,
        )
        _set_types(line, (ADDRESS_TYPES[address.kind],), version)
    if contact.notes:
        card.add("note").value = contact.notes
    if contact.status != "active":
        card.add(STATUS_PROPERTY).value = contact.status
    return card


def _add_phone(card: Component, phone: Phone, version: str) -> None:
    types, own_kind = PHONE_TYPES[phone.kind]
    line = card.add("tel")
    if version == "4.0" and _TEL_URI_SAFE.fullmatch(phone.number):
        line.value = "tel:" + phone.number
        line.params["VALUE"] = ["uri"]
    else:
        line.value = phone.number
    _set_types(line, types, version)
    if own_kind:
        line.params[KIND_PARAM] = [own_kind]


def _set_types(line: ContentLine, types: tuple[str, ...], version: str) -> None:
    # 4.0 writes one quoted list, TYPE="work,voice": vobject quotes a value holding a comma.
    line.params["TYPE"] = [",".join(types)] if version == "4.0" else list(types)


# ------------------------------------------------------------------------------ reading


def read_vcards(text: str) -> Iterator[Contact | Problem]:
    """Each card of text as a Contact, or the Problem that stops it being imported."""
    for item in _split_cards(text):
        if isinstance(item, Problem):
            yield item
        else:
            number, first_line, lines = item
            yield _read_card(lines, f"card {number} (line {first_line})", first_line)


def _split_cards(text: str) -> Iterator[tuple[int, int, list[str]] | Problem]:
    """Cut text into cards (number, first line, lines) so each is read and judged alone."""
    number = 0
    start = 0  # first line of the open card, 0 when between cards
    depth = 0
    lines: list[str] = []
    in_junk = False
    for index, line in enumerate(_LINE_END.split(text), 1):
        key = line.strip().upper() if line[:1] in "BbEe \t" else ""
        if not start:
            if key == "BEGIN:VCARD":
                number, start, depth, lines, in_junk = number + 1, index, 1, [line], False
            elif line.strip() and not in_junk:
                in_junk = True
                yield Problem(f"line {index}", f"text outside any vCard: {snippet(line)}")
            continue
        if key == "BEGIN:VCARD":
            if lines[-1].upper().startswith("AGENT"):  # vCard 2.1 embeds the agent's card
                depth += 1
            else:
                yield Problem(
                    f"card {number} (line {start})",
                    f"no END:VCARD before the next BEGIN:VCARD on line {index}",
                )
                number, start, depth, lines = number + 1, index, 1, [line]
                continue
        lines.append(line)
        if key == "END:VCARD":
            depth -= 1
            if not depth:
                yield number, start, lines
                start = 0
    if start:
        yield Problem(f"card {number} (line {start})", "no END:VCARD before the end of the file")


class Property:
    """One parsed content line: NAME, group, parameters and the still-escaped value."""

    __slots__ = ("name", "group", "params", "singletonparams", "value")

    def __init__(self, name: str, group: str | None, params: list[list[str]], value: str):
        self.name = name.upper()
        self.group = group
        self.value = value
        self.params: dict[str, list[str]] = {}
        self.singletonparams: list[str] = []
        for param in params:
            if len(param) == 1:
                self.singletonparams.append(param[0])
            else:
                self.params.setdefault(param[0].upper(), []).extend(param[1:])


def _content_lines(lines: list[str], first_line: int) -> list[Property] | str:
    """The card's properties as parsed by vobject (raw values), or why they cannot be."""
    text = "\r\n".join(lines)
    allow_qp = bool(_QUOTED_PRINTABLE.search(text))
    result = []
    try:
        for logical, _ in getLogicalLines(io.StringIO(text), allow_qp):
            try:
                name, params, value, group = parseLine(logical)
                if allow_qp and "QUOTED-PRINTABLE" in logical.upper().split(":", 1)[0]:
                    # vobject's ContentLine decodes quoted-printable (with its CHARSET).
                    decoded = ContentLine(name, params, value, group, encoded=True)
                    params = [[key, *values] for key, values in decoded.params.items()]
                    params += [[single] for single in decoded.singletonparams]
                    value = decoded.value
            except VObjectError:
                where = first_line + _physical_index(lines, logical)
                return f"line {where} is not a vCard property: {snippet(logical)}"
            result.append(Property(name, group, params, value))
    except (UnicodeError, LookupError, ValueError) as error:
        return f"its quoted-printable text cannot be decoded ({error})"
    return result


def _physical_index(lines: list[str], logical: str) -> int:
    """Where a logical line starts in the card (vobject's own line numbers are unreliable)."""
    return next((i for i, line in enumerate(lines) if line and logical.startswith(line)), 0)


def _read_card(lines: list[str], where: str, first_line: int) -> Contact | Problem:
    parsed = _content_lines(lines, first_line)
    if isinstance(parsed, str):
        return Problem(where, parsed)
    props = _top_level(parsed)
    version = next((unescape(line.value).strip() for line in props if line.name == "VERSION"), "")
    if version and version not in READABLE_VERSIONS:
        return Problem(where, f"unsupported vCard version {version!r} (2.1, 3.0 or 4.0 expected)")
    labels = {
        line.group.lower(): _apple_label(unescape(line.value))
        for line in props
        if line.name == "X-ABLABEL" and line.group
    }
    contact = Contact()
    name_parts: list[str] = []
    notes: list[str] = []
    for line in props:
        name = line.name
        if name == "FN" and not contact.display_name:
            contact.display_name = unescape(line.value)
        elif name == "N" and not name_parts:
            name_parts = _name_parts(line.value)
            contact.family_name, contact.given_name = name_parts[0], name_parts[1]
        elif name == "ORG" and not contact.organization:
            contact.organization = unescape(split_raw(line.value, ";")[0])
        elif name == "TITLE" and not contact.title:
            contact.title = unescape(line.value)
        elif name == "NOTE":
            notes.append(unescape(line.value))
        elif name == "EMAIL":
            contact.emails.append(Email(unescape(line.value), _email_kind(line, labels)))
        elif name == "TEL":
            contact.phones.append(Phone(_phone_number(line), _phone_kind(line, labels)))
        elif name == "ADR":
            contact.addresses.append(_address(line))
        elif name == STATUS_PROPERTY:
            contact.status = unescape(line.value).strip().lower()
    if contact.status not in STATUSES:
        return Problem(where, f"unknown {STATUS_PROPERTY} {contact.status!r}")
    if not contact.display_name.strip():
        # Other programs may leave FN out or empty: build it from every part of N.
        parts = [name_parts[i] for i in (3, 1, 2, 0, 4)] if name_parts else []
        contact.display_name = " ".join(p for p in parts if p.strip())
    contact.notes = "\n".join(notes)
    return finish(contact, where)


def _top_level(lines: list[Property]) -> list[Property]:
    """The card's own properties, without BEGIN/END and without an embedded (AGENT) card."""
    result = []
    depth = 0
    for line in lines:
        if line.name == "BEGIN":
            depth += 1
        elif line.name == "END":
            depth -= 1
        elif depth == 1:
            result.append(line)
    return result


def unescape(raw: str) -> str:
    """A vCard text value without its backslash escapes (unknown escapes are kept)."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(0)), raw)


def split_raw(raw: str, separator: str) -> list[str]:
    """Split a still-escaped value on the separators that are not escaped."""
    if "\\" not in raw:
        return raw.split(separator)
    parts = []
    begin = index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            index += 2
            continue
        if char == separator:
            parts.append(raw[begin:index])
            begin = index + 1
        index += 1
    parts.append(raw[begin:])
    return parts


def _structured(raw: str, size: int, list_joiner: str | None) -> list[str]:
    """The components of N or ADR; a component's comma list is joined with list_joiner."""
    parts = split_raw(raw, ";")
    parts += [""] * (size - len(parts))
    if list_joiner is None:
        return [unescape(part) for part in parts[:size]]
    return [list_joiner.join(unescape(v) for v in split_raw(part, ",")) for part in parts[:size]]


def _name_parts(raw: str) -> list[str]:
    """N as [family, given, additional, prefix, suffix]; several given names joined by spaces."""
    return _structured(raw, 5, " ")


def _types(line: Property) -> set[str]:
    """TYPE values in any form: TYPE=a,b  TYPE="a,b"  TYPE=a;TYPE=b  and 2.1's bare ;A;B."""
    types = {t.strip().lower() for value in line.params.get("TYPE", []) for t in value.split(",")}
    types.update(value.lower() for value in line.singletonparams)
    return types


def _own_kind(line: Property, kinds: tuple[str, ...]) -> str:
    """Our X-ADDRESSBOOK-KIND parameter, if it names one of kinds."""
    values = line.params.get(KIND_PARAM)
    kind = values[0].strip().lower() if values else ""
    return kind if kind in kinds else ""


def _apple_label(label: str) -> str:
    """Apple's X-ABLabel ('_$!<Other>!$_' or a custom label) in lower case, unwrapped."""
    label = label.strip()
    if label.startswith("_$!<") and label.endswith(">!$_"):
        label = label[4:-4]
    return label.lower()


def _email_kind(line: Property, labels: dict[str, str]) -> str:
    own = _own_kind(line, EMAIL_KINDS)
    if own:
        return own
    types = _types(line)
    label = labels.get((line.group or "").lower(), "")
    for kind in ("work", "home", "other"):
        if kind in types or label == kind:
            return kind
    return "other" if label else "work"


def _phone_kind(line: Property, labels: dict[str, str]) -> str:
    own = _own_kind(line, PHONE_KINDS)
    if own:
        return own
    types = _types(line)
    label = labels.get((line.group or "").lower(), "")
    if label in ("ddi", "default", "other", "mobile", "work"):
        return label
    if "fax" in types or "fax" in label:
        return "fax"
    if types & {"cell", "mobile", "iphone", "car"}:
        return "mobile"
    if "main" in types or label == "main":
        return "default"
    if types & {"home", "other", "pager", "video", "textphone", "isdn", "bbs", "modem", "msg"}:
        return "other"
    return "other" if label else "work"


def _phone_number(line: Property) -> str:
    """The number as typed; a tel: URI (VALUE=uri) made readable again."""
    value = unescape(line.value)
    is_uri = any(v.lower() == "uri" for v in line.params.get("VALUE", []))
    if not (is_uri and value[:4].lower() == "tel:"):
        return value
    number, *params = value[4:].split(";")
    extension = next((p[4:] for p in params if p.lower().startswith("ext=")), "")
    number = unquote(number)
    return f"{number} ext. {unquote(extension)}" if extension else number


def _address(line: Property) -> Address:
    box, extended, street, city, region, code, country = _structured(line.value, 7, None)
    own = _own_kind(line, ADDRESS_KINDS)
    kind = own or ("postal" if "postal" in _types(line) else "street")
    lines = street.split("\n") if street else []
    lines += [part for part in (extended, box) if part.strip()]
    return Address(kind, lines, city, region, code, country)
