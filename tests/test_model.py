"""The contact type guarantees it is normal: immutable, normalised when made (issue 10)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addressbook.model import (
    Address,
    Contact,
    ContactDraft,
    Email,
    Phone,
    Url,
    field_names,
)

# Text with what normalising must remove or change: spaces around, line breaks in one-line
# fields, decomposed accents (NFD), and nothing at all.
messy = st.one_of(
    st.just(""),
    st.just("  Zoe\u0308  "),
    st.just("a\nb"),
    st.just("\t x \r\n"),
    st.text(max_size=12),
)


@st.composite
def raw_contacts(draw: st.DrawFn) -> dict[str, object]:
    """Keyword arguments for Contact as any caller might pass them (lists, messy text)."""
    return {
        "display_name": draw(messy),
        "given_name": draw(messy),
        "family_name": draw(messy),
        "organization": draw(messy),
        "title": draw(messy),
        "nickname": draw(messy),
        "notes": draw(messy),
        "status": draw(st.sampled_from(["", "ACTIVE", " archived ", "read-only", "odd"])),
        "birthday": draw(st.sampled_from(["", "19800521", "--0521", "1980-05-21T00:00", "soon"])),
        "emails": [Email(draw(messy), draw(st.sampled_from(["", "HOME", "work"])))],
        "phones": [Phone(draw(messy), draw(st.sampled_from(["", "Mobile", "pager"])))],
        "addresses": [Address(draw(st.sampled_from(["", "postal", "x"])), [draw(messy), ""])],
        "urls": [Url(draw(messy))],
        "categories": draw(st.lists(messy, max_size=3)),
        "extra": [{"name": "X-A", "params": {"TYPE": "x"}, "value": draw(messy)}],
    }


@settings(max_examples=150, deadline=None)
@given(raw_contacts())
def test_a_contact_is_normal_when_made(raw: dict[str, object]) -> None:
    contact = Contact(**raw)  # type: ignore[arg-type]
    # Making it again from its own values changes nothing: it was normal already.
    again = Contact(**{f.name: getattr(contact, f.name) for f in dataclasses.fields(Contact)})
    assert again == contact
    # Everything a person can see is trimmed and NFC, entries without a value are gone.
    for name in ("display_name", "given_name", "family_name", "organization", "title"):
        value = getattr(contact, name)
        assert value == value.strip() and "\n" not in value
    assert contact.status in ("active", "archived", "read-only")
    assert all(e.address for e in contact.emails) and all(p.number for p in contact.phones)
    assert all(isinstance(getattr(contact, n), tuple) for n in ("emails", "phones", "urls"))
    assert all(not a.is_empty() for a in contact.addresses)
    assert contact.display_name or not contact.derived_display_name()
    # The cache's fast reader (no normalising) gives the same contact back.
    assert Contact.from_stored(json.loads(json.dumps(contact.to_dict()))) == contact
    assert Contact.from_dict(contact.to_dict()) == contact


def test_a_contact_cannot_be_changed_in_place() -> None:
    contact = Contact(given_name="Ana", emails=[Email("ana@example.com")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        contact.title = "Boss"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        contact.emails.append(Email("other@example.com"))  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        contact.emails[0].address = "x"  # type: ignore[misc]


def test_replace_normalises_and_rebuilds_an_empty_display_name() -> None:
    contact = Contact(given_name="Ana", family_name="Lima")
    assert contact.display_name == "Ana Lima"
    renamed = dataclasses.replace(contact, family_name=" Ruiz\n", display_name="")
    assert (renamed.family_name, renamed.display_name) == ("Ruiz", "Ana Ruiz")
    assert dataclasses.replace(contact, phones=[Phone(" 1 ", "MOBILE")]).phones == (
        Phone("1", "mobile"),
    )


def test_the_draft_has_every_field_of_the_contact() -> None:
    draft = ContactDraft(given_name=" Zoe\u0308 ")
    draft.emails.append(Email(" z@example.com "))
    draft.categories += ["Friends", "Friends", " "]
    built = draft.build()
    assert tuple(f.name for f in dataclasses.fields(ContactDraft)) == field_names()
    assert built == Contact(
        given_name="Zoë", emails=[Email("z@example.com")], categories=["Friends"]
    )
    assert built.display_name == "Zoë"


@settings(max_examples=150, deadline=None)
@given(raw_contacts(), st.text())
def test_the_cache_writes_a_contacts_json_as_the_json_module_does(
    raw: dict[str, object], odd: str
) -> None:
    """orjson writes the cache's contact JSON: the same text the json module wrote (files
    written before read back the same, and an unchanged card is seen by its text)."""
    from addressbook.store.cache import Store, _contact_json

    raw["extra"] = [{"name": "X-A", "params": {"TYPE": [odd]}, "value": odd + "\u2028\x7f\x00"}]
    contact = Contact(**raw)  # type: ignore[arg-type]
    expected = json.dumps(contact.to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert _contact_json(contact) == expected
    assert Store.prepare(contact)[0] == expected.encode("utf-8")  # an import's rows
