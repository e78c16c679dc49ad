"""xml.py against XML no sandbox writes: nesting bombs, attribute floods, PIs, CDATA, namespaces."""

from __future__ import annotations

import json

import pytest

from addressbook.connectors import xml
from addressbook.errors import BadAnswer

# Seed 000's answer, its opening: the root carries xmlns:i.
SEED_000 = (
    '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance"> '
    "<ID>751ec648-919f-41bd-9fac-4068e27fece6</ID> <Status>OK</Status> "
    "<ProviderName>XeroTest</ProviderName> <DateTimeUTC>2008-12-02T21:09:24.654875Z</DateTimeUTC> "
    "<Contact> <ContactID>74141f5b-c409-4ddc-8f10-a2e6823c2b19</ContactID> "
    "<Name>Red House Reads</Name> <AddressLine1></AddressLine1> </Contact> </Response>"
)


def test_nesting_bomb_is_refused_without_recursion_error() -> None:
    depth = 100_000
    bomb = (
        b"<contacts><contact>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</contact></contacts>"
    )
    with pytest.raises(BadAnswer, match="nested"):
        xml.parse(bomb, service="Harvest")
    with pytest.raises(BadAnswer, match="nested"):
        list(xml.iter_items([bomb[i : i + 4096] for i in range(0, len(bomb), 4096)], item_depth=2))


def test_unclosed_nesting_bomb_is_refused_early() -> None:
    stream = xml.XmlStream(item_depth=2, service="Harvest")
    with pytest.raises(BadAnswer, match="nested"):
        for _ in range(1000):
            stream.feed(b"<a>" * 1000)


def test_reasonable_depth_parses_and_serialises() -> None:
    depth = 40
    doc = xml.parse(b"<r>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</r>")
    json.dumps(doc)  # the store keeps raw as JSON: it must not be too deep to write
    assert xml.to_xml("r", doc["r"]).count(b"<a>") == depth


def test_attribute_flood_is_refused() -> None:
    attributes = " ".join(f'a{n}="v"' for n in range(100_000))
    with pytest.raises(BadAnswer, match="attributes"):
        xml.parse(f"<contacts {attributes}><contact/></contacts>".encode())


def test_many_attributes_within_reason_are_kept() -> None:
    attributes = " ".join(f'a{n}="{n}"' for n in range(50))
    doc = xml.parse(f'<contact {attributes}><id type="integer">1</id></contact>')
    assert doc["contact"]["@a49"] == "49" and xml.value(doc["contact"]["id"]) == 1


def test_processing_instructions_and_comments_are_ignored() -> None:
    body = (
        '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n'
        "<!-- generated 2024 -->\n<contacts><!-- one --><contact><id>1</id>"
        "<first-name>Ja<!-- split -->ne</first-name><?pi inside?></contact></contacts>\n<!-- end -->"
    )
    doc = xml.parse(body, force_list={"contact"})
    assert doc == {"contacts": {"contact": [{"id": "1", "first-name": "Jane"}]}}


def test_cdata_is_text() -> None:
    doc = xml.parse("<contact><notes><![CDATA[<b>bold</b> & more]]></notes></contact>")
    assert xml.text(doc["contact"]["notes"]) == "<b>bold</b> & more"
    again = xml.parse(xml.to_xml("contact", doc["contact"]))
    assert again == doc


def test_namespaces_still_parse() -> None:
    doc = xml.parse(SEED_000)
    response = doc["Response"]
    assert response["@xmlns:i"] == "http://www.w3.org/2001/XMLSchema-instance"
    assert xml.text(response["Status"]) == "OK"
    assert xml.text(response["Contact"]["Name"]) == "Red House Reads"
    default = xml.parse('<contacts xmlns="urn:harvest"><contact><id>1</id></contact></contacts>')
    assert xml.text(default["contacts"]["contact"]["id"]) == "1"


def test_schema_instance_nil_is_empty() -> None:
    doc = xml.parse(
        '<c xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a i:nil="true"/>'
        '<b xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></c>'
    )
    assert xml.text(doc["c"]["a"]) is None and xml.text(doc["c"]["b"]) is None


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><body>Sign in</body></html>",
        b"\n\n<!doctype HTML>\n<html lang=en><meta charset=utf-8>",
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        b"<HTML><BODY>Proxy error</BODY></HTML>",
    ],
)
def test_html_pages_are_named_as_such(page: bytes) -> None:
    with pytest.raises(BadAnswer, match="sent a web page") as caught:
        xml.parse(page, service="AcuInvoice")
    assert str(caught.value).startswith("AcuInvoice sent a web page")


def test_entity_declarations_still_refused_after_html_check() -> None:
    with pytest.raises(BadAnswer, match="entity declarations"):
        xml.parse(b'<!DOCTYPE c [<!ENTITY e "x">]><c>&e;</c>')


def test_encoding_override_for_undeclared_documents() -> None:
    latin = "<c><n>Müller</n></c>".encode("latin-1")
    assert xml.parse(latin, encoding="ISO-8859-1") == {"c": {"n": "Müller"}}
    declared = '<?xml version="1.0" encoding="UTF-8"?><c><n>Müller</n></c>'.encode()
    assert xml.declared_encoding(declared) == "UTF-8"
    assert xml.declared_encoding(b"\xef\xbb\xbf<c/>") == "UTF-8"
    assert xml.declared_encoding(latin) is None
