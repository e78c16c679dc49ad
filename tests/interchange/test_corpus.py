"""The corpus of real files (corpus/README.md): every file imports with every field it holds.

For each file, `corpus/expectations.json` lists what each card must give; besides, each
vCard's property lines are counted here with a simple scan of the raw file, independent
of the reader, so that no property is dropped without a test failing: each EMAIL, TEL,
ADR and URL line with a value is an item of its list, every property the model has no
field for is in `extra`, and a second FN, N, ORG, TITLE, NICKNAME or BDAY is too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from addressbook.interchange import export_contacts, read_file, read_text
from addressbook.model import Contact

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expectations.json").read_text(encoding="utf-8")
)
FILES = sorted(
    str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".vcf", ".csv", ".txt")
)


def test_the_corpus_is_large_and_fully_described() -> None:
    assert len(FILES) >= 40
    assert sorted(EXPECTED) == FILES
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for name in FILES:
        assert f"`{name}`" in readme, f"{name} has no source in corpus/README.md"


def _summary(contact: Contact) -> dict[str, Any]:
    """A contact in the form expectations.json writes it."""
    d: dict[str, Any] = {"display_name": contact.display_name}
    for key in ("given_name", "family_name", "nickname", "organization", "title", "birthday"):
        if getattr(contact, key):
            d[key] = getattr(contact, key)
    if contact.emails:
        d["emails"] = [[e.kind, e.address] for e in contact.emails]
    if contact.phones:
        d["phones"] = [[p.kind, p.number] for p in contact.phones]
    if contact.addresses:
        d["addresses"] = [
            [a.kind, list(a.lines), a.city, a.region, a.postcode, a.country]
            for a in contact.addresses
        ]
    if contact.urls:
        d["urls"] = [[u.kind, u.url] for u in contact.urls]
    if contact.categories:
        d["categories"] = list(contact.categories)
    if contact.notes:
        d["notes"] = contact.notes
    if contact.extra:
        d["extra"] = [
            (f"{e['group']}." if e.get("group") else "") + e["name"] for e in contact.extra
        ]
    return d


@pytest.mark.parametrize("name", FILES)
def test_file_gives_what_it_holds(name: str) -> None:
    expected = EXPECTED[name]
    result = read_file(CORPUS / name, skip_invalid=True)
    assert [_summary(c) for c in result.contacts] == expected["cards"]
    assert result.skipped == expected.get("skipped", [])
    assert result.warnings == expected.get("warnings", [])


# ---- an independent count of each card's properties

_PROPERTY = re.compile(rb"^(?:[A-Za-z0-9-]+\.)?([A-Za-z][A-Za-z0-9_/+-]*)[;:]")
_LISTS = {"EMAIL": "emails", "TEL": "phones", "ADR": "addresses", "URL": "urls"}
_MAPPED_ONCE = ("FN", "N", "ORG", "TITLE", "NICKNAME", "BDAY")
_ALWAYS_MAPPED = ("NOTE", "CATEGORIES", "VERSION", "PRODID", "X-ABLABEL", "X-ADDRESSBOOK-STATUS")


def _unfolded(data: bytes) -> list[bytes]:
    """Lines with folds (a leading space or tab) and quoted-printable soft breaks joined."""
    lines: list[bytes] = []
    for line in re.split(rb"\r\r\n|\r\n|\n|\r", data):
        soft = bool(lines) and lines[-1].endswith(b"=") and b"QUOTED-PRINTABLE" in lines[-1].upper()
        if lines and (soft or line[:1] in (b" ", b"\t")):
            lines[-1] = lines[-1][:-1] + line if soft else lines[-1] + line[1:]
        else:
            lines.append(line)
    return lines


def _raw_cards(data: bytes) -> list[list[tuple[str, bool]]]:
    """Each top-level card's property lines: (NAME, has a value), by a plain line scan."""
    cards: list[list[tuple[str, bool]]] = []
    depth = 0
    for line in _unfolded(data.lstrip(b"\xef\xbb\xbf")):
        match = _PROPERTY.match(line)
        if not match:
            continue
        name = match.group(1).decode().upper().replace("_", "-")
        value = line.split(b":", 1)[1].strip() if b":" in line else b""
        if name == "BEGIN" and value.upper() == b"VCARD":
            depth += 1
            if depth == 1:
                cards.append([])
            continue
        if name == "END" and value.upper() == b"VCARD":
            depth -= 1
            continue
        if depth == 1:
            cards[-1].append((name, bool(value and value.strip(b";,"))))
    return cards


