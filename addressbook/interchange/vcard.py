"""vCard: write 3.0 and 4.0; read 2.1, 3.0 and 4.0 from any program, leniently.

Mapping (both directions):

    display_name → FN                 given/family → N (family;given;;;)
    organization → ORG (first unit)   title → TITLE          notes → NOTE
    nickname     → NICKNAME           birthday → BDAY (YYYY-MM-DD or --MM-DD)
    urls         → URL;TYPE=work|home|other               categories → CATEGORIES (one, comma list)
    emails       → EMAIL;TYPE=work|home|other   (3.0 adds TYPE=internet)
    phones       → TEL;TYPE=…  work: work,voice   mobile: cell   fax: work,fax
                   ddi: work,voice   default: work,voice   other: voice
                   ddi, default and other also carry X-ADDRESSBOOK-KIND=<kind> so they
                   come back exactly; other programs read the standard TYPE.
    addresses    → ADR;TYPE=work (street) or TYPE=postal (postal); the street lines are
                   joined with '\\n' into ADR's street component.
    status       → X-ADDRESSBOOK-STATUS (only when not 'active')
    extra        → every other property of an imported card, written back as it came
                   (group, name, parameters, value text), after ours. UID lives here too:
                   a re-import matches a contact by it (see importer.py).
    originals    → an EMAIL, TEL, ADR or URL line that says more than its entry holds (a
                   group with Apple's X-ABLabel, a parameter other than TYPE such as PREF,
                   PID, ALTID, LANGUAGE or 4.0's LABEL and GEO, a TYPE no kind of ours
                   says such as HOME on a phone or pref, a post box or extended address
                   part), and a BDAY with a time of day, are kept in `extra` too (after
                   the other kept properties: emails, phones, addresses, URLs, birthday;
                   a group's X-ABLabel right after its line; the BDAY marked with
                   X-ADDRESSBOOK-ORIGINAL). While the entry reads the same, the original
                   is written in its place instead of ours; once the user changed the
                   entry (or its kind), ours is written and the original, label and all,
                   is not: a PREF, GEO or label of the old value does not fit the new.
                   `labels_of(contact)` gives the custom labels, for showing them.

vCard 4.0 output uses the 4.0 parameter forms: TYPE="work,voice" (one quoted list) and
TEL;VALUE=uri:tel:+64-21-555 where the number as typed is already a valid global tel URI
(RFC 3966: '+', digits and - . ( ) only); any other number is written as text, the 4.0
default, so it comes back exactly as the user typed it.

Reading (in the spirit of ez-vcard; vobject is not used for reading):
- The file is read as bytes, a chunk at a time, card by card (a 100 MB file never sits in
  memory whole). Line ends may be CR LF, LF, CR or CR CR LF (iOS with photos). Folded lines
  are joined on the bytes, *before* decoding, so a fold inside a UTF-8 sequence is harmless;
  quoted-printable soft line breaks ('=' at the end) are joined the same way.
- Each value is decoded by its own CHARSET (Shift_JIS, windows-125x, ISO-8859-x …), else as
  UTF-8, else by a guess (Shift_JIS when it gives kana, windows-1251 when it gives Cyrillic
  words, else windows-1252). UTF-16 files (with a BOM, or sniffed) are decoded as a stream.
- Property names, parameter names and values are case-insensitive; vCard 2.1 bare
  parameters (TEL;CELL, ;QUOTED-PRINTABLE) count as TYPE / ENCODING values.
- A line that is not a property (a bare `FN`, a `#` comment, an address label continued
  without a fold) costs that line only: it is reported (card and line) and skipped. Text
  outside any card is reported the same way. A card is refused only when nothing of it
  can be read (no name, organisation, email, nickname, phone, URL, address or address
  label), or has an unsupported VERSION.
- vCard 2.1 AGENT: the agent's card, written whole after the AGENT line, is kept as the
  AGENT's value in `extra` (in the 3.0 form, lines joined by escaped line ends), so it is
  written back on export.
- Group prefixes (ITEM1.EMAIL) and Apple's X-ABLabel are understood, a missing FN is built
  from N, TYPE=pref is ignored. A second FN/N/ORG/TITLE/NICKNAME/BDAY goes to `extra`.
- `extra` keeps each other property's parameters by upper-case name (bare 2.1 ones under
  TYPE) and its value text as in the card; a quoted-printable value is decoded (and its
  ENCODING and CHARSET parameters dropped) since the export is UTF-8 text.

Writing: the lines are assembled here with vobject's escaping functions, because
building vobject objects costs about 1 ms a card; `serialize_with_vobject` is the
reference for the mapped fields and the tests check both give the same text.
Lines are folded at 75 octets (vobject folds at 75 characters), never inside a character.
"""

from __future__ import annotations

import codecs
import functools
import io
import quopri
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

from vobject.base import Component, backslashEscape, dquoteEscape
from vobject.vcard import ADDRESS_ORDER, NAME_ORDER, VCard3_0, serializeFields
from vobject.vcard import Address as VAddress
from vobject.vcard import Name as VName

from addressbook import __version__
from addressbook.i18n import _
from addressbook.interchange._common import (
    Problem,
    bom_codec,
    charset_codec,
    decode_legacy,
    finish,
    guess_legacy,
    snippet,
)
from addressbook.kinds import apple_label
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
    clean,
    normalize_birthday,
    valid_birthday,
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
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# Characters a parameter value cannot hold unquoted.
_PARAM_SPECIAL = re.compile(r'[;:,"]')


class _Out3(VCard3_0):
    """vobject's vCard behaviour, with the properties in a readable order."""

    sortFirst = (
        "version",
        "prodid",
        "fn",
        "n",
        "nickname",
        "org",
        "title",
        "email",
        "tel",
        "adr",
        "url",
        "bday",
        "categories",
        "note",
    )
    # X-ADDRESSBOOK-STATUS sorts after these, as the fast writer puts it last.


class _Out4(_Out3):
    """The same for vCard 4.0: VERSION:4.0 (vobject only knows 3.0)."""

    versionString = "4.0"


# ------------------------------------------------------------------------------ writing


class Raw(str):
    """A value already in vCard form (an `extra` property's value text): written as is."""


# One property to write: NAME, parameters, and the value in vobject's native form
# (str for text, Name for N, Address for ADR, a list of units for ORG or CATEGORIES).
_Out = tuple[str, dict[str, list[str]], "str | VName | VAddress | list[str]"]


def write_vcards(contacts: Iterable[Contact], version: str) -> str:
    """Serialise contacts as vCard `version` ('3.0' or '4.0'), CRLF line ends, folded."""
    return "".join(iter_vcards(contacts, version))


