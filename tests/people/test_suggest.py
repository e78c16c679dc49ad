"""Suggestions: the three reasons, and the false friends that must never be suggested."""

from __future__ import annotations

from addressbook.model import Contact, Email, Patch, Phone
from addressbook.people import (
    SAME_EMAIL,
    SAME_NAME,
    SAME_PHONE,
    phone_key,
    suggestions,
    translate,
)
from addressbook.store import Store


def _add(
    store: Store,
    name: str,
    *,
    email: str = "",
    phone: str = "",
    org: str = "",
    given: str = "",
    family: str = "",
    account: str | None = None,
) -> int:
    contact = Contact(
        display_name=name,
        given_name=given,
        family_name=family,
        organization=org,
        emails=[Email(email)] if email else [],
        phones=[Phone(phone, "work")] if phone else [],
    )
    return store.create(contact, account)


def _found(store: Store) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    return [(s.ids, s.reasons) for s in suggestions(store)]


def test_same_email_case_folded(store: Store) -> None:
    a = _add(store, "Ana Silva", email="Ana.Silva@Example.org", account="xero-demo")
    b = _add(store, "Ana Silva", email="ana.silva@example.ORG", account="harvest-demo")
    _add(store, "Ana Silva", email="ana.silva@example.net")
    assert _found(store) == [((a, b), (SAME_EMAIL,))]


def test_same_phone_by_the_last_eight_digits(store: Store) -> None:
    a = _add(store, "Ben Okoro", phone="+64 21 555 1234")
    b = _add(store, "Ben Okoro", phone="021-555-1234")
    _add(store, "Ben Okoro", phone="5551234")  # seven digits: too short to say anything
    assert phone_key("+64 21 555 1234") == phone_key("(021) 555 1234") == "15551234"
    assert phone_key("555 1234") is None
    assert _found(store) == [((a, b), (SAME_PHONE,))]


def test_same_name_needs_the_same_organisation(store: Store) -> None:
    a = _add(store, "Chloé Martin", org="Atelier Bleu")
    b = _add(store, "chloe martin", org="ATELIER BLEU")
    _add(store, "Chloé Martin", org="Other Ltd")
    _add(store, "Chloé Martin")
    assert _found(store) == [((a, b), (SAME_NAME,))]


def test_reasons_add_up_and_groups_span_accounts(store: Store) -> None:
    a = _add(
        store,
        "Dev Patel",
        email="dev@x.org",
        phone="+44 20 7946 0001",
        org="X",
        account="xero-demo",
    )
    b = _add(
        store,
        "Dev Patel",
        email="dev@x.org",
        phone="020 7946 0001",
        org="X",
        account="harvest-demo",
    )
    c = _add(store, "D. Patel", phone="+44 (0)20 7946 0001", account="acu-demo")
    assert _found(store) == [((a, b, c), (SAME_EMAIL, SAME_PHONE, SAME_NAME))]


def test_a_company_switchboard_is_no_reason(store: Store) -> None:
    board = "+64 4 499 0000"
    for name in ("Erin Walsh", "Farid Haddad", "Grace Liu", "Hemi Parata"):
        _add(store, name, phone=board, org="Harbour Freight")
    assert _found(store) == []
    # The same name twice on the switchboard is still no reason by the number alone.
    _add(store, "Erin Walsh", phone=board, org="Harbour Freight Ltd")
    assert _found(store) == []


def test_two_people_sharing_a_number_are_not_one(store: Store) -> None:
    _add(store, "Ivy Chen", phone="+64 9 300 1000", org="Kauri Labs")
    _add(store, "Jack Brown", phone="+64 9 300 1000", org="Kauri Labs")
    assert _found(store) == []


def test_a_company_name_alone_is_no_reason(store: Store) -> None:
    _add(store, "Kiri Tane", org="Southern Cross Ltd", email="kiri@sc.example")
    _add(store, "Liam Ford", org="Southern Cross Ltd", email="liam@sc.example")
    _add(store, "Southern Cross Ltd", org="Southern Cross Ltd")
    assert _found(store) == []


def test_a_shared_mailbox_is_no_reason(store: Store) -> None:
    for name in ("Mia Rossi", "Noah Kim", "Olga Petrova"):
        _add(store, name, email="accounts@rossi.example")
    assert _found(store) == []


def test_the_same_name_with_other_name_parts_is_not_one(store: Store) -> None:
    _add(store, "Pacific Tools", org="Pacific Tools", given="Quinn", family="Reid")
    _add(store, "Pacific Tools", org="Pacific Tools", given="Rosa", family="Diaz")
    assert _found(store) == []


def test_a_company_record_named_for_its_person_matches_by_email(store: Store) -> None:
    # Xero keeps a client as the company, with its person's name parts and email.
    a = _add(
        store, "Tui Designs", org="Tui Designs", given="Sam", family="Tui", email="sam@tui.example"
    )
    b = _add(store, "Sam Tui", org="Tui Designs", email="sam@tui.example")
    assert _found(store) == [((a, b), (SAME_EMAIL,))]


def test_joined_and_dismissed_are_not_suggested_again(store: Store) -> None:
    a = _add(store, "Uma Rao", email="uma@x.org")
    b = _add(store, "Uma Rao", email="uma@x.org")
    c = _add(store, "Uma Rao", email="uma@x.org")
    assert _found(store) == [((a, b, c), (SAME_EMAIL,))]
    store.join([a, b])
    assert _found(store) == [((a, b, c), (SAME_EMAIL,))]  # c would join the person
    store.dismiss([b, c])
    assert _found(store) == [((a, c), (SAME_EMAIL,))]  # a dismissed pair breaks the group
    store.dismiss([a, c])
    assert _found(store) == []


def test_deleted_records_are_not_suggested(store: Store) -> None:
    a = _add(store, "Vera Lind", email="vera@x.org")
    _add(store, "Vera Lind", email="vera@x.org")
    store.delete(a)
    assert _found(store) == []


def test_translate_moves_list_entries_and_keeps_the_others() -> None:
    seen = Contact(display_name="Ana", phones=[Phone("111 111 11", "work")])
    wanted = Contact(display_name="Ana", phones=[Phone("222 222 22", "work")], title="CEO")
    target = Contact(
        display_name="Ana Silva",
        phones=[Phone("111 111 11", "work"), Phone("333 333 33", "mobile")],
    )
    patch = translate(Patch.between(seen, wanted), seen, target)
    result = patch.apply(target)
    assert {p.number for p in result.phones} == {"222 222 22", "333 333 33"}
    assert result.title == "CEO" and result.display_name == "Ana Silva"


def test_values_with_quotes_backslashes_and_accents_are_read_whole(store: Store) -> None:
    contact = Contact(
        display_name="Zoë",
        emails=[Email("zoë@x.org"), Email('a\\b"c@x.org')],
        phones=[Phone('+64 (0) "21" 555 0100', "work")],
    )
    store.create(contact)
    (facts,) = store.suggestion_facts()
    assert list(facts.emails) == ["zoë@x.org", 'a\\b"c@x.org']
    assert list(facts.phones) == ['+64 (0) "21" 555 0100']
