"""Reasons read out of whatever body comes, and retried only where a retry can help.

Answers written by hand from SERVICES.md ("Rules for every connector") and what issue 13
found in answers captured from the real services: Rails' empty arrays, XML declared in
an encoding its bytes are not in, HTML/XML/JSON/plain-text error bodies, 501, maintenance.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from addressbook.connectors.acuinvoice import AcuInvoiceConnector
from addressbook.connectors.harvest import HarvestConnector
from addressbook.errors import BadAnswer, ServiceUnavailable, ValidationRefused
from addressbook.model import Contact
from tests.connectors.contract import pull_all
from tests.fakes import HTML, JSON, TEXT, XML, Canned, CannedServer, FakeClock, canned

Make = Callable[..., HarvestConnector]
MakeAcu = Callable[..., AcuInvoiceConnector]
CLIENTS = (
    '<clients type="array"><client><id type="integer">11</id><name>Acme</name></client></clients>'
)
MAINTENANCE = (
    "<!DOCTYPE html><html><head><title>Harvest is down for maintenance</title></head>"
    "<body><h1>Back at 02:00 UTC</h1><p>We are upgrading our servers.</p></body></html>"
)


def test_rails_empty_array_is_an_empty_listing(server: CannedServer, harvest: Make) -> None:
    # Rails 2 writes every empty array so: a Harvest account without contacts
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<nil-classes type="array"/>\n'
    server.answer("GET", "/contacts", 200, body, content_type=XML)
    assert pull_all(harvest()) == []


def test_rails_empty_array_of_clients(server: CannedServer, harvest: Make) -> None:
    server.answer("GET", "/clients", 200, '<nil-classes type="array"/>', content_type=XML)
    assert harvest().clients() == []


def test_an_error_declared_utf16_on_single_byte_text_keeps_its_reason(
    server: CannedServer, harvest: Make
) -> None:
    server.answer("GET", "/clients", 200, CLIENTS, content_type=XML)
    body = '<?xml version="1.0" encoding="utf-16"?><errors><error>Last name is too long</error></errors>'
    server.answer("POST", "/contacts", 422, body.encode("ascii"), content_type=XML)
    contact = Contact(given_name="Jane", family_name="Doe", organization="Acme")
    with pytest.raises(ValidationRefused) as refused:
        harvest().create(contact, "k1")
    assert "Last name is too long" in str(refused.value)


def test_a_listing_declared_utf16_on_utf8_text_is_read(server: CannedServer, harvest: Make) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-16"?><contacts type="array"><contact>'
        '<id type="integer">9</id><first-name>Zoë</first-name><last-name>Müller</last-name>'
        "</contact></contacts>"
    ).encode()
    server.answer("GET", "/contacts", 200, body, content_type="application/xml")
    [record] = pull_all(harvest())
    assert (record.contact.given_name, record.contact.family_name) == ("Zoë", "Müller")


def test_maintenance_page_is_said_and_waited_for_only_until_the_give_up_time(
    server: CannedServer, harvest: Make
) -> None:
    server.answer("GET", "/contacts", 503, MAINTENANCE, content_type=HTML)
    connector = harvest(give_up_seconds="120")
    clock = connector.clock = FakeClock()
    with pytest.raises(ServiceUnavailable) as failed:
        pull_all(connector)
    message = str(failed.value)
    assert "down for maintenance" in message
    assert "Harvest is down for maintenance: Back at 02:00 UTC" in message
    assert "try again later" in message
    assert len(server.sent("GET", "/contacts")) <= 5  # a few spaced tries, not 13
    assert sum(clock.slept) <= 120


@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        ("Method Not Implemented\nThe server does not support it.", TEXT, "Method Not Implemented"),
        (
            "<html><head><title>501 Not Implemented</title></head><body></body></html>",
            HTML,
            "501 Not Implemented",
        ),
    ],
)
def test_501_is_not_retried_and_says_why(
    server: CannedServer, harvest: Make, body: str, kind: str, said: str
) -> None:
    server.answer("GET", "/contacts", 501, body, content_type=kind)
    connector = harvest()
    with pytest.raises(ServiceUnavailable) as failed:
        pull_all(connector)
    message = str(failed.value)
    assert said in message and "trying again will not help" in message
    assert "try again later" not in message
    assert len(server.sent("GET", "/contacts")) == 1


@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        ("<?xml version='1.0'?><error><message>Database unavailable</message></error>", XML, "Database unavailable"),
        ('{"error": {"message": "Upstream timed out"}}', JSON, "Upstream timed out"),
        ("Internal error: disk quota", TEXT, "Internal error: disk quota"),
    ],
)  # fmt: skip
def test_500_bodies_are_quoted(
    server: CannedServer, acu: MakeAcu, body: str, kind: str, said: str
) -> None:
    server.answer("POST", "/api/xml-in", 500, body, content_type=kind)
    with pytest.raises(ServiceUnavailable) as failed:
        pull_all(acu())
    assert f"AcuInvoice says: {said}" in str(failed.value)


def test_a_4xx_page_is_quoted(server: CannedServer, harvest: Make) -> None:
    page = "<html><head><title>Account suspended</title></head><body>Call us</body></html>"
    server.answer("GET", "/contacts", 402, page, content_type=HTML)
    with pytest.raises(BadAnswer) as failed:
        pull_all(harvest())
    assert "Harvest says: Account suspended" in str(failed.value)
    assert "account work" in str(failed.value)


def test_a_503_with_retry_after_then_the_listing(server: CannedServer, harvest: Make) -> None:
    ok = '<contacts type="array"></contacts>'
    server.answers(
        "GET", "/contacts", [canned(503, "busy", {"Retry-After": "2"}, TEXT), Canned(200, [], ok)]
    )
    connector = harvest()
    clock = connector.clock = FakeClock()
    assert pull_all(connector) == []
    assert clock.slept == [2.0]


def test_errors_carry_their_account_and_what_was_being_done(
    server: CannedServer, harvest: Make
) -> None:
    server.answer("GET", "/contacts", 402, "Payment required", content_type=TEXT)
    with pytest.raises(BadAnswer) as failed:
        pull_all(harvest())
    assert failed.value.account == "work"
    assert failed.value.doing == "reading the contact list"


def test_an_http_error_carries_its_account(server: CannedServer, acu: MakeAcu) -> None:
    server.answer("POST", "/api/xml-in", 500, "boom", content_type=TEXT)
    with pytest.raises(ServiceUnavailable) as failed:
        pull_all(acu())
    assert failed.value.account == "books"