def iter_vcards(contacts: Iterable[Contact], version: str) -> Iterator[str]:
    """Each contact's card text in turn (for writing a large export a card at a time)."""
    if version not in ("3.0", "4.0"):
        raise ValueError(f"cannot write vCard {version}")
    for contact in contacts:
        yield fold_card(_card_text(contact, version))


def serialize_with_vobject(contact: Contact, version: str) -> str:
    """One card as vobject's Component.serialize writes it (before our octet folding).

    The reference for the mapped fields: `extra` (raw values) is left out.
    """
    card = Component("VCARD")
    card.setBehavior(_Out4 if version == "4.0" else _Out3)
    for name, params, value in _properties(contact, version):
        if isinstance(value, Raw):
            continue
        line = card.add(name)
        line.value = value
        line.params = {key: list(values) for key, values in params.items()}
    return str(card.serialize(lineLength=_NO_FOLD))


def _param_text(value: str) -> str:
    if _PARAM_SPECIAL.search(value):
        return '"' + value.replace('"', "'") + '"'
    return value


def _card_text(contact: Contact, version: str) -> str:
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    for name, params, value in _properties(contact, version):
        if isinstance(value, Raw):
            head = name + "".join(
                f";{key}={','.join(_param_text(v) for v in values)}" if values else f";{key}"
                for key, values in params.items()
            )
            lines.append(f"{head}:{value}")
            continue
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
    shadows = _shadows(contact)
    originals = _originals(contact)
    kept = originals.lines if originals else None
    if "N" not in shadows and (version == "3.0" or contact.given_name or contact.family_name):
        out.append(("N", {}, VName(family=contact.family_name, given=contact.given_name)))
    if contact.nickname:
        out.append(("NICKNAME", {}, contact.nickname))
    if contact.organization and "ORG" not in shadows:
        out.append(("ORG", {}, [contact.organization]))
    if contact.title:
        out.append(("TITLE", {}, contact.title))
    for index, email in enumerate(contact.emails):
        if kept and ("emails", index) in kept:
            out += [_raw(item) for item in kept[("emails", index)]]
            continue
        types = ("internet", email.kind) if version == "3.0" else (email.kind,)
        out.append(("EMAIL", _type_param(types, version), email.address))
    for index, phone in enumerate(contact.phones):
        if kept and ("phones", index) in kept:
            out += [_raw(item) for item in kept[("phones", index)]]
            continue
        out.append(_phone(phone, version))
    for index, address in enumerate(contact.addresses):
        if kept and ("addresses", index) in kept:
            out += [_raw(item) for item in kept[("addresses", index)]]
            continue
        street = "\n".join(address.lines)
        value = VAddress(street, address.city, address.region, address.postcode, address.country)
        out.append(("ADR", _type_param((ADDRESS_TYPES[address.kind],), version), value))
    for index, url in enumerate(contact.urls):
        if kept and ("urls", index) in kept:
            out += [_raw(item) for item in kept[("urls", index)]]
            continue
        kind = url.kind if url.kind in URL_KINDS else "other"
        out.append(("URL", _type_param((kind,), version), url.url))
    if kept and ("birthday", 0) in kept:
        out += [_raw(item) for item in kept[("birthday", 0)]]
    elif contact.birthday:
        params = {}
        if version == "4.0" and not valid_birthday(contact.birthday):
            params["VALUE"] = ["text"]
        out.append(("BDAY", params, contact.birthday))
    if contact.categories:
        value = ",".join(str(backslashEscape(c)) for c in contact.categories)
        out.append(("CATEGORIES", {}, Raw(value)))
    if contact.notes:
        out.append(("NOTE", {}, contact.notes))
    if contact.status != "active":
        out.append((STATUS_PROPERTY, {}, contact.status))
    if originals is None:
        out += [_raw(item) for item in contact.extra]
    else:
        skipped = originals.skipped
        out += [_raw(item) for at, item in enumerate(contact.extra) if at not in skipped]
    return out


def _raw(item: _Item) -> _Out:
    """A kept property (an `extra` item) as it is written: as it came."""
    name = str(item.get("name") or "X-UNKNOWN")
    if item.get("group"):
        name = f"{item['group']}.{name}"
    params = {str(k): [str(v) for v in vs] for k, vs in dict(item.get("params") or {}).items()}
    return name, params, Raw(str(item.get("value") or "").replace("\n", "\\n"))


def _shadows(contact: Contact) -> dict[str, int]:
    """The kept full N and ORG that are written instead of ours.

    The reader keeps the whole N or ORG in `extra` when it holds more than the model maps
    (prefix, middle names, suffix; departments). While its family and given name (its
    first unit) still agree with the contact's, it is written in place of ours, so nothing
    is lost; once they differ (the name was edited), ours is written and it is kept as is.
    """
    found: dict[str, int] = {}
    for position, item in enumerate(contact.extra):
        name, value = item.get("name"), str(item.get("value") or "")
        if item.get("group") or name not in ("N", "ORG") or name in found:
            continue
        if name == "N":
            parts = _name_parts(value)
            agrees = (clean(parts[0]), clean(parts[1])) == (contact.family_name, contact.given_name)
            if agrees and any(part.strip() for part in parts[2:]):
                found["N"] = position
        else:
            units = split_raw(value, ";")
            agrees = clean(unescape(units[0])) == contact.organization
            if agrees and any(unit.strip() for unit in units[1:]):
                found["ORG"] = position
    return found


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
    if line.isascii():  # photos: long base64 lines, cut by slicing
        yield line[:_FOLD_AT]
        for start in range(_FOLD_AT, len(line), _FOLD_AT - 1):
            yield line[start : start + _FOLD_AT - 1]
        return
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

_CHUNK = 1 << 20
# Any line end: CR CR LF (iOS), CR LF, LF or a lone CR; made '\n' before anything else.
_BOUNDARY = re.compile(
    rb"^[ \t]*(BEGIN|END)[ \t]*:[ \t]*VCARD[ \t]*$", re.IGNORECASE | re.MULTILINE
)
_UNFOLD = re.compile(rb"\n[ \t]")
_QP = re.compile(rb"QUOTED-PRINTABLE", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z0-9_/+-]+")  # '/': KDE's old X-messaging/irc-All


class RawCard:
    """One card of a file: its number, first line, the bytes between BEGIN and END."""

    __slots__ = ("number", "line", "body")

    def __init__(self, number: int, line: int, body: bytes):
        self.number = number
        self.line = line  # the BEGIN:VCARD line
        self.body = body  # '\n' line ends, BEGIN and END lines left out


