"""rules.py: the one check of a patch, read from each service's description."""

from __future__ import annotations

from dataclasses import replace

import pytest

from addressbook.connectors import describe
from addressbook.model import Contact, Email, Patch, Phone
from addressbook.rules import check_delete, check_new, check_patch, kept_here_fields, stays_here

HARVEST = describe("harvest")
ACU = describe("acuinvoice")
XERO = describe("xero")
LEGACY = describe("xero-legacy")


def person(**fields: object) -> Contact:
    base = Contact(
        given_name="Ana", family_name="Ruiz", organization="Acme", emails=[Email("ana@acme.test")]
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_read_only_contacts_refuse_every_edit_and_the_delete() -> None:
    redacted = person(status="read-only", organization="", display_name="Ana Ruiz")
    for service in (XERO, LEGACY):
        problems = check_patch(redacted, Patch.setting(redacted, title="x"), service)
        assert len(problems) == 1 and "read-only" in problems[0].sentence
        assert (
            check_delete(redacted, service)
            and "data-protection" in check_delete(redacted, service)[0].sentence
        )
    assert check_delete(person(), HARVEST) == []


def test_a_new_acuinvoice_contact_needs_an_email() -> None:
    problems = check_new(person(emails=[]), ACU, clients=["Acme"])
    assert [p.field for p in problems] == ["emails"]
    assert "AcuInvoice" in problems[0].sentence and "email" in problems[0].sentence
    assert check_new(person(), ACU, clients=["Acme"]) == []


def test_clients_match_case_insensitively_and_a_refusal_lists_them() -> None:
    assert check_new(person(organization="ACME"), HARVEST, clients=["Acme", "Globex"]) == []
    problems = check_new(person(organization="Nobody Inc"), HARVEST, clients=["Acme", "Globex"])
    assert [p.field for p in problems] == ["organization"]
    assert "'Nobody Inc'" in problems[0].sentence and "Acme, Globex" in problems[0].sentence
    # Clients not known yet (never pulled): the engine checks at push.
    assert check_new(person(organization="Nobody Inc"), HARVEST, clients=None) == []
    # An edit that leaves the client alone does not ask about it.
    ana = person(organization="Gone Ltd")
    assert check_patch(ana, Patch.setting(ana, title="Boss"), HARVEST, clients=["Acme"]) == []


@pytest.mark.parametrize("service", [None, HARVEST, ACU, XERO, LEGACY])
def test_an_email_must_look_like_one_everywhere(service: object) -> None:
    ana = person(organization="" if service in (XERO, LEGACY) else "Acme", display_name="Ana Ruiz")
    patch = Patch.setting(ana, emails=[{"kind": "work", "address": "not-an-email"}])
    problems = check_patch(ana, patch, service, clients=["Acme"])  # type: ignore[arg-type]
    assert any(p.field == "emails" and "'not-an-email'" in p.sentence for p in problems)


def test_an_odd_email_the_service_already_holds_is_not_refused_again() -> None:
    odd = person(emails=[Email("odd@localhost")])
    assert check_patch(odd, Patch.setting(odd, title="Boss"), None) == []
    patch = Patch.setting(
        odd,
        emails=[
            {"kind": "work", "address": "odd@localhost"},
            {"kind": "home", "address": "b@x.test"},
        ],
    )
    assert check_patch(odd, patch, None) == []


def test_a_name_is_required_and_birthdays_are_dates() -> None:
    blank = Contact(title="Only a title")
    assert [p.field for p in check_new(blank, None, None)] == ["display_name"]
    ana = person()
    assert check_patch(ana, Patch.setting(ana, birthday="--02-29"), None) == []
    assert [p.field for p in check_patch(ana, Patch.setting(ana, birthday="1999-02-30"), None)] == [
        "birthday"
    ]


def test_xero_1_takes_digits_only_and_small_postcodes() -> None:
    ana = Contact(display_name="Acme")
    good = Patch.setting(ana, phones=[{"kind": "work", "number": "+64 21 123-4567"}])
    assert check_patch(ana, good, LEGACY) == []
    bad = Patch.setting(ana, phones=[{"kind": "work", "number": "0800 FLOWERS"}])
    assert any("'0800 FLOWERS'" in p.sentence for p in check_patch(ana, bad, LEGACY))
    assert check_patch(ana, bad, XERO) == []  # 2.0 takes any text
    big = Patch.setting(
        ana, addresses=[{"kind": "street", "lines": ["1 Main St"], "postcode": "SW1A 1AA"}]
    )
    assert any(p.field == "addresses" for p in check_patch(ana, big, LEGACY))


def test_what_a_service_cannot_hold_is_said_and_not_refused() -> None:
    ana = person()
    patch = Patch.setting(ana, nickname="Annie", categories=["VIP"])
    assert check_patch(ana, patch, HARVEST, clients=["Acme"]) == []
    notes = stays_here(patch.apply(ana), HARVEST)
    assert {n.field for n in notes} == {"nickname", "categories"}
    assert all("stays on this computer" in n.sentence for n in notes)
    assert {"nickname", "urls", "extra"} <= set(kept_here_fields(HARVEST))


def test_a_second_phone_of_one_kind_would_be_lost_so_it_is_refused() -> None:
    ana = person(phones=[Phone("1", "work")])
    patch = Patch.setting(
        ana, phones=[{"kind": "work", "number": "1"}, {"kind": "work", "number": "2"}]
    )
    assert any(p.field == "phones" for p in check_patch(ana, patch, HARVEST, clients=["Acme"]))


def test_xero_2_keeps_one_web_address_and_the_others_say_it_stays_here() -> None:
    acme = Contact(display_name="Acme")
    one = Patch.setting(acme, urls=[{"kind": "work", "url": "https://acme.test"}])
    assert check_patch(acme, one, XERO) == [] and stays_here(one.apply(acme), XERO) == []
    two = Patch.setting(
        acme,
        urls=[{"kind": "work", "url": "https://a.test"}, {"kind": "home", "url": "https://b.test"}],
    )
    assert [p.field for p in check_patch(acme, two, XERO)] == ["urls"]
    assert [n.field for n in stays_here(one.apply(acme), LEGACY)] == ["urls"]