VCARDS = [n for n in FILES if n.endswith(".vcf") and EXPECTED[n]["cards"]]
# Files whose cards the scan cannot pair one to one with contacts (a card without its
# BEGIN) are left to the expectations.
_UNPAIRED = {"evolution/7.vcf"}


@pytest.mark.parametrize("name", [n for n in VCARDS if n not in _UNPAIRED])
def test_no_property_is_dropped(name: str) -> None:
    contacts = read_file(CORPUS / name, skip_invalid=True).contacts
    cards = _raw_cards((CORPUS / name).read_bytes())
    assert len(cards) == len(contacts)
    for lines, contact in zip(cards, contacts, strict=True):
        kept: dict[str, int] = {}
        for item in contact.extra:
            kept[item["name"]] = kept.get(item["name"], 0) + 1
        counts: dict[str, int] = {}
        valued: dict[str, int] = {}
        for prop, has_value in lines:
            counts[prop] = counts.get(prop, 0) + 1
            valued[prop] = valued.get(prop, 0) + has_value
        for prop, count in counts.items():
            if prop in _LISTS:
                assert len(getattr(contact, _LISTS[prop])) == valued[prop], (prop, contact)
            elif prop in _MAPPED_ONCE:
                assert kept.get(prop, 0) >= count - 1, (prop, contact.extra)
            elif prop not in _ALWAYS_MAPPED:
                assert kept.get(prop, 0) == count, (prop, contact.extra)


@pytest.mark.parametrize("fmt", ["vcard3", "vcard4", "csv"])
def test_every_corpus_contact_round_trips(fmt: str) -> None:
    for name in FILES:
        contacts = read_file(CORPUS / name, skip_invalid=True).contacts
        back = read_text(export_contacts(contacts, fmt), skip_invalid=True)
        assert back.contacts == contacts, name


_ENTRY_LINES = ("EMAIL", "TEL", "ADR", "URL")


@pytest.mark.parametrize("fmt", ["vcard3", "vcard4"])
def test_the_original_lines_of_entries_are_written_back(fmt: str) -> None:
    # An entry whose line said more than the model holds (an Apple label, PREF, HOME on a
    # phone, 4.0's LABEL or GEO, a post box) is exported as that line, with its label.
    originals = 0
    for name in VCARDS:
        for contact in read_file(CORPUS / name, skip_invalid=True).contacts:
            lines = export_contacts([contact], fmt).replace("\r\n ", "").split("\r\n")
            groups = {
                i["group"] for i in contact.extra if i["name"] in _ENTRY_LINES and i.get("group")
            }
            for item in contact.extra:
                label = item["name"] == "X-ABLABEL" and item.get("group") in groups
                if item["name"] not in _ENTRY_LINES and not label:
                    continue
                head = (f"{item['group']}." if item.get("group") else "") + item["name"]
                value = item["value"].replace("\n", "\\n")
                found = [
                    line
                    for line in lines
                    if line.startswith((head + ";", head + ":")) and line.endswith(":" + value)
                ]
                assert found, (name, head, value)
                originals += 1
            # … in its entry's place: no entry is written twice.
            for prop, field in _LISTS.items():
                written = sum(
                    re.match(rf"([A-Za-z0-9-]+\.)?{prop}[;:]", line) is not None for line in lines
                )
                assert written == len(getattr(contact, field)), (name, prop)
    assert originals > 150, originals
