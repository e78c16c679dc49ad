"""The cache's JSON of a contact (Store._contact_json, built in one go for imports) is
the JSON of `Contact.to_dict()`, text for text, and reads back as the same contact."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from addressbook.model import Contact
from addressbook.store.cache import _contact_json, _dumps
from tests.interchange.samples import full_contact
from tests.interchange.test_roundtrip import contacts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact=contacts)
def test_cache_json_is_to_dict_json(contact: Contact) -> None:
    text = _contact_json(contact)
    assert text == _dumps(contact.to_dict())
    assert Contact.from_stored(json.loads(text)) == contact


def test_cache_json_of_a_full_contact() -> None:
    contact = full_contact()
    assert _contact_json(contact) == _dumps(contact.to_dict())
    assert json.loads(_contact_json(contact))["addresses"][0]["lines"] == list(
        contact.addresses[0].lines
    )
