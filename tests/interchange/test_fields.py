"""Driven by the model's own list of fields: vCard 3.0, 4.0 and CSV each carry every one.

A field added to the model (model.FIELDS / the Contact dataclass) without a sample here,
or that the vCard or CSV writer or reader forgets, fails this test.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest

from addressbook.interchange import export_contacts, read_text
from addressbook.model import FIELDS, Address, Contact, Email, Phone, Url, field_names

# A value unlike the default for each field, in its Python form.
SAMPLES: dict[str, Any] = {
    "display_name": "Ngaio Field-Test",
    "given_name": "Ngaio",
    "family_name": "Marsh",
    "nickname": "Ngai",
    "organization": "Te Ao Books",
    "title": "Author",
    "emails": [Email("ngaio@home.example", "home"), Email("n@work.example", "work")],
    "phones": [Phone("+64 3 555 0101 ext. 4", "ddi"), Phone("021 555", "mobile")],
    "addresses": [Address("postal", ["PO Box 1"], "Christchurch", "Canterbury", "8140", "NZ")],
    "urls": [Url("https://ngaio.example", "home"), Url("https://books.example/ngaio", "work")],
    "birthday": "--04-23",
    "categories": ["Writers", "Clients, NZ"],
    "notes": "Two lines,\nwith a comma; and a semicolon",
    "status": "archived",
    "extra": [
        {"name": "X-FIELD-TEST", "params": {"TYPE": ["a", "b"]}, "value": "kept\\, verbatim"},
        {"name": "PHOTO", "params": {"ENCODING": ["b"]}, "value": "iVBORw0KGgo=", "group": "item1"},
    ],
}


def test_every_field_of_the_model_has_a_sample() -> None:
    assert set(FIELDS) == set(field_names()) == {f.name for f in fields(Contact)}
    missing = [name for name in FIELDS if name not in SAMPLES]
    assert not missing, f"add a sample for {missing} and carry it in vCard and CSV"


@pytest.mark.parametrize("fmt", ["vcard3", "vcard4", "csv"])
@pytest.mark.parametrize("name", FIELDS)
def test_format_carries_the_field(fmt: str, name: str) -> None:
    base = Contact(display_name="Someone") if name != "display_name" else Contact()
    contact = replace(base, **{name: SAMPLES[name]})
    assert contact.get(name) != Contact().get(name) or name == "display_name"
    (back,) = read_text(export_contacts([contact], fmt)).contacts
    assert back.get(name) == contact.get(name), f"{fmt} loses {name}"
    assert back == contact
