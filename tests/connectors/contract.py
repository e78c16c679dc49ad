"""The contract every connector keeps, run against its sandbox over real loopback sockets.

How to use (vdirsyncer's tests/storage/__init__.py is the model)::

    from tests.connectors.contract import ConnectorContract

    class TestHarvestContract(ConnectorContract):
        given_name_key = "first-name"          # the service record's key for given_name
        stamp_keys = ("updated-at",)           # keys that move on every write
        preserved_keys = ("created-at",)       # keys the connector never maps: must survive
        extra_field = ("x-custom", "keep me")  # an unknown field, set by sandbox edit()
        missing_id = "999999"                  # an id no record has

        @pytest.fixture
        def make(self, harvest) -> Callable[[int], Connector]:
            '''make(n): a connector bound to a fresh service holding n sample contacts.'''

        @pytest.fixture
        def service_record(self, harvest) -> Callable[[str], dict | None]:
            '''The service's own record (from its state()) for a remote id; None if gone.'''

        @pytest.fixture
        def service_edit(self, harvest) -> Callable[[str, dict], None]:
            '''A change made on the service side (the sandbox's edit()).'''

Everything here reads capability flags (can_delete, needs_client, requires_email), never
the service's name. Override `valid_contact` when the service needs more than a name,
an email, a work phone and (where needs_client) a client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from addressbook.connectors.base import AccountConfig, Connector, RemoteContact
from addressbook.errors import NotFound, ValidationRefused
from addressbook.model import Contact, Email, Phone
from tests.fakes import DictSecrets

UNICODE_NAMES = [
    ("Hēmi", "Te Āwhina-Pōtae"),  # Māori macrons
    ("Nguyễn", "Thị Minh Khai"),  # Vietnamese
    ("فاطمة", "الزهراء"),  # Arabic, right to left
    ("美咲", "山田"),  # CJK
    ("Zoë 😀", "Straße-Müller"),  # emoji, ß, diaeresis
]


def account_config(account: dict[str, Any]) -> tuple[AccountConfig, DictSecrets]:
    """An AccountConfig and its secrets from tests.fixtures.sandbox.sandbox_account()."""
    config = AccountConfig(
        name=account["name"],
        service=account["service"],
        url=account["url"],
        settings={k: str(v) for k, v in account["settings"].items()},
    )
    return config, DictSecrets(account["secrets"])


def pull_all(connector: Connector) -> list[RemoteContact]:
    """Every record of a full pull, pages joined."""
    return [record for page in connector.pull(None) for record in page]


class ConnectorContract:
    """Inherit this class and provide the fixtures named in the module docstring."""

    given_name_key: str = "first_name"
    stamp_keys: tuple[str, ...] = ()
    preserved_keys: tuple[str, ...] = ()
    extra_field: tuple[str, str] | None = None
    missing_id: str = "999999"
    replaces_whole_record: bool = False  # a write sends the whole record (Xero 1.0)

    # --- helpers subclasses may override ---------------------------------------------
    def valid_contact(
        self, connector: Connector, given: str = "Ana", family: str = "Lima"
    ) -> Contact:
        """A contact the service accepts."""
        organization = connector.clients()[0].name if connector.needs_client else ""
        return Contact(
            given_name=given,
            family_name=family,
            organization=organization,
            emails=[Email(address=f"{abs(hash((given, family))) % 10**8}@example.com")],
            phones=[Phone(number="+64 4 555 0101", kind="work")],
        )

    @pytest.fixture
    def connector(self, make: Callable[[int], Connector]) -> Connector:
        """A connector on a fresh service with a few sample contacts."""
        return make(3)

    # --- the contract ----------------------------------------------------------------
    def test_check_says_who(self, connector: Connector) -> None:
        assert connector.check().strip()

    def test_create_pull_update_pull_delete(
        self,
        connector: Connector,
        service_record: Callable[[str], dict[str, Any] | None],
    ) -> None:
        local = self.valid_contact(connector)
        created = connector.create(local, "key-create-1")
        assert created.remote_id and created.raw
        assert created.contact.given_name == "Ana" and created.contact.family_name == "Lima"
        assert created.contact.emails == local.emails
        assert created.contact.phones == local.phones
        assert created.contact.organization == local.organization

        listed = {r.remote_id: r for r in pull_all(connector)}
        assert created.remote_id in listed
        assert listed[created.remote_id].contact == created.contact

        before = service_record(created.remote_id)
        assert before is not None
        edited = replace(created.contact, given_name="Anabel", display_name="")
        updated = connector.update(created, edited, "key-update-1")
        assert updated.contact.given_name == "Anabel"
        assert updated.contact.family_name == "Lima"
        assert updated.contact.emails == created.contact.emails
        after = service_record(created.remote_id)
        assert after is not None
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        assert changed <= {self.given_name_key, *self.stamp_keys}, changed
        assert self.given_name_key in changed

        listed = {r.remote_id: r for r in pull_all(connector)}
        assert listed[created.remote_id].contact.given_name == "Anabel"

        archived = connector.delete(updated, "key-delete-1")
        if connector.can_delete:
            assert archived is None
            with pytest.raises(NotFound):
                connector.get(created.remote_id)
            assert created.remote_id not in {r.remote_id for r in pull_all(connector)}
            assert service_record(created.remote_id) is None
        else:
            assert archived is not None and archived.contact.status == "archived"

    def test_update_keeps_unknown_and_unmapped_fields(
        self,
        connector: Connector,
        service_record: Callable[[str], dict[str, Any] | None],
        service_edit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        created = connector.create(self.valid_contact(connector), "key-create-2")
        if self.extra_field is not None:
            service_edit(created.remote_id, {self.extra_field[0]: self.extra_field[1]})
        base = connector.get(created.remote_id)
        before = service_record(created.remote_id)
        assert before is not None
        edited = replace(base.contact, family_name="Lima-Sousa", display_name="")
        updated = connector.update(base, edited, "key-update-2")
        after = service_record(created.remote_id)
        assert after is not None
        assert updated.contact.family_name == "Lima-Sousa"
        for key in self.preserved_keys:
            assert after.get(key) == before.get(key), key
        if self.extra_field is not None:
            name, value = self.extra_field
            assert after.get(name) == value
            assert name in updated.raw

    def test_unicode_names_round_trip(self, connector: Connector) -> None:
        for given, family in UNICODE_NAMES:
            created = connector.create(self.valid_contact(connector, given, family), f"k-{given}")
            again = connector.get(created.remote_id)
            assert again.contact.given_name == given
            assert again.contact.family_name == family
            assert again.contact.display_name == f"{given} {family}"

    def test_listing_of_one_is_a_list(self, make: Callable[[int], Connector]) -> None:
        connector = make(0)
        assert pull_all(connector) == []
        created = connector.create(self.valid_contact(connector), "key-one")
        listed = pull_all(connector)
        assert [r.remote_id for r in listed] == [created.remote_id]
        assert isinstance(listed[0].contact, Contact)

    def test_sample_contacts_pull_whole(self, make: Callable[[int], Connector]) -> None:
        records = pull_all(make(7))
        assert len(records) == 7
        assert len({r.remote_id for r in records}) == 7
        assert all(r.contact.display_name for r in records)

    def test_get_missing_is_not_found(self, connector: Connector) -> None:
        with pytest.raises(NotFound):
            connector.get(self.missing_id)

    def test_find_created_returns_the_same_record(self, connector: Connector) -> None:
        local = self.valid_contact(connector, "Kiri", "Tāwhiao")
        assert connector.find_created(local, "key-find") is None
        created = connector.create(local, "key-find")
        found = connector.find_created(local, "key-find")
        assert found is not None and found.remote_id == created.remote_id

    def test_validate_refuses_before_sending(
        self,
        connector: Connector,
        service_record: Callable[[str], dict[str, Any] | None],
    ) -> None:
        assert connector.validate(self.valid_contact(connector), None) == []
        assert connector.validate(Contact(), None)
        count = len(pull_all(connector))
        with pytest.raises(ValidationRefused) as refused:
            connector.create(Contact(), "key-empty")
        assert refused.value.problems and all(p.endswith(".") for p in refused.value.problems)
        if connector.needs_client:
            contact = replace(self.valid_contact(connector), organization="No Such Client Ltd")
            problems = connector.validate(contact, None)
            assert any("No Such Client Ltd" in p for p in problems)
        if connector.requires_email:
            contact = replace(self.valid_contact(connector), emails=[])
            assert any("email" in p for p in connector.validate(contact, None))
        assert len(pull_all(connector)) == count

    def test_nothing_dropped_silently(self, connector: Connector) -> None:
        contact = self.valid_contact(connector)
        contact = replace(
            contact,
            emails=[*contact.emails, Email(address="second@example.com")],
            notes="Met at the conference",
        )
        problems = " ".join(connector.validate(contact, None))
        if "second@example.com" not in problems:  # then the service must keep it
            kept = connector.get(connector.create(contact, "key-2nd").remote_id)
            assert "second@example.com" in [e.address for e in kept.contact.emails]
        if "notes" not in problems:
            kept = connector.get(connector.create(contact, "key-notes").remote_id)
            assert kept.contact.notes == contact.notes

    # --- records gone, bases gone stale (the engine relies on these answers) ---------------
    def test_update_and_delete_of_a_record_gone_from_the_service(
        self, connector: Connector
    ) -> None:
        created = connector.create(self.valid_contact(connector), "key-gone-1")
        if not connector.can_delete:  # nothing can vanish there; an unknown id is "gone"
            with pytest.raises(NotFound):
                connector.get(self.missing_id)
            return
        connector.delete(created, "key-gone-2")
        edited = replace(created.contact, phones=[Phone(number="+64 4 555 0177", kind="work")])
        with pytest.raises(NotFound):
            connector.update(created, edited, "key-gone-3")
        try:  # deleting what is gone is done, or says it is gone: never another error
            assert connector.delete(created, "key-gone-4") is None
        except NotFound:
            pass

    def test_an_update_over_a_stale_base_keeps_the_services_newer_fields(
        self,
        connector: Connector,
        service_edit: Callable[[str, dict[str, Any]], None],
        service_record: Callable[[str], dict[str, Any] | None],
    ) -> None:
        """The engine reads the record again before it sends; still, a connector given an
        older base sends only the fields the user changed, never the stale rest — except
        where the service only takes whole records (Xero 1.0: `replaces_whole_record`),
        where the engine's fresh read is what protects the newer fields."""
        created = connector.create(self.valid_contact(connector), "key-stale-1")
        fresh = connector.get(created.remote_id)
        service_edit(created.remote_id, {self.given_name_key: "Newer"})
        edited = replace(created.contact, phones=[Phone(number="+64 4 555 0199", kind="work")])
        connector.update(fresh, edited, "key-stale-2")
        now = connector.get(created.remote_id)
        digits = ["".join(ch for ch in p.number if ch.isdigit()) for p in now.contact.phones]
        assert digits == ["6445550199"]
        record = service_record(created.remote_id)
        assert record is not None
        if not self.replaces_whole_record:
            assert record[self.given_name_key] == "Newer"
