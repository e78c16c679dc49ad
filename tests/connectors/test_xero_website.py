"""Xero 2.0 keeps one web address (`Website`): read into urls, written from the first."""

from __future__ import annotations

from dataclasses import replace

import pytest

from addressbook.model import Contact, Email, Url
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero import XeroService
from tests.connectors.xero_helpers import close_connectors, signed_in_xero  # noqa: F401
from tests.keyring_backend import keyring_file  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("keyring_file")


def test_website_round_trip(xero: SandboxServer) -> None:
    xero.service = XeroService(contacts=2, seed=1)
    connector = signed_in_xero(xero)
    contact = Contact(
        display_name="Web Works", emails=[Email("hi@web.test")], urls=[Url("https://web.test")]
    )
    created = connector.create(contact, "key-web-1")
    record = next(
        c for c in xero.service.state()["contacts"] if c["ContactID"] == created.remote_id
    )
    assert record["Website"] == "https://web.test"
    assert [u.url for u in connector.get(created.remote_id).contact.urls] == ["https://web.test"]
    edited = replace(created.contact, urls=[Url("https://new.web.test")])
    answer = connector.update(created, edited, "key-web-2")
    assert [u.url for u in answer.contact.urls] == ["https://new.web.test"]
    xero.service.edit(created.remote_id, {"Website": "https://theirs.test"})
    assert [u.url for u in connector.get(created.remote_id).contact.urls] == ["https://theirs.test"]