def open_text_stream(stream: BinaryIO) -> io.RawIOBase:
    """The stream as UTF-8 bytes: a UTF-16 file (BOM or sniffed) is decoded on the fly."""
    head = stream.read(512)
    codec, skip = bom_codec(head)
    rest: io.RawIOBase = _Prefixed(head[skip:], stream)
    if codec and codec.startswith("utf-16"):
        return _Recoded(rest, codec)
    return rest


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, stream: BinaryIO):
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            data, self._prefix = self._prefix, b""
            if size < 0:
                return data + self._stream.read()
            return data
        return self._stream.read(size)


class _Recoded(io.RawIOBase):
    """A UTF-16 stream read as UTF-8 bytes."""

    def __init__(self, stream: io.RawIOBase, codec: str):
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(codec)(errors="replace")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size) or b""
        text = self._decoder.decode(data, final=not data)
        return text.lstrip("\ufeff").encode("utf-8")


def split_cards(stream: BinaryIO) -> Iterator[RawCard | Problem]:
    """Cut a vCard file into cards, a chunk at a time; text outside cards is reported.

    Cards are numbered in file order. A card without its END (or BEGIN) is still read,
    with a warning; so is text outside any card (the first non-blank line of each stretch).
    """
    source = open_text_stream(stream)
    buffer = b""  # normalised text not yet finished with; starts at line `base`
    base = 1
    number = 0
    held = b""  # trailing CRs of the last chunk (may be half of a CR LF)
    while True:
        chunk = source.read(_CHUNK) or b""
        at_end = not chunk
        data = held + chunk
        held = b""
        if not at_end:
            keep = len(data) - len(data.rstrip(b"\r"))
            if keep:
                data, held = data[:-keep], data[-keep:]
        if b"\r" in data:
            data = _line_ends(data)
        buffer += data
        usable = buffer if at_end else buffer[: buffer.rfind(b"\n") + 1]
        lines = _LineCounter(usable, base)
        done = 0  # offset up to which usable is finished with
        begin_at = -1  # offset of the open card's BEGIN line
        body_at = 0
        depth = 0
        for m_start, m_end, is_begin in _boundaries(usable):
            if begin_at < 0:
                if is_begin:
                    junk = _junk(usable[done:m_start], lines.at(done))
                    if junk:
                        yield junk
                    begin_at, body_at, depth = m_start, m_end + 1, 1
                    continue
                # An END:VCARD without its BEGIN: what comes before it is read as a card.
                gap = usable[done:m_start]
                if gap.strip():
                    number += 1
                    start = done + (len(gap) - len(gap.lstrip(b"\n")))
                    first = lines.at(start)
                    yield Problem(
                        _("card {n}, line {line}").format(n=number, line=first),
                        _("no BEGIN:VCARD before this card's END:VCARD on line {line}").format(
                            line=lines.at(m_start)
                        ),
                        fatal=False,
                        card=number,
                        line=first,
                    )
                    yield RawCard(number, first - 1, usable[start:m_start])
                done = m_end
                continue
            if is_begin:
                before = usable[body_at:m_start].rstrip(b"\n")
                if before[before.rfind(b"\n") + 1 :][:5].upper() == b"AGENT":
                    depth += 1  # vCard 2.1 embeds the agent's card in the AGENT property
                    continue
                number += 1
                first = lines.at(begin_at)
                yield Problem(
                    _("card {n}, line {line}").format(n=number, line=first),
                    _("no END:VCARD before the next BEGIN:VCARD on line {line}").format(
                        line=lines.at(m_start)
                    ),
                    fatal=False,
                    card=number,
                    line=first,
                )
                yield RawCard(number, first, usable[body_at:m_start])
                begin_at, body_at, depth = m_start, m_end + 1, 1
                continue
            depth -= 1
            if depth:
                continue
            number += 1
            yield RawCard(number, lines.at(begin_at), usable[body_at:m_start])
            begin_at, done = -1, m_end
        if begin_at >= 0 and at_end:
            number += 1
            first = lines.at(begin_at)
            yield Problem(
                _("card {n}, line {line}").format(n=number, line=first),
                _("no END:VCARD before the end of the file; the card is read up to there"),
                fatal=False,
                card=number,
                line=first,
            )
            yield RawCard(number, first, usable[body_at:])
            return
        if begin_at >= 0:  # the open card goes on in the next chunk: read it again then
            done = begin_at
        else:
            junk = _junk(usable[done:], lines.at(done))
            if junk:
                yield junk
            done = len(usable)
        base = lines.at(done)
        buffer = buffer[done:]
        if at_end:
            return


def _line_ends(data: bytes) -> bytes:
    """CR CR LF, CR LF and lone CR made LF (replace() is twice as fast as a regex)."""
    unix = data.replace(b"\r\n", b"\n")
    if b"\r" not in unix:
        # Every CR ended a CR LF (the usual file): done, in one pass (counting the CRs
        # and CR LFs first, then dropping the CRs, took twice as many instructions).
        return unix
    if b"\r\r" in data:
        data = data.replace(b"\r\r\n", b"\n")
    data = data.replace(b"\r\n", b"\n")
    return data.replace(b"\r", b"\n") if b"\r" in data else data


def _boundaries(text: bytes) -> list[tuple[int, int, bool]]:
    """(start, end, is BEGIN) of each BEGIN:VCARD / END:VCARD line, in order.

    Most files write them in capitals at the start of a line: found by plain searching,
    which skips over photos fast. Any other spelling (lower case, blanks) anywhere, and
    the pattern is used instead.
    """
    found: list[tuple[int, int, bool]] = []
    for word, is_begin in ((b"BEGIN:VCARD", True), (b"END:VCARD", False)):
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or text[at - 1] == 10) and (end == len(text) or text[end] == 10):
                found.append((at, end, is_begin))
            at = text.find(word, end)
    if len(found) != text.lower().count(b"vcard"):
        return [
            (m.start(), m.end(), m.group(1).upper() == b"BEGIN") for m in _BOUNDARY.finditer(text)
        ]
    found.sort()
    return found


