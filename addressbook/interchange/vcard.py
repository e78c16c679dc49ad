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
decoded.

How vobject is used, and why not everywhere:
- Reading: the file is split into cards here, so one broken card is reported by its number
  and first line instead of stopping the whole parse. Each line is parsed with vobject's
  content-line grammar (`line_re`, `parseParams`); quoted-printable cards go through
  vobject's `getLogicalLines` and `ContentLine` (soft line breaks, CHARSET). Text values
  are unescaped here: vobject's text decoding drops everything after an unescaped comma,
  which Google and others write. Plain unfolding is done here, the same as vobject's.
- Writing: the lines are assembled here with vobject's escaping functions, because
  building vobject objects costs about 1 ms a card (27 s to export 10,000 contacts);
  `serialize_with_vobject` is the reference and the tests check both give the same text.
  Lines are folded at 75 octets (vobject folds at 75 characters).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from vobject.base import (
    Component,
    ContentLine,
    VObjectError,
    backslashEscape,
    dquoteEscape,
    getLogicalLines,
    line_re,
    parseParams,
)
from vobject.vcard import ADDRESS_ORDER, NAME_ORDER, VCard3_0, serializeFields
from vobject.vcard import Address as VAddress
from vobject.vcard import Name as VName

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
_QUOTED_PRINTABLE = re.compile(r"[A-Za-z0-9_.-]+;[^:]*quoted-printable", re.IGNORECASE)
_UNFOLD = re.compile(r"\r\n[ \t]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "N": "\n", ",": ",", ";": ";", ":": ":", "\\": "\\"}


class _Out3(VCard3_0):
    """vobject's vCard behaviour, with the properties in a readable order."""

    sortFirst = ("version", "prodid", "fn", "n", "org", "title", "email", "tel", "adr", "note")
    # X-ADDRESSBOOK-STATUS sorts after these, as the fast writer puts it last.


class _Out4(_Out3):
    """The same for vCard 4.0: VERSION:4.0 (vobject only knows 3.0)."""

    versionString = "4.0"


# ------------------------------------------------------------------------------ writing


# One property to write: NAME, parameters, and the value in vobject's native form
# (str for text, Name for N, Address for ADR, a list of units for ORG).
_Out = tuple[str, dict[str, list[str]], "str | VName | VAddress | list[str]"]


def write_vcards(contacts: Iterable[Contact], version: str) -> str:
    """Serialise contacts as vCard `version` ('3.0' or '4.0'), CRLF line ends, folded.

    The lines are assembled here with vobject's own escaping (backslashEscape,
    serializeFields, dquoteEscape): building vobject objects costs about 1 ms a card,
    which makes exporting a large address book slow. `serialize_with_vobject` is the
    reference; the tests check both give the same text.
    """
    if version not in ("3.0", "4.0"):
        raise ValueError(f"cannot write vCard {version}")
    return "".join(fold_card(_card_text(c.normalized(), version)) for c in contacts)


def serialize_with_vobject(contact: Contact, version: str) -> str:
    """One card as vobject's Component.serialize writes it (before our octet folding)."""
    card = Component("VCARD")
    card.setBehavior(_Out4 if version == "4.0" else _Out3)
    for name, params, value in _properties(contact.normalized(), version):
        line = card.add(name)
        line.value = value
        line.params = {key: list(values) for key, values in params.items()}
    return str(card.serialize(lineLength=_NO_FOLD))


def _card_text(contact: Contact, version: str) -> str:
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    for name, params, value in _properties(contact, version):
        head = name.upper() + "".join(
            f";{key}={','.join(dquoteEscape(v) for v in params[key])}" for key in sorted(params)
        )
        lines.append(f"{head}:{_escaped(value)}")
    lines.append("END:VCARD\r\n")
    return "\r\n".join(lines)


def _escaped(value: str | VName | VAddress | list[str]) -> str:
    """The value escaped as vobject's behaviours escape it."""
    if isinstance(value, str):
        return str(backslashEscape(value))
    if isinstance(value, VName):
        return str(serializeFields(value, NAME_ORDER))
    if isinstance(value, VAddress):
        return str(serializeFields(value, ADDRESS_ORDER))
    return str(serializeFields(value))


def _properties(contact: Contact, version: str) -> list[_Out]:
    """What a card of contact holds, in the order it is written (VERSION aside)."""
    out: list[_Out] = [("PRODID", {}, PRODID), ("FN", {}, contact.display_name)]
    if version == "3.0" or contact.given_name or contact.family_name:  # N is required in 3.0
        out.append(("N", {}, VName(family=contact.family_name, given=contact.given_name)))
    if contact.organization:
        out.append(("ORG", {}, [contact.organization]))
    if contact.title:
        out.append(("TITLE", {}, contact.title))
    for email in contact.emails:
        types = ("internet", email.kind) if version == "3.0" else (email.kind,)
        out.append(("EMAIL", _type_param(types, version), email.address))
    for phone in contact.phones:
        out.append(_phone(phone, version))
    for address in contact.addresses:
        street = "\n".join(address.lines)
        value = VAddress(street, address.city, address.region, address.postcode, address.country)
        out.append(("ADR", _type_param((ADDRESS_TYPES[address.kind],), version), value))
    if contact.notes:
        out.append(("NOTE", {}, contact.notes))
    if contact.status != "active":
        out.append((STATUS_PROPERTY, {}, contact.status))
    return out


def _phone(phone: Phone, version: str) -> _Out:
    types, own_kind = PHONE_TYPES[phone.kind]
    params = _type_param(types, version)
    value = phone.number
    if version == "4.0" and _TEL_URI_SAFE.fullmatch(phone.number):
        value = "tel:" + phone.number
        params["VALUE"] = ["uri"]
    if own_kind:
        params[KIND_PARAM] = [own_kind]
    return "TEL", params, value


def _type_param(types: tuple[str, ...], version: str) -> dict[str, list[str]]:
    # 4.0 writes one quoted list, TYPE="work,voice" (dquoteEscape quotes a value with a comma).
    return {"TYPE": [",".join(types)] if version == "4.0" else list(types)}


def fold_card(card: str) -> str:
    """Fold each line longer than 75 UTF-8 octets (vobject counts characters), never inside
    a character."""
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
    """One parsed content line: NAME, group, parameters and the still-escaped value.

    `params` and `types` may be shared between properties (cached): never change them.
    """

    __slots__ = ("name", "group", "params", "singletonparams", "types", "value")

    def __init__(self, name: str, group: str | None, parsed: _Params, value: str):
        self.name = name
        self.group = group
        self.params, self.singletonparams, self.types = parsed
        self.value = value


_Params = tuple[dict[str, list[str]], list[str], frozenset[str]]


def _params_of(params: list[list[str]]) -> _Params:
    """Parameters by upper-case name, bare (2.1) ones, and every TYPE in lower case."""
    named: dict[str, list[str]] = {}
    bare: list[str] = []
    for param in params:
        if len(param) == 1:
            bare.append(param[0])
        else:
            named.setdefault(param[0].upper(), []).extend(param[1:])
    # TYPE comes as TYPE=a,b  TYPE="a,b"  TYPE=a;TYPE=b  or 2.1's bare ;A;B.
    types = {t.strip().lower() for value in named.get("TYPE", []) for t in value.split(",")}
    types.update(value.lower() for value in bare)
    return named, bare, frozenset(types)


@functools.lru_cache(maxsize=1024)
def _cached_params(text: str) -> _Params:
    # Cards repeat the same few parameter lists (TYPE=cell, TYPE="work,voice", …).
    return _params_of(parseParams(text))


def _logical_lines(lines: list[str], allow_qp: bool) -> Iterator[str]:
    """The card's unfolded lines."""
    text = "\r\n".join(lines)
    if allow_qp:
        # vobject joins quoted-printable soft line breaks, which plain unfolding cannot.
        for logical, _ in getLogicalLines(io.StringIO(text), True):
            yield logical
        return
    # The same unfolding as vobject's (a line end followed by one space or tab), in one pass.
    for logical in _UNFOLD.sub("", text).split("\r\n"):
        if logical:
            yield logical


def _parse_line(logical: str, allow_qp: bool) -> Property:
    """One content line by vobject's grammar (its line pattern and parameter parser)."""
    match = line_re.match(logical)
    if match is None:
        raise VObjectError("not a content line")
    name = match.group("name").replace("_", "-").upper()  # as vobject: Lotus Notes' '_'
    group, value, params = match.group("group"), match.group("value"), match.group("params")
    if allow_qp and "QUOTED-PRINTABLE" in params.upper():
        # vobject's ContentLine decodes quoted-printable (with its CHARSET).
        decoded = ContentLine(name, parseParams(params), value, group, encoded=True)
        plain = [[key, *values] for key, values in decoded.params.items()]
        plain += [[single] for single in decoded.singletonparams]
        return Property(name, group, _params_of(plain), decoded.value)
    return Property(name, group, _cached_params(params), value)


def _content_lines(lines: list[str], first_line: int) -> list[Property] | str:
    """The card's properties (raw values), or why they cannot be read."""
    allow_qp = any(_QUOTED_PRINTABLE.match(line) for line in lines if "=" in line)
    result = []
    try:
        for logical in _logical_lines(lines, allow_qp):
            try:
                result.append(_parse_line(logical, allow_qp))
            except VObjectError:
                where = first_line + _physical_index(lines, logical)
                return f"line {where} is not a vCard property: {snippet(logical)}"
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
    if "\\" + separator not in raw:  # no separator is escaped
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
    types = line.types
    label = labels.get((line.group or "").lower(), "")
    for kind in ("work", "home", "other"):
        if kind in types or label == kind:
            return kind
    return "other" if label else "work"


def _phone_kind(line: Property, labels: dict[str, str]) -> str:
    own = _own_kind(line, PHONE_KINDS)
    if own:
        return own
    types = line.types
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
    kind = own or ("postal" if "postal" in line.types else "street")
    lines = street.split("\n") if street else []
    lines += [part for part in (extended, box) if part.strip()]
    return Address(kind, lines, city, region, code, country)
