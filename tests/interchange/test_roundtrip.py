"""Hypothesis: any contact built from arbitrary Unicode text survives vCard 3.0, 4.0 and CSV."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addressbook.interchange import export_contacts, read_text
from addressbook.interchange.vcard import fold_card, serialize_with_vobject, write_vcards
from addressbook.model import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    STATUSES,
    URL_KINDS,
    Address,
    Contact,
    Email,
    Phone,
    Url,
)
from tests.interchange.samples import foreign_cards

# Any code point but lone surrogates (not encodable in a file).
_CHARS = st.characters(exclude_categories=["Cs"])
text = st.text(_CHARS, max_size=12)
# Bias towards the characters that vCard and CSV treat specially.
tricky = st.text(st.one_of(_CHARS, st.sampled_from(list(';,:\\"\n\r =+-().'))), max_size=16)
some_text = st.one_of(text, tricky)

emails = st.builds(Email, address=some_text, kind=st.sampled_from(EMAIL_KINDS))
phones = st.builds(Phone, number=some_text, kind=st.sampled_from(PHONE_KINDS))
addresses = st.builds(
    Address,
    kind=st.sampled_from(ADDRESS_KINDS),
    lines=st.lists(some_text, max_size=2),
    city=some_text,
    region=some_text,
    postcode=some_text,
    country=some_text,
)
urls = st.builds(Url, url=some_text, kind=st.sampled_from(URL_KINDS))
birthdays = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("--%m-%d")),
    some_text,
)
# Raw property values: any text but line ends (a value is one line of the card).
_RAW = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=20)
_PARAM_VALUE = st.text(
    st.characters(exclude_categories=["Cs", "Cc"], exclude_characters='"'), max_size=8
)
extra_items = st.builds(
    lambda name, group, params, value: {
        "name": name,
        "params": params,
        "value": value,
        **({"group": group} if group else {}),
    },
    name=st.from_regex(r"X-[A-Z][A-Z0-9-]{0,8}", fullmatch=True).filter(
        lambda n: n not in ("X-ADDRESSBOOK-STATUS", "X-ABLABEL")
    )
    | st.sampled_from(["PHOTO", "UID", "REV", "IMPP", "LABEL", "ROLE", "GEO"]),
    group=st.one_of(st.just(""), st.from_regex(r"item[0-9]", fullmatch=True)),
    params=st.dictionaries(
        st.from_regex(r"[A-Z][A-Z-]{0,6}", fullmatch=True).filter(lambda k: k != "CHARSET"),
        st.lists(_PARAM_VALUE, min_size=1, max_size=2),
        max_size=2,
    ),
    value=_RAW,
)
contacts = st.builds(
    Contact,
    display_name=some_text,
    given_name=some_text,
    family_name=some_text,
    organization=some_text,
    title=some_text,
    emails=st.lists(emails, max_size=2),
    phones=st.lists(phones, max_size=3),
    addresses=st.lists(addresses, max_size=2),
    notes=st.one_of(some_text, st.text(_CHARS, max_size=60)),
    status=st.sampled_from(STATUSES),
    nickname=some_text,
    birthday=birthdays,
    urls=st.lists(urls, max_size=2),
    categories=st.lists(some_text, max_size=3),
    extra=st.lists(extra_items, max_size=3),
)


def _named(contact: Contact) -> Contact:
    """A contact with nothing to show it by is refused on import; give it a name."""
    return contact if contact.display_name else replace(contact, display_name="·")


named_contacts = contacts.map(_named)


def _with_card(contact: Contact, card: str) -> Contact:
    """The contact with the entries (and their kept original lines) of another program's
    card: an Apple label, PREF, PID, LANGUAGE, 4.0's LABEL and GEO, a birthday's time."""
    (read,) = read_text(card).contacts
    return replace(
        contact,
        emails=[*read.emails, *contact.emails],
        phones=[*read.phones, *contact.phones],
        addresses=[*read.addresses, *contact.addresses],
        urls=[*read.urls, *contact.urls],
        birthday=read.birthday or contact.birthday,
        extra=[*contact.extra, *read.extra],
    )


contacts_with_originals = st.builds(_with_card, named_contacts, foreign_cards())


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["vcard3", "vcard4", "csv"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(named_contacts | contacts_with_originals, min_size=1, max_size=2))
def test_any_contacts_round_trip(fmt: str, batch: list[Contact]) -> None:
    result = read_text(export_contacts(batch, fmt))
    assert result.skipped == []
    assert result.contacts == batch


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.0", "4.0"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact=named_contacts)
def test_fast_writer_matches_vobject(version: str, contact: Contact) -> None:
    # The writer assembles lines itself for speed; vobject's own serialisation is the
    # reference for the fields it knows (categories and extra are written raw, checked by
    # the round trips).
    contact = replace(contact, categories=[], extra=[])
    assert write_vcards([contact], version) == fold_card(serialize_with_vobject(contact, version))