class _LineCounter:
    """Line numbers of offsets into a text, asked for in increasing order (mostly)."""

    def __init__(self, text: bytes, first: int):
        self._text = text
        self._offset = 0
        self._line = first
        self._first = first

    def at(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, self._first
        self._line += self._text.count(b"\n", self._offset, offset)
        self._offset = offset
        return self._line


def _junk(gap: bytes, line_no: int) -> Problem | None:
    """Text outside any card: a warning naming its first non-blank line (None if blank)."""
    if not gap.strip():
        return None
    lines = gap.split(b"\n")
    index = next(i for i, text in enumerate(lines) if text.strip())
    text = lines[index].decode("utf-8", "replace")
    return Problem(
        _("line {line}").format(line=line_no + index),
        _("text outside any vCard skipped: {text}").format(text=snippet(text)),
        fatal=False,
        line=line_no + index,
    )


# ---- one card


class Property:
    """One parsed content line: NAME, group, parameters, TYPE values and the value text.

    `value` is still backslash-escaped (quoted-printable and charsets are undone);
    `params` and `types` may be shared between properties (cached): never change them.
    """

    __slots__ = ("name", "group", "params", "types", "value", "decoded", "index")

    def __init__(
        self,
        name: str,
        group: str | None,
        params: dict[str, list[str]],
        types: frozenset[str],
        value: str,
        decoded: bool,
        index: int,
    ):
        self.name = name
        self.group = group
        self.params = params
        self.types = types
        self.value = value
        self.decoded = decoded  # quoted-printable was undone (its parameters go)
        self.index = index  # the logical line's number in the card

    def extra(self) -> dict[str, object]:
        """The property as an `extra` item: as in the card (quoted-printable undone)."""
        params = self.params
        value = self.value
        if self.decoded:
            params = {k: v for k, v in params.items() if k not in ("ENCODING", "CHARSET")}
            value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        elif "CHARSET" in params:
            params = {k: v for k, v in params.items() if k != "CHARSET"}
        item: dict[str, object] = {
            "name": self.name,
            "params": {k: list(v) for k, v in params.items()},
            "value": value,
        }
        if self.group:
            item["group"] = self.group
        return item


_ENCODINGS = frozenset(("QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"))
_Head = tuple[str, "str | None", dict[str, list[str]], frozenset[str], str, "str | None"]


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


@functools.lru_cache(maxsize=4096)
def _parse_head(head: bytes) -> _Head | None:
    """(NAME, group, params, TYPE values, ENCODING, CHARSET codec) of a line's head."""
    text = head.decode("utf-8", "replace")
    name_part, *param_parts = _split_outside_quotes(text, ";")
    group, _dot, name = name_part.strip().rpartition(".")
    name = name.replace("_", "-")  # as vobject: Lotus Notes writes X_ properties
    if not _NAME.fullmatch(name):
        return None
    params: dict[str, list[str]] = {}
    for part in param_parts:
        if not part.strip():
            continue
        key, equals, value = part.partition("=")
        if not equals:  # vCard 2.1 bare parameter
            part = part.strip()
            key, value = ("ENCODING" if part.upper() in _ENCODINGS else "TYPE"), part
        key = key.strip().upper()
        quoted = value.strip()
        if quoted.startswith('"') and quoted.endswith('"') and '"' not in quoted[1:-1]:
            values = [quoted[1:-1]]
        else:  # values as they are (kept verbatim in extra); TYPE is trimmed below
            values = [v.strip('"') for v in _split_outside_quotes(value, ",")]
        params.setdefault(key, []).extend(values)
    types = frozenset(
        t.strip().lower() for value in params.get("TYPE", ()) for t in value.split(",")
    )
    encoding = params.get("ENCODING", [""])[0].strip().upper()
    charset = charset_codec(params.get("CHARSET", [""])[0])
    return name.upper(), group or None, params, types, encoding, charset


def _logical_lines(body: bytes) -> list[tuple[int, bytes]]:
    """The card's unfolded lines, each with its first physical line's index in the body."""
    if not ((b"RINTABLE" in body or b"rintable" in body) and _QP.search(body)):
        if b"\n\t" in body:
            unfolded = _UNFOLD.sub(b"", body)
        else:  # folds by spaces only (nearly every card): as the pattern, at half the cost
            parts = body.split(b"\n ")
            unfolded = b"".join(parts) if len(parts) > 1 else body
        return list(enumerate(unfolded.split(b"\n")))  # indexes are logical; see _physical
    out: list[tuple[int, bytes]] = []
    soft = False  # the last line is quoted-printable and ends in a soft line break '='
    for index, line in enumerate(body.split(b"\n")):
        if out and soft:
            out[-1] = (out[-1][0], out[-1][1][:-1] + line)
        elif out and line[:1] in (b" ", b"\t"):
            out[-1] = (out[-1][0], out[-1][1] + line[1:])
        else:
            out.append((-1 - index, line))  # negative: a physical index already
        last = out[-1][1]
        colon = last.find(b":")
        soft = last.endswith(b"=") and colon > 0 and bool(_QP.search(last[:colon]))
    return out


def _physical(body: bytes, index: int) -> int:
    """The physical line (0-based, in the body) where logical line `index` starts."""
    if index < 0:
        return -1 - index
    starts = 0
    for number, line in enumerate(body.split(b"\n")):
        if number and line[:1] in (b" ", b"\t"):
            continue
        if starts == index:
            return number
        starts += 1
    return 0


def _head_end(line: bytes) -> int:
    """The offset of the ':' that ends the line's head (-1 if none)."""
    colon = line.find(b":")
    quote = line.find(b'"', 0, colon) if colon > 0 else -1
    while quote >= 0:  # a quoted stretch before the ':': the ':' is the first one after it
        close = line.find(b'"', quote + 1)
        if close < 0:
            return -1
        colon = line.find(b":", close + 1)
        if colon < 0:
            return -1
        quote = line.find(b'"', close + 1, colon)
    return colon


class _CardReader:
    """Reads one RawCard into properties, and the warnings of the lines it skipped."""

    def __init__(self, raw: RawCard):
        self.raw = raw
        self.where = _("card {n} (line {line})").format(n=raw.number, line=raw.line)
        self.warnings: list[Problem] = []
        self._guess: str | None = None
        self._named: str | None = None  # a CHARSET named somewhere in the card

    def _warn(self, index: int, reason: str) -> None:
        line = self.raw.line + 1 + _physical(self.raw.body, index)
        self.warnings.append(
            Problem(
                _("card {n}, line {line}").format(n=self.raw.number, line=line),
                reason,
                fatal=False,
                card=self.raw.number,
                line=line,
            )
        )

    def _fallback(self, data: bytes) -> str:
        """The code page of a value that is not UTF-8: a CHARSET the card names elsewhere,
        else a guess from the card's 8-bit bytes (or this quoted-printable value's)."""
        if self._named:
            return self._named
        if self._guess is None:
            body = self.raw.body
            self._guess = guess_legacy(body if not body.isascii() else data)
        return self._guess

    def _text(self, data: bytes, charset: str | None) -> str:
        if charset:
            return decode_legacy(data, charset)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return decode_legacy(data, self._fallback(data))

    def properties(self) -> list[Property]:
        result: list[Property] = []
        append = result.append
        parse = _parse_head
        embedded: list[bytes] = []  # the lines of a card inside this one (2.1 AGENT)
        for index, line in _logical_lines(self.raw.body):
            if embedded:
                embedded.append(line)
                if _embedded_done(embedded):
                    self._agent(result, embedded)
                    embedded = []
                continue
            colon = line.find(b":")
            parsed = None
            if colon > 0:
                head = line[:colon]
                if 34 in head:  # a '"' in the head: the ':' may be a quoted one
                    colon = _head_end(line)
                    head = line[:colon] if colon > 0 else b""
                parsed = parse(head) if head else None
            if parsed is None:
                if line.strip():
                    self._not_a_property(result, index, line)
                continue
            name, group, params, types, encoding, charset = parsed
            if name in ("BEGIN", "END"):
                if name == "BEGIN" and result and result[-1].name == "AGENT":
                    embedded = [line]  # vCard 2.1: the agent's card follows its AGENT line
                else:
                    self._warn(
                        index,
                        _("not a vCard property, skipped: {text}").format(
                            text=snippet(self._text(line, None))
                        ),
                    )
                continue
            raw_value = line[colon + 1 :]
            decoded = False
            if encoding:
                if encoding == "QUOTED-PRINTABLE":
                    raw_value = quopri.decodestring(raw_value)
                    decoded = True
                elif encoding in ("B", "BASE64") and (b" " in raw_value or b"\t" in raw_value):
                    raw_value = b"".join(raw_value.split())  # base64 ignores 2.1 fold blanks
            if charset:
                self._named = charset
                value = decode_legacy(raw_value, charset)
            else:
                try:
                    value = raw_value.decode("utf-8")
                except UnicodeDecodeError:
                    value = decode_legacy(raw_value, self._fallback(raw_value))
            append(Property(name, group, params, types, value, decoded, index))
        if embedded:  # the card ended inside the agent's card: what there is of it is kept
            self._agent(result, embedded)
        return result

    def _agent(self, result: list[Property], lines: list[bytes]) -> None:
        """The AGENT property before an embedded card takes the card's lines as its value.

        vCard 2.1 writes the agent's card whole after `AGENT:`; vCard 3.0 writes it as the
        AGENT's text value (lines joined by an escaped line end). Kept in that 3.0 form, it
        is written back as one AGENT line and read back the same; it ends in a line end
        (as RFC 2426's example does), so no fold of it reads as an END:VCARD line.
        """
        text = "\\n".join(_escape_text(self._text(line, None)) for line in lines)
        agent = result[-1]
        joined = agent.value.strip()
        agent.value = (joined + "\\n" if joined else "") + text + "\\n"

    def _not_a_property(self, result: list[Property], index: int, line: bytes) -> None:
        """A line that is no property: more of the one before it, or skipped (a warning)."""
        text = self._text(line, None)
        last = result[-1] if result else None
        if last is not None and _continues(last, text):
            # An address label or note continued on a raw line (no fold): more of it.
            joiner = "" if last.params.get("ENCODING") else "\\n"
            last.value += joiner + text
            self._warn(
                index,
                _("not a vCard property; taken as more of the {name} above: {text}").format(
                    name=last.name, text=snippet(text)
                ),
            )
            return
        self._warn(index, _("not a vCard property, skipped: {text}").format(text=snippet(text)))


_KNOWN = frozenset(
    [
        "FN",
        "N",
        "NICKNAME",
        "PHOTO",
        "BDAY",
        "ADR",
        "LABEL",
        "TEL",
        "EMAIL",
        "MAILER",
        "TZ",
        "GEO",
        "TITLE",
        "ROLE",
        "LOGO",
        "AGENT",
        "ORG",
        "CATEGORIES",
        "NOTE",
        "PRODID",
        "REV",
        "SORT-STRING",
        "SOUND",
        "UID",
        "URL",
        "VERSION",
        "CLASS",
        "KEY",
        "IMPP",
        "KIND",
        "GENDER",
        "LANG",
        "MEMBER",
        "RELATED",
        "ANNIVERSARY",
        "XML",
        "SOURCE",
        "CLIENTPIDMAP",
        "FBURL",
        "CALURI",
        "CALADRURI",
    ]
)
_CONTINUED = frozenset(("LABEL", "NOTE", "ADR", "PHOTO", "LOGO", "SOUND", "KEY"))
_BASE64 = re.compile(r"[A-Za-z0-9+/=]+")


_EMBEDDED_END = re.compile(rb"[ \t]*END[ \t]*:[ \t]*VCARD[ \t]*", re.IGNORECASE)
_EMBEDDED_BEGIN = re.compile(rb"[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*", re.IGNORECASE)


def _embedded_done(lines: list[bytes]) -> bool:
    """Whether the embedded card's lines so far close every BEGIN:VCARD they opened."""
    line = lines[-1]
    if len(line) > 40 or not _EMBEDDED_END.fullmatch(line):
        return False
    depth = 0
    for line in lines:
        if len(line) <= 40:
            if _EMBEDDED_BEGIN.fullmatch(line):
                depth += 1
            elif _EMBEDDED_END.fullmatch(line):
                depth -= 1
    return depth <= 0


def _escape_text(text: str) -> str:
    """A text as a vCard 3.0 text value (backslash, semicolon, comma escaped)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


def _continues(last: Property, text: str) -> bool:
    """Whether a line that is no property reads as the rest of the property before it:
    a label, note or address broken by a raw line end, or base64 lines without a fold.
    A comment, or a bare property name (an empty `FN` of vCard 2.1), is not."""
    if text.lstrip().startswith("#") or text.strip().upper() in _KNOWN:
        return False
    if last.params.get("ENCODING"):
        return bool(_BASE64.fullmatch(text.strip()))
    return last.name in _CONTINUED or last.name.startswith("X-")


def read_vcard_stream(stream: BinaryIO) -> Iterator[Contact | Problem]:
    """Each card of a vCard byte stream as a Contact, preceded by its warnings.

    A Problem with fatal=True stands for a card that is not imported; fatal=False for a
    line skipped (the card it names is still imported) or text outside any card.
    """
    for item in split_cards(stream):
        if isinstance(item, Problem):
            yield item
            continue
        yield from read_card(item)


def read_card(raw: RawCard) -> list[Contact | Problem]:
    """One card of split_cards: its warnings, then the Contact (or the fatal Problem)."""
    reader = _CardReader(raw)
    contact = _read_card(reader)
    return [*reader.warnings, contact]


def read_vcards(text: str) -> Iterator[Contact | Problem]:
    """The same for text already decoded."""
    return read_vcard_stream(io.BytesIO(text.encode("utf-8")))


_SINGLE = ("FN", "N", "ORG", "TITLE", "NICKNAME", "BDAY", STATUS_PROPERTY)
_DROPPED = frozenset(("VERSION", "PRODID"))


def _read_card(reader: _CardReader) -> Contact | Problem:
    props = reader.properties()
    where, number = reader.where, reader.raw.number
    version = ""
    mapped_groups: set[str] = set()
    labels: dict[str, str] = {}
    label_props: dict[str, list[Property]] = {}
    for p in props:
        if p.name == "VERSION":
            version = version or unescape(p.value).strip()
        elif p.group:
            if p.name == "X-ABLABEL":
                labels[p.group.lower()] = _apple_label(unescape(p.value))
                label_props.setdefault(p.group.lower(), []).append(p)
            elif p.name in _ORIGINAL_OF:
                mapped_groups.add(p.group.lower())
    if version and version not in READABLE_VERSIONS:
        return Problem(
            where,
            _("unsupported vCard version {version} (2.1, 3.0 or 4.0 expected)").format(
                version=repr(version)
            ),
            card=number,
        )
    contact = ContactDraft()
    name_parts: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    extra: list[dict[str, object]] = []
    # The lines of entries that say more than the model holds, (kind of entry, line,
    # entry): kept after the other kept properties, by kind of entry (_originals_read).
    originals: list[tuple[int, Property, _Entry]] = []
    plain = _PLAIN_PARAMS
    for prop in props:
        name = prop.name
        if name in _DROPPED:
            continue
        if name in _SINGLE:
            if name in seen:
                extra.append(prop.extra())
                continue
            seen.add(name)
        if name == "FN":
            contact.display_name = unescape(prop.value)
        elif name == "N":
            name_parts = _name_parts(prop.value)
            contact.family_name, contact.given_name = name_parts[0], name_parts[1]
            if any(part.strip() for part in name_parts[2:]):
                extra.append(prop.extra())  # prefix, middle names, suffix: kept (see writer)
        elif name == "ORG":
            units = split_raw(prop.value, ";")
            contact.organization = unescape(units[0])
            if any(unit.strip() for unit in units[1:]):
                extra.append(prop.extra())  # the departments: kept (see writer)
        elif name == "TITLE":
            contact.title = unescape(prop.value)
        elif name == "NICKNAME":
            # 3.0 and 4.0: a comma list of nicknames (2.1 has no list); one field here.
            names = [prop.value] if version == "2.1" else split_raw(prop.value, ",")
            contact.nickname = ", ".join(unescape(n).strip() for n in names if n.strip())
        elif name == "BDAY":
            contact.birthday = unescape(prop.value)
            if contact.birthday.strip() and (
                _TIMED.match(contact.birthday) or not _PLAIN_BDAY.issuperset(prop.params)
            ):
                # A time of day (or more): the line is written back while the date stays.
                originals.append((4, prop, contact.birthday))
        elif name == "NOTE":
            notes.append(unescape(prop.value))
        elif name == "EMAIL":
            email = Email(unescape(prop.value), _email_kind(prop, labels))
            contact.emails.append(email)
            params = prop.params
            if (
                prop.group
                or not prop.types <= _EMAIL_WRITTEN.get(email.kind, _NOTHING)
                or ((len(params) > 1 or "TYPE" not in params) and not plain.issuperset(params))
            ):
                originals.append((0, prop, email))
        elif name == "TEL":
            phone = Phone(_phone_number(prop), _phone_kind(prop, labels))
            contact.phones.append(phone)
            params = prop.params
            if (
                prop.group
                or not prop.types <= _PHONE_WRITTEN[phone.kind]
                or ((len(params) > 1 or "TYPE" not in params) and not plain.issuperset(params))
                or (
                    prop.value[:1] in ("t", "T")
                    and prop.value[:4].lower() == "tel:"
                    and not _TEL_URI_SAFE.fullmatch(phone.number)
                )
            ):
                originals.append((1, prop, phone))
        elif name == "ADR":
            address, more = _address_read(prop)
            contact.addresses.append(address)
            params = prop.params
            if (
                more
                or prop.group
                or not prop.types <= _ADDRESS_WRITTEN[address.kind]
                or ((len(params) > 1 or "TYPE" not in params) and not plain.issuperset(params))
            ):
                originals.append((2, prop, address))
        elif name == "URL":
            url = Url(unescape(prop.value), _url_kind(prop, labels))
            contact.urls.append(url)
            params = prop.params
            if (
                prop.group
                or not prop.types <= _URL_WRITTEN.get(url.kind, _NOTHING)
                or ((len(params) > 1 or "TYPE" not in params) and not plain.issuperset(params))
            ):
                originals.append((3, prop, url))
        elif name == "CATEGORIES":
            contact.categories += [unescape(c) for c in split_raw(prop.value, ",")]
        elif name == STATUS_PROPERTY:
            contact.status = unescape(prop.value).strip().lower()
        elif name == "X-ABLABEL" and prop.group and prop.group.lower() in mapped_groups:
            continue
        else:
            extra.append(prop.extra())
    if contact.status not in STATUSES:
        reader._warn(
            next(p.index for p in props if p.name == STATUS_PROPERTY),
            _("unknown {name} {value}, taken as active").format(
                name=STATUS_PROPERTY, value=repr(contact.status)
            ),
        )
        contact.status = "active"
    if not contact.display_name.strip():
        # Other programs may leave FN out or empty: build it from every part of N.
        parts = [name_parts[i] for i in (3, 1, 2, 0, 4)] if name_parts else []
        contact.display_name = " ".join(p for p in parts if p.strip())
    contact.notes = "\n".join(notes)
    kept: list[dict[str, object]] = []
    taken: set[str] = set()  # the groups whose X-ABLabel went with an original
    if originals:
        originals.sort(key=_first)  # by kind of entry; in the card's order within a kind
        for kind, prop, entry in originals:
            if kind == 4:
                kept.append(_marked(prop))
            else:
                kept += _original_lines(prop, entry, label_props, taken)
    for group, kept_labels in label_props.items():
        if group in mapped_groups and group not in taken:  # no original took them
            extra += [label.extra() for label in kept_labels]
    extra += kept
    contact.extra = extra
    return finish(contact, where, number)


def unescape(raw: str) -> str:
    """A vCard text value without its backslash escapes.

    '\\n' is a line end; a backslash before any other character that is no letter or
    digit stands for that character ('\\,' ';' ':', and the '\\"' of Gmail, the "\\'" of
    DAVx5); before a letter or digit it is kept (a path 'C:\\temp' in a note).
    """
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(_unescaped, raw)


def _unescaped(match: re.Match[str]) -> str:
    char = match.group(1)
    if char in "nN":
        return "\n"
    return match.group(0) if char.isalnum() else char


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
    if "\\" not in raw:  # nothing escaped (most names): plain splits
        parts = raw.split(";")
        parts += [""] * (size - len(parts))
        if list_joiner is None or "," not in raw:
            return parts[:size]
        return [list_joiner.join(part.split(",")) for part in parts[:size]]
    parts = split_raw(raw, ";")
    parts += [""] * (size - len(parts))
    if list_joiner is None:
        return [unescape(part) for part in parts[:size]]
    return [list_joiner.join(unescape(v) for v in split_raw(part, ",")) for part in parts[:size]]


def _name_parts(raw: str) -> list[str]:
    """N as [family, given, additional, prefix, suffix]; several given names joined by spaces."""
    return _structured(raw, 5, " ")


def _own_kind(prop: Property, kinds: tuple[str, ...]) -> str:
    """Our X-ADDRESSBOOK-KIND parameter, if it names one of kinds."""
    values = prop.params.get(KIND_PARAM)
    kind = values[0].strip().lower() if values else ""
    return kind if kind in kinds else ""


def _apple_label(label: str) -> str:
    """Apple's X-ABLabel ('_$!<Other>!$_' or a custom label) in lower case, unwrapped."""
    label = label.strip()
    if label.startswith("_$!<") and label.endswith(">!$_"):
        label = label[4:-4]
    return label.lower()


def _email_kind(prop: Property, labels: dict[str, str]) -> str:
    own = _own_kind(prop, EMAIL_KINDS)
    if own:
        return own
    types = prop.types
    label = labels.get((prop.group or "").lower(), "")
    for kind in ("work", "home", "other"):
        if kind in types or label == kind:
            return kind
    return "other" if label else "work"


def _url_kind(prop: Property, labels: dict[str, str]) -> str:
    types = prop.types
    label = labels.get((prop.group or "").lower(), "")
    for kind in ("work", "home", "other"):
        if kind in types or label == kind:
            return kind
    return "other" if label or types else "work"


def _phone_kind(prop: Property, labels: dict[str, str]) -> str:
    own = _own_kind(prop, PHONE_KINDS)
    if own:
        return own
    types = prop.types
    label = labels.get((prop.group or "").lower(), "")
    if label in ("ddi", "default", "other", "mobile", "work"):
        return label
    if "fax" in types or "fax" in label:
        return "fax"
    if types & {"cell", "mobile", "iphone", "car"} or label in ("iphone", "cell"):
        return "mobile"
    if "main" in types or label == "main":
        return "default"
    if types & {"home", "other", "pager", "textphone"}:
        return "other"
    # VOICE, MSG (voice mail), VIDEO, ISDN, BBS and MODEM say how, not where: with WORK
    # it is a work number (RFC 2426's TYPE=VOICE,MSG,WORK).
    if "work" in types:
        return "work"
    if types & {"video", "isdn", "bbs", "modem", "msg"}:
        return "other"
    return "other" if label else "work"


def _phone_number(prop: Property) -> str:
    """The number as typed; a tel: URI (VALUE=uri, or plainly one) made readable again."""
    value = unescape(prop.value)
    if value[:4].lower() != "tel:":
        return value
    number, *params = value[4:].split(";")
    extension = next((p[4:] for p in params if p.lower().startswith("ext=")), "")
    number = unquote(number)
    return f"{number} ext. {unquote(extension)}" if extension else number


def _address_read(prop: Property) -> tuple[Address, bool]:
    """The address, and whether it has a post box or extended part (ours has neither)."""
    box, extended, street, city, region, code, country = _structured(prop.value, 7, None)
    own = _own_kind(prop, ADDRESS_KINDS)
    kind = own or ("postal" if "postal" in prop.types else "street")
    # The street's lines, then the extended address's and the post box's (each may hold
    # several lines too: Gmail puts the whole formatted address in the extended one).
    lines = [line for part in (street, extended, box) if part.strip() for line in part.split("\n")]
    more = bool(box.strip() or extended.strip())
    return Address(kind, lines, city, region, code, country), more


# ---- the original lines of entries (read and written)

ORIGINAL_PARAM = "X-ADDRESSBOOK-ORIGINAL"  # marks the kept BDAY line of the birthday
# The entries whose line is kept when it carries more than the model holds, by property.
_ORIGINAL_OF = {"EMAIL": "emails", "TEL": "phones", "ADR": "addresses", "URL": "urls"}
_ORIGINAL_NAMES = frozenset((*_ORIGINAL_OF, "BDAY"))
# Parameters that say nothing the entry does not (how the value is written, our kind).
_PLAIN_PARAMS = frozenset(("TYPE", "VALUE", "ENCODING", "CHARSET", KIND_PARAM))
_PLAIN_BDAY = frozenset(("VALUE", "ENCODING", "CHARSET"))
_TIMED = re.compile(r"\s*(?:\d{4}|--)-?\d{2}-?\d{2}T", re.IGNORECASE)
_NOTHING: frozenset[str] = frozenset()
# The TYPE values the writer gives each kind (and the ones it leaves implied).
_EMAIL_WRITTEN = {kind: frozenset((kind, "internet")) for kind in EMAIL_KINDS}
_PHONE_WRITTEN = {kind: frozenset((*types, "voice")) for kind, (types, _k) in PHONE_TYPES.items()}
_ADDRESS_WRITTEN = {kind: frozenset((value,)) for kind, value in ADDRESS_TYPES.items()}
_URL_WRITTEN = {kind: frozenset((kind,)) for kind in URL_KINDS}
_Entry = Email | Phone | Address | Url | str
_Item = dict[str, Any]


def _first(original: tuple[int, Property, _Entry]) -> int:
    return original[0]


def _marked(prop: Property) -> dict[str, object]:
    """The BDAY line as an `extra` item marked as the birthday's own (not a second BDAY)."""
    item = prop.extra()
    params = cast(dict[str, list[str]], item["params"])
    params[ORIGINAL_PARAM] = ["birthday"]
    return item


def _original_lines(
    prop: Property, entry: _Entry, label_props: dict[str, list[Property]], taken: set[str]
) -> list[dict[str, object]]:
    """prop's line (with its group's X-ABLabel) kept as the entry's original, or nothing.

    The reader keeps it for a line that says more than the entry read from it, as the
    writer would write the entry: a group (an Apple label), a parameter other than TYPE
    (PREF, PID, ALTID, LANGUAGE, 4.0's LABEL and GEO …), a TYPE the kind does not give
    (HOME on a phone, pref), a post box or extended address part, a tel: URI the writer
    would write as text. Kept only when the line reads back as the same entry, so that
    writing it instead of ours changes nothing of the contact. A group's labels say the
    kind of every line in it; they are kept (and written) after its first original in
    the order the originals are written (emails, phones, addresses, URLs), as the writer
    gives them back.
    """
    if _empty(entry):
        return []  # an empty entry is no entry: nothing is written for it, nor its line
    group = prop.group.lower() if prop.group else ""
    labels = label_props.get(group, []) if group else []
    item = prop.extra()
    label_items = [label.extra() for label in labels]
    if _entry_of(item, label_items) != entry:
        return []
    if labels and group not in taken:
        taken.add(group)
        return [item, *label_items]
    return [item]


def _empty(entry: _Entry) -> bool:
    if isinstance(entry, Address):
        return entry.is_empty()
    if isinstance(entry, Email):
        return not entry.address
    if isinstance(entry, Phone):
        return not entry.number
    if isinstance(entry, Url):
        return not entry.url
    return not entry


def _as_property(item: _Item) -> Property:
    params = {str(k): [str(v) for v in vs] for k, vs in dict(item.get("params") or {}).items()}
    types = frozenset(
        t.strip().lower() for value in params.get("TYPE", ()) for t in value.split(",")
    )
    name, group = str(item.get("name") or ""), item.get("group") or None
    return Property(name, group, params, types, str(item.get("value") or ""), False, 0)


def _entry_of(item: _Item, label_items: list[_Item]) -> _Entry:
    """What the reader makes of a kept line (with its labels): the entry, or a birthday."""
    prop = _as_property(item)
    labels = {
        (prop.group or "").lower(): _apple_label(unescape(str(label.get("value") or "")))
        for label in label_items
    }
    if prop.name == "EMAIL":
        return Email(unescape(prop.value), _email_kind(prop, labels))
    if prop.name == "TEL":
        return Phone(_phone_number(prop), _phone_kind(prop, labels))
    if prop.name == "ADR":
        return _address_read(prop)[0]
    if prop.name == "URL":
        return Url(unescape(prop.value), _url_kind(prop, labels))
    return normalize_birthday(unescape(prop.value))


class _Originals:
    """Which kept original lines a contact's entries are written as.

    `lines[(field, position)]`: the items written in place of ours for that entry (its
    line; after the group's first original written, the group's X-ABLabel); `labels`: the
    X-ABLabel items that name each such entry's kind; `skipped`: the positions in `extra`
    of every kept original and label (not written among the other kept properties). An
    original whose entry is no longer there (the user changed or removed it) is not
    written: the user's entry is (its group's label goes with the group's next original).
    """

    __slots__ = ("lines", "labels", "skipped")

    def __init__(self, contact: Contact):
        self.lines: dict[tuple[str, int], list[_Item]] = {}
        self.labels: dict[tuple[str, int], list[_Item]] = {}
        self.skipped: set[int] = set()
        extra = contact.extra
        labels: dict[str, list[int]] = {}
        for position, item in enumerate(extra):
            if item.get("name") == "X-ABLABEL" and item.get("group"):
                labels.setdefault(str(item["group"]).lower(), []).append(position)
        taken: set[str] = set()  # groups whose labels are written with an original
        after: dict[str, int] = {}  # per field: the entry the last original went to
        for position, item in enumerate(extra):
            name = item.get("name")
            field = _ORIGINAL_OF.get(str(name))
            if field is None:
                if name == "BDAY" and ORIGINAL_PARAM in (item.get("params") or {}):
                    self.skipped.add(position)
                    if (
                        ("birthday", 0) not in self.lines
                        and contact.birthday
                        and _entry_of(item, []) == contact.birthday
                    ):
                        params = {k: v for k, v in item["params"].items() if k != ORIGINAL_PARAM}
                        self.lines[("birthday", 0)] = [{**item, "params": params}]
                continue
            group = str(item.get("group") or "").lower()
            at = labels.get(group, []) if group else []
            self.skipped.add(position)
            self.skipped.update(at)
            label_items = [extra[i] for i in at]
            entry = _entry_of(item, label_items)
            entries = getattr(contact, field)
            # The originals were kept in the card's order, as the entries were: the next
            # equal entry after the last one matched is this original's (two numbers
            # '0', one with PREF), else any equal one left (the user moved entries).
            start = after.get(field, -1) + 1
            for index in (*range(start, len(entries)), *range(start)):
                if entries[index] == entry and (field, index) not in self.lines:
                    # The group's labels go with its first original written.
                    written = at and group not in taken
                    self.lines[(field, index)] = [item, *label_items] if written else [item]
                    if written:
                        taken.add(group)
                    if label_items:
                        self.labels[(field, index)] = label_items
                    after[field] = index
                    break


def _originals(contact: Contact) -> _Originals | None:
    """The contact's kept original lines (None, quickly, when it has none)."""
    for item in contact.extra:
        if item.get("name") in _ORIGINAL_NAMES:
            return _Originals(contact)
    return None


def labels_of(contact: Contact) -> dict[tuple[str, int], str]:
    """The custom labels of the contact's entries, for showing beside (or instead of) the
    kind: {('phones', 2): 'Assistant'}. A label is an Apple X-ABLabel kept with the
    entry's original line (Apple's '_$!<HomePage>!$_' gives 'home page', in the user's
    words; a label the user typed comes as typed); one that only names the
    entry's kind ('_$!<Mobile>!$_' on a mobile) is left out."""
    originals = _originals(contact)
    if originals is None:
        return {}
    found: dict[tuple[str, int], str] = {}
    for (field, index), items in originals.labels.items():
        for item in items:
            text = unescape(str(item.get("value") or "")).strip()
            apple = text.startswith("_$!<") and text.endswith(">!$_")
            if apple:
                text = text[4:-4]
            entry = getattr(contact, field)[index]
            if text and text.lower() != getattr(entry, "kind", ""):
                # Apple's own labels in the user's words; one the user typed as typed.
                found[(field, index)] = apple_label(text) if apple else text
    return found
