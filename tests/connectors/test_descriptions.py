"""The service descriptions: one per connector class, in the registry's order, agreeing with the flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from addressbook.connectors import connector_class, describe, descriptions, service_names
from addressbook.errors import AccountError
from addressbook.model import FIELDS

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


def test_descriptions_follow_the_registry() -> None:
    assert tuple(d.name for d in descriptions()) == service_names()
    assert [d.label for d in descriptions()] == ["Xero", "Xero (API 1.0)", "Harvest", "AcuInvoice"]


@pytest.mark.parametrize("service", service_names())
def test_flags_agree_with_the_description(service: str) -> None:
    cls = connector_class(service)
    d = describe(service)
    assert cls.description is d
    assert cls.service == d.name == service
    assert cls.label == d.label
    assert cls.default_url == d.default_url
    assert cls.secret_keys == tuple(s.key for s in d.asked_secrets())
    assert cls.login_secret_keys == tuple(s.key for s in d.secrets if not s.asked)
    assert cls.setting_keys == tuple(s.key for s in d.settings)
    for flag in (
        "can_delete",
        "has_modified_since",
        "needs_login",
        "has_idempotency",
        "batch_create",
    ):
        assert getattr(cls, flag) == getattr(d, flag), flag
    assert cls.needs_client == (d.rules.client_field is not None) == d.has_clients
    assert cls.requires_email == ("email" in d.rules.required)


@pytest.mark.parametrize("service", service_names())
def test_descriptions_name_real_things(service: str) -> None:
    d = describe(service)
    assert (ICONS / f"{d.icon}.svg").is_file()
    assert set(d.rules.holds) <= set(FIELDS)
    assert d.rules.required and set(d.rules.required) <= {
        "name",
        "given_name",
        "family_name",
        "email",
    }
    assert d.default_url or d.url_hint.startswith("https://")
    for spec in d.secrets:
        assert spec.label and d.secret_label(spec.key) == spec.label
    for setting in d.settings:
        assert setting.label


def test_the_services_differ_where_they_do() -> None:
    xero, legacy, harvest, acu = descriptions()
    assert xero.needs_login and not legacy.needs_login
    assert xero.rules.read_only_statuses == legacy.rules.read_only_statuses == ("read-only",)
    assert legacy.rules.phone_digits_only and legacy.rules.postcode_max == 65535
    assert xero.rules.one_name and xero.rules.max_emails == 6
    assert harvest.rules.client_field == acu.rules.client_field == "organization"
    assert "email" in acu.rules.required and "email" not in harvest.rules.required
    assert [s.key for s in acu.asked_secrets()] == ["api_key"]
    assert not [s for s in harvest.secrets if s.key == "email"][0].hidden
    assert all(s.advanced for s in xero.settings if s.key != "client_id")


def test_an_unknown_service_is_one_sentence() -> None:
    with pytest.raises(AccountError, match="Unknown service"):
        describe("nope")
