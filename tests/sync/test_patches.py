"""Every change is a patch: resolutions keep what was never in question, lists are sets,
an edit racing a sync never overwrites the service's newer values (issue: trust)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from addressbook.connectors.base import AccountConfig
from addressbook.model import FIELDS, Contact, Email, Patch, Phone, same_value
from addressbook.sandbox.core import SandboxServer
from addressbook.store import Store
from addressbook.sync import pull, push
from addressbook.sync.merge import merge
from addressbook.sync.resolve import resolve, resolve_fields, revert
from tests.sync.conftest import connect, remote_edit, remote_value
from tests.sync.test_engine import first_pull, remote_id


def patch(store: Store, contact_id: int, **values: object) -> None:
    record = store.get(contact_id)
    assert record is not None
    store.apply_patch(contact_id, Patch.setting(record.contact, **values))


def mobile(number: str) -> list[dict[str, str]]:
    return [{"kind": "mobile", "number": number}]


def test_resolve_remote_keeps_the_edits_that_were_never_in_conflict(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    patch(store, ids[0], family_name="Mine", phones=mobile("+64 21 555 0101"))
    remote_edit(server, rid, "family_name", "Theirs")
    with connect(account) as connector:
        assert pull(store, connector, full=True).conflicts == [ids[0]]
    said = resolve(store, ids[0], "remote")
    record = store.get(ids[0])
    assert record is not None and record.state == "modified", said
    assert record.contact.family_name == "Theirs"
    assert [p.number for p in record.contact.phones if p.kind == "mobile"] == ["+64 21 555 0101"]
    with connect(account) as connector:
        assert push(store, connector).updated == 1
    assert remote_value(server, rid, "family_name") == "Theirs"
    assert remote_value(server, rid, "phone.mobile") == "+64 21 555 0101"


def test_a_conflict_edited_to_the_services_value_is_gone_at_the_next_pull(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    """Found by the sync state machine: the user, instead of resolving, typed the
    service's value. The next pull (the service unchanged) settles the field: no
    conflict waits showing a local value the contact no longer has, nothing to push."""
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    patch(store, ids[0], family_name="Mine")
    remote_edit(server, rid, "family_name", "Theirs")
    with connect(account) as connector:
        assert pull(store, connector, full=True).conflicts == [ids[0]]
    patch(store, ids[0], family_name="Theirs")
    with connect(account) as connector:
        assert pull(store, connector).conflicts == []
    assert store.conflict(ids[0]) is None
    record = store.get(ids[0])
    assert record is not None and record.state == "synced", record.state
    assert store.pending_count() == 0


def test_a_conflict_edited_again_shows_the_new_local_value(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    patch(store, ids[0], family_name="Mine")
    remote_edit(server, rid, "family_name", "Theirs")
    with connect(account) as connector:
        pull(store, connector, full=True)
    patch(store, ids[0], family_name="Mine again")
    with connect(account) as connector:
        assert pull(store, connector).conflicts == [ids[0]]
    conflict = store.conflict(ids[0])
    assert conflict is not None
    assert [(f.field, f.local, f.remote) for f in conflict.fields] == [
        ("family_name", "Mine again", "Theirs")
    ]
    with connect(account) as connector:  # the service unchanged, the local too: it waits
        assert pull(store, connector).conflicts == []
    assert store.conflict(ids[0]) == conflict


def test_resolve_field_by_field(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    patch(store, ids[0], given_name="MyGiven", family_name="MyFamily")
    remote_edit(server, rid, "given_name", "TheirGiven")
    remote_edit(server, rid, "family_name", "TheirFamily")
    with connect(account) as connector:
        pull(store, connector, full=True)
    resolve_fields(store, ids[0], {"given_name": "remote", "family_name": "local"})
    with connect(account) as connector:
        push(store, connector)
    assert remote_value(server, rid, "given_name") == "TheirGiven"
    assert remote_value(server, rid, "family_name") == "MyFamily"
    record = store.get(ids[0])
    assert record is not None and record.state == "synced"
    assert record.contact.display_name == "TheirGiven MyFamily"  # the derived name follows


def test_revert_drops_every_pending_edit(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    before = store.get(ids[0])
    patch(store, ids[0], family_name="Mine")
    revert(store, ids[0])
    after = store.get(ids[0])
    assert after is not None and before is not None
    assert after.state == "synced" and after.contact == before.contact
    new_id = store.create(Contact(given_name="N", family_name="X"), account.name)
    revert(store, new_id)
    assert store.get(new_id) is None


def test_an_edit_racing_a_sync_never_writes_back_what_it_read(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    """The editor read the contact; a sync landed the service's newer email; the phone edit
    saved afterwards changes the phone only, and the next push reports no conflict."""
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    seen = store.get(ids[0])
    assert seen is not None
    remote_edit(server, rid, "email", "newer@example.com")
    with connect(account) as connector:
        pull(store, connector, full=True)  # lands while the edit is open
    store.apply_patch(
        ids[0], Patch.setting(seen.contact, phones=mobile("+64 21 555 0199")), moved="refuse"
    )
    with connect(account) as connector:
        result = push(store, connector)
    assert result.updated == 1 and not result.conflicts
    assert remote_value(server, rid, "email") == "newer@example.com"
    assert remote_value(server, rid, "phone.mobile") == "+64 21 555 0199"


def test_an_edit_of_a_field_that_moved_becomes_its_conflict(
    server: SandboxServer, account: AccountConfig, store: Store
) -> None:
    ids = first_pull(store, account)
    rid = remote_id(store, ids[0])
    seen = store.get(ids[0])
    assert seen is not None
    remote_edit(server, rid, "email", "newer@example.com")
    with connect(account) as connector:
        pull(store, connector, full=True)
    wanted = [{"kind": "work", "address": "mine@example.com"}]
    result = store.apply_patch(ids[0], Patch.setting(seen.contact, emails=wanted))
    assert [f.field for f in result.moved] == ["emails"] and result.state == "conflict"
    conflict = store.conflict(ids[0])
    assert conflict is not None and conflict.fields[0].origin == "here"
    resolve(store, ids[0], "remote")  # keep what the sync brought
    record = store.get(ids[0])
    assert record is not None and [e.address for e in record.contact.emails] == [
        "newer@example.com"
    ]
    assert record.state == "synced"


# --- properties of the merge and of a resolution ---------------------------------------------

TEXT = st.sampled_from(["", "a", "b", "c"])
PHONES = st.lists(
    st.builds(
        Phone, number=st.sampled_from(["1", "2", "3"]), kind=st.sampled_from(["work", "mobile"])
    ),
    max_size=3,
    unique_by=lambda p: (p.number, p.kind),
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    return Contact(
        display_name="X",
        given_name=draw(TEXT),
        family_name=draw(TEXT),
        title=draw(TEXT),
        notes=draw(TEXT),
        phones=draw(PHONES),
        emails=[
            Email(a) for a in draw(st.lists(st.sampled_from(["a@x.io", "b@x.io"]), unique=True))
        ],
    )


@settings(max_examples=300, deadline=None)
@given(base=contacts(), local=contacts(), remote=contacts(), data=st.data())
def test_merge_and_any_choice_keep_one_sided_changes(
    base: Contact, local: Contact, remote: Contact, data: st.DataObject
) -> None:
    outcome = merge(base, local, remote)
    in_conflict = {c.field for c in outcome.conflicts}
    choices = {f: data.draw(st.sampled_from(["local", "remote"])) for f in in_conflict}
    chosen = Patch.between(
        outcome.contact,
        _choose(outcome.contact, remote, choices),
    ).apply(outcome.contact)
    for name in FIELDS:
        if name == "display_name":
            continue
        b, mine, theirs = base.get(name), local.get(name), remote.get(name)
        if same_value(name, b, theirs) and not same_value(name, b, mine):
            assert same_value(name, chosen.get(name), mine), name  # changed only here: survives
        if same_value(name, b, mine) and not same_value(name, b, theirs):
            assert same_value(name, chosen.get(name), theirs), name  # only there: arrives
        if name in in_conflict:
            pick = mine if choices[name] == "local" else theirs
            assert same_value(name, chosen.get(name), pick), name


def _choose(merged: Contact, remote: Contact, choices: dict[str, str]) -> Contact:
    result = merged
    for name, choice in choices.items():
        if choice == "remote":
            result = result.with_field(name, remote.get(name))
    return result


@settings(max_examples=200, deadline=None)
@given(base=contacts(), data=st.data())
def test_list_order_never_makes_a_change_or_a_conflict(base: Contact, data: st.DataObject) -> None:
    shuffled = replace(
        base,
        phones=data.draw(st.permutations(base.phones)),
        emails=data.draw(st.permutations(base.emails)),
    )
    assert not Patch.between(base, shuffled)
    outcome = merge(base, shuffled, base)
    assert outcome.clean
    other = replace(base, title="changed there")
    assert merge(base, shuffled, other).clean
