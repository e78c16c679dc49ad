"""connectors/xml.py: safe parsing, size caps while streaming, the xmltodict form, writing."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from addressbook.connectors import xml
from addressbook.errors import BadAnswer
from addressbook.sandbox.core import hostile_body

LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<contacts type="array">\n'
    b'  <contact>\n    <id type="integer">9</id>\n    <title nil="true"/>\n'
    b'    <first-name>Jane</first-name>\n    <active type="boolean">true</active>\n'
    b'    <updated-at type="datetime">2008-04-09T12:07:56Z</updated-at>\n'
    b"  </contact>\n</contacts>\n"
)


def test_list_of_one_is_a_list() -> None:
    doc = xml.parse(LISTING, force_list={"contact"})
    contacts = doc["contacts"]["contact"]
    assert isinstance(contacts, list) and len(contacts) == 1
    assert doc["contacts"]["@type"] == "array"


def test_typed_attributes_and_nil() -> None:
    contact = xml.parse(LISTING, force_list={"contact"})["contacts"]["contact"][0]
    assert xml.value(contact["id"]) == 9
    assert xml.value(contact["active"]) is True
    assert xml.value(contact["updated-at"]) == "2008-04-09T12:07:56Z"
    assert xml.text(contact["title"]) is None
    assert contact["title"] == {"@nil": "true"}
    assert xml.text(contact["first-name"]) == "Jane"


def test_round_trip_keeps_attributes_order_and_unknown_elements() -> None:
    contact = xml.parse(LISTING, force_list={"contact"})["contacts"]["contact"][0]
    contact["x-unknown"] = {"@kind": "mystery", "#text": "keep me"}
    changed = xml.overlay(contact, {"title": "Boss & <Chief>", "first-name": None})
    body = xml.to_xml("contact", changed)
    again = xml.parse(body)["contact"]
    assert list(again) == list(changed)
    assert again["id"] == {"@type": "integer", "#text": "9"}
    assert again["title"] == "Boss & <Chief>"
    assert xml.text(again["first-name"]) is None
    assert again["x-unknown"] == {"@kind": "mystery", "#text": "keep me"}
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_with_text_sets_nil_on_typed_empty() -> None:
    assert xml.with_text({"@type": "integer", "#text": "3"}, None) == {
        "@type": "integer",
        "@nil": "true",
    }
    assert xml.with_text({"@nil": "true"}, "x") == {"#text": "x"}
    assert xml.with_text("old", "new") == "new"
    assert xml.with_text("old", "") is None


def test_unicode_and_control_characters_written_safely() -> None:
    name = "Māori 😀 Nguyễn عربي 漢字"
    body = xml.to_xml("contact", {"first-name": name + "\x01\x0b"})
    assert xml.parse(body)["contact"]["first-name"] == name


@pytest.mark.parametrize("kind", ["entity_bomb", "external_entity"])
def test_entities_refused_quickly(kind: str) -> None:
    started = time.monotonic()
    with pytest.raises(BadAnswer, match="entity declarations; refused"):
        xml.parse(hostile_body(kind, "xml", b""), service="Harvest")
    assert time.monotonic() - started < 0.5


def test_doctype_without_entities_refused() -> None:
    with pytest.raises(BadAnswer, match="entity declarations"):
        xml.parse(b'<?xml version="1.0"?><!DOCTYPE contacts SYSTEM "x.dtd"><contacts/>')


def test_undeclared_entity_is_malformed() -> None:
    with pytest.raises(BadAnswer, match="not well-formed"):
        xml.parse(b"<contacts><a>&xxe;</a></contacts>")


def test_malformed_names_line_and_column() -> None:
    with pytest.raises(BadAnswer, match=r"Harvest sent XML that is not well-formed .*line 2, col"):
        xml.parse(b"<contacts>\n<contact></contacts>", service="Harvest")


@pytest.mark.parametrize("cut", [10, 60, len(LISTING) // 2, len(LISTING) - 3])
def test_truncated_is_bad_answer(cut: int) -> None:
    with pytest.raises(BadAnswer, match="ended before its XML was complete"):
        list(xml.iter_items([LISTING[:cut]], 2, service="Harvest"))


def test_empty_answer() -> None:
    with pytest.raises(BadAnswer, match="Harvest sent an empty answer"):
        xml.parse(b"", service="Harvest")


def _huge_field(size: int) -> Iterator[bytes]:
    yield b"<contacts><contact><first-name>"
    block = b"A" * 65536
    for _ in range(size // len(block)):
        yield block
    yield b"</first-name></contact></contacts>"


def test_50_mb_field_refused_without_reading_it_all() -> None:
    consumed = 0

    def counted() -> Iterator[bytes]:
        nonlocal consumed
        for chunk in _huge_field(50 * 1024 * 1024):
            consumed += len(chunk)
            yield chunk

    tracemalloc.start()
    try:
        with pytest.raises(BadAnswer, match=r"field <first-name> longer than 64 KiB"):
            for _ in xml.iter_items(counted(), 2):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert consumed < 1024 * 1024
    assert peak < 5 * 1024 * 1024


def test_record_cap_applies_per_record_not_per_answer() -> None:
    field = "<f>" + "b" * 60000 + "</f>"
    big_record = "<c>" + field * 20 + "</c>"  # 1.2 MB in one record
    with pytest.raises(BadAnswer, match="record larger than 1024 KiB"):
        xml.parse("<list>" + big_record + "</list>")
    many = "<list>" + ("<c>" + field * 5 + "</c>") * 10 + "</list>"  # 3 MB, 300 KB records
    assert len(xml.parse(many)["list"]["c"]) == 10


def test_streaming_a_large_answer_item_by_item() -> None:
    count = 100_000
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'<?xml version="1.0"?><contacts type="array">'
        record = '<contact><id type="integer">{}</id><first-name>Ana {}</first-name></contact>'
        for start in range(0, count, 1000):
            sent += 1
            yield "".join(record.format(i, i) for i in range(start, start + 1000)).encode()
        yield b"</contacts>"

    seen = 0
    last: Any = None
    for path, item in xml.iter_items(chunks(), 2, force_list={"contact"}):
        if seen == 0:
            assert sent == 1  # the first item arrives after the first chunk, not the last
        seen += 1
        last = item
        assert path[0] == ("contacts", {"type": "array"})
    assert seen == count
    assert xml.value(last["id"]) == count - 1


def test_stream_keeps_the_rest_of_the_document() -> None:
    stream = xml.XmlStream(item_depth=3, force_list={"Contact"})
    items = stream.feed(
        b"<Response><Status>OK</Status><Contacts><Contact><Name>A</Name></Contact>"
        b"<Contact><Name>B</Name></Contact></Contacts></Response>"
    )
    items += stream.close()
    assert [item["Name"] for _, item in items] == ["A", "B"]
    assert stream.document == {"Response": {"Status": "OK", "Contacts": None}}
