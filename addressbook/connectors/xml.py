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
bombs, external entities); no text field may exceed MAX_TEXT, no record (an element at
item_depth, or a child of the root in `parse`) MAX_RECORD — checked while the bytes
arrive, so a 50 MB field is refused after reading little more than MAX_TEXT, while a
listing of 100,000 records streams through. Every problem is a BadAnswer sentence.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any
from xml.parsers import expat

import xmltodict

from addressbook.errors import BadAnswer

MAX_TEXT = 64 * 1024  # characters in one element's text
MAX_RECORD = 1024 * 1024  # characters (tags, attributes, text) in one record

Path = list[tuple[str, dict[str, str] | None]]
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
    ) -> None:
        self.item_depth = item_depth
        self.force_list = frozenset(force_list)
        self.service = service
        self.max_text = max_text
        self.max_record = max_record
        self.record_depth = record_depth or item_depth or 2
        self.document: dict[str, Any] = {}
        self._stack: list[list[Any]] = []  # frames: [name, attrs, children, text parts, length]
        self._ready: list[tuple[Path, Any]] = []
        self._record_size = 0
        self._started = False
        self._received = False
        self._closed = False
        self._parser = self._make_parser()

    def _make_parser(self) -> Any:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_doctype
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        return parser

    # --- feeding ----------------------------------------------------------------------
    def feed(self, chunk: bytes) -> list[tuple[Path, Any]]:
        """Parse one chunk; return the items it completed."""
        if not self._received and chunk.strip():
            self._received = True
        self._parse(chunk, final=False)
        ready, self._ready = self._ready, []
        return ready

    def close(self) -> list[tuple[Path, Any]]:
        """End of the answer: the last items; BadAnswer if the XML is incomplete."""
        if not self._closed:
            self._closed = True
            self._parse(b"", final=True)
        ready, self._ready = self._ready, []
        return ready

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self._parser.Parse(data, final)
        except _Refused as refused:
            raise BadAnswer(str(refused)) from None
        except expat.ExpatError as error:
            raise self._expat_error(error, final) from None

    def _expat_error(self, error: expat.ExpatError, final: bool) -> BadAnswer:
        where = f"line {error.lineno}, column {error.offset + 1}"
        reason = expat.ErrorString(error.code)
        if final and not self._received:
            return BadAnswer(f"{_cap(self.service)} sent an empty answer where XML was expected.")
        if final and (self._stack or not self._started):
            return BadAnswer(
                f"The answer from {self.service} ended before its XML was complete "
                f"({where}); try again."
            )
        return BadAnswer(
            f"{_cap(self.service)} sent XML that is not well-formed ({reason} at {where}); refused."
        )

    # --- expat callbacks ----------------------------------------------------------------
    def _refuse_doctype(self, *_args: object) -> None:
        raise _Refused(f"{_cap(self.service)} sent XML with entity declarations; refused.")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._started = True
        depth = len(self._stack) + 1
        if depth >= self.record_depth:
            if depth == self.record_depth:
                self._record_size = 0
            size = len(name) * 2 + 5
            if attrs:
                size += sum(len(k) + len(v) + 4 for k, v in attrs.items())
            self._record_size += size
            if self._record_size > self.max_record:
                self._count(0)
        self._stack.append([name, attrs or None, None, [], 0])

    def _characters(self, data: str) -> None:
        frame = self._stack[-1]
        frame[4] += len(data)
        if frame[4] > self.max_text:
            raise _Refused(
                f"{_cap(self.service)} sent a field <{frame[0]}> longer than "
                f"{self.max_text // 1024} KiB; refused."
            )
        if len(self._stack) >= self.record_depth:
            self._record_size += len(data)
            if self._record_size > self.max_record:
                self._count(0)
        frame[3].append(data)

    def _count(self, size: int) -> None:
        self._record_size += size
        if self._record_size > self.max_record:
            raise _Refused(
                f"{_cap(self.service)} sent a record larger than {self.max_record // 1024} KiB; refused."
            )

    def _end(self, name: str) -> None:
        _, attrs, children, parts, _ = self._stack.pop()
        if not parts:
            text = ""
        elif len(parts) == 1:
            text = parts[0].strip()
        else:
            text = "".join(parts).strip()
        if attrs is None and children is None:
            value: Any = text or None
        else:
            value = {f"@{k}": v for k, v in attrs.items()} if attrs else {}
            if children:
                value.update(children)
            if text:
                value["#text"] = text
        depth = len(self._stack) + 1
        if depth == self.item_depth:
            path: Path = [(frame[0], frame[1]) for frame in self._stack]
            path.append((name, attrs))
            self._ready.append((path, value))
        elif not self._stack:
            self.document = {name: value}
        else:
            self._add_child(self._stack[-1], name, value)

    def _add_child(self, parent: list[Any], name: str, value: Any) -> None:
        children = parent[2]
        if children is None:
            children = parent[2] = {}
        if name in children:
            existing = children[name]
            if isinstance(existing, list):
                existing.append(value)
            else:
                children[name] = [existing, value]
        elif name in self.force_list:
            children[name] = [value]
        else:
            children[name] = value


def parse(
    data: bytes | str,
    force_list: Collection[str] = (),
    service: str = "the service",
    max_text: int = MAX_TEXT,
    max_record: int = MAX_RECORD,
) -> dict[str, Any]:
    """A whole answer in the xmltodict form {root: value}; BadAnswer if unsafe or broken."""
    stream = XmlStream(
        0, force_list, service, max_text=max_text, max_record=max_record, record_depth=2
    )
    stream.feed(data.encode("utf-8") if isinstance(data, str) else data)
    stream.close()
    return stream.document


def iter_items(
    chunks: Iterable[bytes],
    item_depth: int,
    force_list: Collection[str] = (),
    service: str = "the service",
    max_text: int = MAX_TEXT,
    max_record: int = MAX_RECORD,
) -> Iterator[tuple[Path, Any]]:
    """Each element at item_depth as (path root → item, item), parsed as the chunks arrive."""
    stream = XmlStream(item_depth, force_list, service, max_text=max_text, max_record=max_record)
    for chunk in chunks:
        yield from stream.feed(chunk)
    yield from stream.close()


# --- reading values ---------------------------------------------------------------------
def text(node: Any) -> str | None:
    """The text of an element in the xmltodict form (None for empty or nil="true")."""
    if node is None:
        return None
    if isinstance(node, dict):
        if node.get("@nil") == "true":
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
