"""The one place XML is read and written: safe, size-capped, streaming where it matters.

API::

    from addressbook.connectors import xml

    # A whole (small) answer → the xmltodict form {root: value}.
    doc = xml.parse(body, force_list={"contact"}, service="Harvest")
    # A large answer, item by item (items are the elements at item_depth; root = depth 1):
    for path, item in xml.iter_items(client.iter_bytes(response), item_depth=2,
                                     force_list={"contact"}, service="Harvest"):
        ...                                  # path: [(name, attrs or None), …] root → item
    # …or by hand, to also read the rest of the document (root attributes, status…):
    stream = xml.XmlStream(item_depth=2, service="Harvest")
    items = stream.feed(chunk)               # the items completed by this chunk
    stream.close()                           # BadAnswer if the XML is incomplete
    stream.document                          # {root: …} without the items

    xml.text(node)      # an element's text: str, or None (empty or nil="true")
    xml.value(node)     # typed: type="integer" → int, "boolean" → bool, else text
    xml.with_text(node, "new")               # same element, new text, attributes kept
    xml.overlay(base, {"email": "x@y"})      # base's order and unknown elements kept
    xml.to_xml("contact", {...})             # bytes, UTF-8, with the XML declaration

The xmltodict form: an element with neither attributes nor children is its text (None
when empty); otherwise a dict with '@attr' keys, child names, and '#text'. Repeated
children become a list, and so does every child named in force_list (a list of one is
a list). Attributes such as `type="integer"` and `nil="true"` stay in the form, so
`to_xml` re-emits them.

Safety: any DOCTYPE or entity declaration is refused before it is expanded (entity
bombs, external entities); so are elements nested deeper than MAX_DEPTH (the raw form
must stay writable as JSON, and no nesting bomb reaches a recursive walker) and
elements with more than MAX_ATTRIBUTES attributes; an HTML page (a proxy's or a sign-in
page) is named as such instead of as broken XML; no text field may exceed MAX_TEXT, no record (an element at
item_depth, or a child of the root in `parse`) MAX_RECORD — checked while the bytes
arrive, so a 50 MB field is refused after reading little more than MAX_TEXT, while a
listing of 100,000 records streams through. Every problem is a BadAnswer sentence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any
from xml.parsers import expat

import xmltodict

from addressbook.errors import BadAnswer
from addressbook.i18n import _

MAX_TEXT = 64 * 1024  # characters in one element's text
MAX_RECORD = 1024 * 1024  # characters (tags, attributes, text) in one record
MAX_DEPTH = 64  # element nesting; the services' records are a handful of levels deep
MAX_ATTRIBUTES = 256  # attributes on one element

Path = list[tuple[str, dict[str, str] | None]]
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# An HTML page: optional XML declaration and comments, then <!DOCTYPE html or <html.
_HTML_START = re.compile(
    rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>/])", re.I | re.S
)
_DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_BOMS = ((b"\xef\xbb\xbf", "UTF-8"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


class _Refused(Exception):
    """Raised inside expat's callbacks; turned into BadAnswer by the caller."""


class XmlStream:
    """An incremental parser: feed bytes, collect items at item_depth (see the module doc)."""

    def __init__(
        self,
        item_depth: int = 0,
        force_list: Collection[str] = (),
        service: str = "the service",
        max_text: int = MAX_TEXT,
        max_record: int = MAX_RECORD,
        record_depth: int | None = None,
        encoding: str | None = None,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.item_depth = item_depth
        self.encoding = encoding  # overrides the document's own (a Content-Type charset)
        self.max_depth = max_depth
        self.force_list = frozenset(force_list)
        self.service = service
        self.max_text = max_text
        self.max_record = max_record
        self.record_depth = record_depth or item_depth or 2
        self.document: dict[str, Any] = {}
        self._stack: list[list[Any]] = []  # frames: [name, attrs, children, text parts, length]
        self._ready: list[tuple[Path, Any]] = []
        self._started = False
        self._received = False
        self._closed = False
        self._head = b""  # the first bytes, to name an HTML page as such
        self._parser: Any = None  # made at the first bytes, once their encoding is known

    def _make_parser(self) -> Any:
        parser = expat.ParserCreate(self.encoding)
        parser.buffer_text = True
        start, end, characters = self._handlers()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        return parser

    # --- feeding ----------------------------------------------------------------------
    def feed(self, chunk: bytes) -> list[tuple[Path, Any]]:
        """Parse one chunk; return the items it completed."""
        if not self._received and chunk.strip():
            self._received = True
        if len(self._head) < 512:
            self._head += chunk[: 512 - len(self._head)]
            if self._looks_like_html():
                raise BadAnswer(self._html_message())
        self._parse(chunk, final=False)
        ready = self._ready[:]  # the callbacks hold on to this list: empty it in place
        self._ready.clear()
        return ready

    def close(self) -> list[tuple[Path, Any]]:
        """End of the answer: the last items; BadAnswer if the XML is incomplete."""
        if not self._closed:
            self._closed = True
            self._parse(b"", final=True)
        ready = self._ready[:]
        self._ready.clear()
        return ready

    def _parse(self, data: bytes, final: bool) -> None:
        if self._parser is None:
            self.encoding = self.encoding or true_encoding(data)
            self._parser = self._make_parser()
        try:
            self._parser.Parse(data, final)
        except _Refused as refused:
            raise BadAnswer(str(refused)) from None
        except expat.ExpatError as error:
            raise self._expat_error(error, final) from None

    def _looks_like_html(self) -> bool:
        return bool(_HTML_START.match(self._head.removeprefix(b"\xef\xbb\xbf")))

    def _html_message(self) -> str:
        return _(
            "{service} sent a web page (HTML) where XML was expected: a proxy "
            "or sign-in page may be in the way, or the account's URL is wrong; check the "
            "URL and your network."
        ).format(service=_cap(self.service))

    def _expat_error(self, error: expat.ExpatError, final: bool) -> BadAnswer:
        if self._looks_like_html():
            return BadAnswer(self._html_message())
        where = _("line {line}, column {column}").format(line=error.lineno, column=error.offset + 1)
        reason = expat.ErrorString(error.code)
        service = _cap(self.service)
        if final and not self._received:
            return BadAnswer(
                _("{service} sent an empty answer where XML was expected.").format(service=service)
            )
        if final and (self._stack or not self._started):
            return BadAnswer(
                _(
                    "The answer from {service} ended before its XML was complete ({where}); "
                    "try again."
                ).format(service=self.service, where=where)
            )
        return BadAnswer(
            _("{service} sent XML that is not well-formed ({reason} at {where}); refused.").format(
                service=service, reason=reason, where=where
            )
        )

    # --- expat callbacks ----------------------------------------------------------------
    def _refuse_doctype(self, name: str, *_args: object) -> None:
        if str(name).lower() == "html":
            raise _Refused(self._html_message())
        self._refuse_entity()

    def _refuse_entity(self, *_args: object) -> None:
        raise _Refused(
            _("{service} sent XML with entity declarations; refused.").format(
                service=_cap(self.service)
            )
        )

    def _handlers(self) -> tuple[Callable[..., None], Callable[..., None], Callable[..., None]]:
        """expat's element and text callbacks, as closures over local state.

        They run for every element of a listing of 100,000 records: lookups on self and
        method calls there are most of a pull's parsing time. A frame on the stack is
        [name, attrs or None, children or None, text parts or None, text length].
        """
        stack = self._stack
        ready = self._ready
        force_list = self.force_list
        item_depth, record_depth = self.item_depth, self.record_depth
        max_text, max_record, max_depth = self.max_text, self.max_record, self.max_depth
        record = [0]  # characters (tags, attributes, text) of the current record so far

        def start(name: str, attrs: dict[str, str]) -> None:
            depth = len(stack) + 1
            if depth == 1 or depth > max_depth or (attrs and len(attrs) > MAX_ATTRIBUTES):
                self._check_start(name, attrs, depth)
            if depth >= record_depth:
                size = len(name) * 2 + 5
                if attrs:
                    for key, val in attrs.items():
                        size += len(key) + len(val) + 4
                record[0] = size if depth == record_depth else record[0] + size
                if record[0] > max_record:
                    self._too_large()
            stack.append([name, attrs or None, None, None, 0])

        def characters(data: str) -> None:
            frame = stack[-1]
            length = frame[4] = frame[4] + len(data)
            if length > max_text:
                self._too_long(frame[0])
            if len(stack) >= record_depth:
                record[0] += len(data)
                if record[0] > max_record:
                    self._too_large()
            if frame[3] is None:
                frame[3] = [data]
            else:
                frame[3].append(data)

        def end(name: str) -> None:
            _, attrs, children, parts, _ = stack.pop()
            if parts is None:
                text = ""
            elif len(parts) == 1:
                text = parts[0].strip()
            else:
                text = "".join(parts).strip()
            if attrs is None and children is None:
                value: Any = text or None
            else:
                value = {}
                if attrs:
                    for key, val in attrs.items():  # a loop: a comprehension is a call each time
                        value["@" + key] = val
                if children:
                    value.update(children)
                if text:
                    value["#text"] = text
            if len(stack) + 1 == item_depth:
                path: Path = [(frame[0], frame[1]) for frame in stack]
                path.append((name, attrs))
                ready.append((path, value))
                return
            if not stack:
                self.document = {name: value}
                return
            # Into the parent's children, inline (this runs for every element): a
            # repeated name becomes a list, and so does a force_list name from the start.
            parent = stack[-1]
            siblings = parent[2]
            if siblings is None:
                parent[2] = {name: [value] if name in force_list else value}
            elif name in siblings:
                existing = siblings[name]
                if isinstance(existing, list):
                    existing.append(value)
                else:
                    siblings[name] = [existing, value]
            else:
                siblings[name] = [value] if name in force_list else value

        return start, end, characters

    def _check_start(self, name: str, attrs: dict[str, str], depth: int) -> None:
        """The rare checks of an element's start: the root, too deep, too many attributes."""
        self._started = True
        if depth == 1 and name.lower() == "html":
            raise _Refused(self._html_message())
        if depth > self.max_depth:
            raise _Refused(
                _("{service} sent XML nested more than {most} levels deep; refused.").format(
                    service=_cap(self.service), most=self.max_depth
                )
            )
        if len(attrs) > MAX_ATTRIBUTES:
            raise _Refused(
                _(
                    "{service} sent an element <{name}> with more than {most} attributes; refused."
                ).format(service=_cap(self.service), name=name[:40], most=MAX_ATTRIBUTES)
            )

    def _too_long(self, name: str) -> None:
        raise _Refused(
            _("{service} sent a field <{name}> longer than {kib} KiB; refused.").format(
                service=_cap(self.service), name=name, kib=self.max_text // 1024
            )
        )

    def _too_large(self) -> None:
        raise _Refused(
            _("{service} sent a record larger than {kib} KiB; refused.").format(
                service=_cap(self.service), kib=self.max_record // 1024
            )
        )


def parse(
    data: bytes | str,
    force_list: Collection[str] = (),
    service: str = "the service",
    max_text: int = MAX_TEXT,
    max_record: int = MAX_RECORD,
    encoding: str | None = None,
) -> dict[str, Any]:
    """A whole answer in the xmltodict form {root: value}; BadAnswer if unsafe or broken.

    `encoding` overrides the document's own (see `encoding_for`).
    """
    stream = XmlStream(
        0,
        force_list,
        service,
        max_text=max_text,
        max_record=max_record,
        record_depth=2,
        encoding=encoding,
    )
    body = data.encode("utf-8") if isinstance(data, str) else data
    if encoding is None and (declared_encoding(body) or "utf-8").lower().replace("-", "") in (
        "utf8",
        "usascii",
        "ascii",
    ):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:  # says UTF-8 (or nothing), is not: a single-byte text
            stream.encoding = "ISO-8859-1"
    stream.feed(body)
    stream.close()
    return stream.document


def iter_items(
    chunks: Iterable[bytes],
    item_depth: int,
    force_list: Collection[str] = (),
    service: str = "the service",
    max_text: int = MAX_TEXT,
    max_record: int = MAX_RECORD,
    encoding: str | None = None,
) -> Iterator[tuple[Path, Any]]:
    """Each element at item_depth as (path root → item, item), parsed as the chunks arrive."""
    stream = XmlStream(
        item_depth,
        force_list,
        service,
        max_text=max_text,
        max_record=max_record,
        encoding=encoding,
    )
    for chunk in chunks:
        yield from stream.feed(chunk)
    yield from stream.close()


def declared_encoding(head: bytes) -> str | None:
    """The encoding a document names itself (byte-order mark or XML declaration), if any."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    found = _DECLARED_ENCODING.match(head[:512])
    return found.group(1).decode("ascii") if found else None


def is_empty_list(document: Mapping[str, Any]) -> bool:
    """True for Rails' form of an empty array: `<nil-classes type="array"/>` (any root name
    with type="array" and no children), which Rails 2 writes for every empty list."""
    if len(document) != 1:
        return False
    node = next(iter(document.values()))
    if not isinstance(node, Mapping):
        return False
    return node.get("@type") == "array" and not any(not k.startswith("@") for k in node)


def true_encoding(head: bytes) -> str | None:
    """The encoding to force when a document's declaration names one its bytes are not in.

    Captured answers declare `utf-16` (or -32) on single-byte text: without a byte-order
    mark and without a NUL among the first bytes, the text is not UTF-16; it is read as
    UTF-8 when it is that, else as ISO-8859-1. None: the declaration (or default) is right.
    """
    declared = declared_encoding(head)
    if declared is None or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    wide = declared.lower().replace("-", "").replace("_", "").startswith(("utf16", "utf32", "ucs"))
    if wide and b"\x00" not in head[:512]:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut at the chunk's end
                return "ISO-8859-1"
        return "UTF-8"
    return None


def encoding_for(head: bytes, content_type: str | None) -> str | None:
    """The encoding to force on a document: the Content-Type charset, only when the
    document names none itself (a declaration is more often right than a server's default)."""
    if not content_type or declared_encoding(head):
        return None
    for part in content_type.split(";")[1:]:
        key, _, val = part.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
            if charset and charset.lower().replace("-", "") != "utf8":
                return charset
    return None


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.I | re.S)
_HTML_SKIP = re.compile(r"<(script|style|head)[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def plain_text(body: bytes, limit: int = 200) -> str:
    """A short, one-line gist of a non-XML body for a sentence (an HTML page's title or text)."""
    raw = body.decode("utf-8", errors="replace")
    title = _HTML_TITLE.search(raw)
    if title and title.group(1).strip():
        raw = title.group(1)
    elif "<" in raw:
        raw = _TAG.sub(" ", _HTML_SKIP.sub(" ", raw))
    gist = " ".join(html.unescape(raw).split()).replace("<", "‹").replace(">", "›")
    return gist if len(gist) <= limit else gist[: limit - 1].rstrip() + "…"


# --- reading values ---------------------------------------------------------------------
def _is_nil(node: Mapping[str, Any]) -> bool:
    """nil="true", or XML Schema's xsi:nil="true" under any prefix."""
    for k, v in node.items():  # a loop, not any(): it runs for every field of a pull
        if v == "true" and (k == "@nil" or (k.startswith("@") and k.endswith(":nil"))):
            return True
    return False


def text(node: Any) -> str | None:
    """The text of an element in the xmltodict form (None for empty or nil="true")."""
    if node is None:
        return None
    if type(node) is str:
        return node or None
    if isinstance(node, dict):
        if _is_nil(node):
            return None
        inner = node.get("#text")
        return inner if inner else None
    if isinstance(node, list):
        return text(node[0]) if node else None
    return str(node) if node != "" else None


def value(node: Any) -> Any:
    """The typed value of an element: int for type="integer", bool for "boolean", else text."""
    raw = text(node)
    kind = node.get("@type") if isinstance(node, dict) else None
    if raw is None or kind is None:
        return raw
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return raw.strip().lower() in ("true", "1")
    return raw


def attrs(node: Any) -> dict[str, str]:
    """The attributes of an element (without the '@')."""
    if not isinstance(node, dict):
        return {}
    return {k[1:]: v for k, v in node.items() if k.startswith("@")}


def with_text(node: Any, new_text: str | None) -> Any:
    """The element with new text; its attributes are kept (nil="true" follows the text)."""
    if not isinstance(node, dict):
        return new_text if new_text else None
    result = {k: v for k, v in node.items() if k.startswith("@") and k != "@nil"}
    if new_text:
        result["#text"] = new_text
    elif "@type" in result or node.get("@nil") == "true":
        result["@nil"] = "true"
    if not result:
        return None
    return result


def overlay(base: Mapping[str, Any], changes: Mapping[str, str | None]) -> dict[str, Any]:
    """base with the changed elements' text replaced in place; new elements appended."""
    result = dict(base)
    for name, new_text in changes.items():
        result[name] = with_text(base.get(name), new_text)
    return result


# --- writing ------------------------------------------------------------------------------
def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _INVALID_XML_CHARS.sub("", value)
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_xml(root_name: str, data: Any, declaration: bool = True) -> bytes:
    """An XML document (UTF-8) from the xmltodict form; order and attributes kept."""
    text_out: str = xmltodict.unparse(
        {root_name: _clean(data)}, encoding="utf-8", full_document=declaration
    )
    if declaration:
        # xmltodict writes encoding="utf-8"; services (AcuInvoice's docs) show it upper-case
        text_out = text_out.replace('encoding="utf-8"', 'encoding="UTF-8"', 1)
    return text_out.encode("utf-8")
