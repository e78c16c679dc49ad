"""The three-way merge, field by field."""

from __future__ import annotations

from dataclasses import replace

from addressbook.model import Contact, Email, Phone
from addressbook.sync.merge import DELETED, deleted_conflict, merge, resolve_fields, same

BASE = Contact(
    given_name="Jane",
    family_name="Doe",
    organization="Acme",
    emails=[Email("jane@doe.com")],
    phones=[Phone("+64 4 123", "work")],
)


def edited(**changes: object) -> Contact:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def test_unchanged_sides_merge_to_base() -> None:
    result = merge(BASE, BASE, BASE)
    assert result.clean
    assert same(result.contact, BASE)


def test_a_field_changed_on_one_side_takes_that_side() -> None:
    local = edited(title="CEO")
    remote = edited(organization="Acme Ltd")
    result = merge(BASE, local, remote)
    assert result.clean
    assert result.contact.title == "CEO"
    assert result.contact.organization == "Acme Ltd"


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    local = edited(family_name="Smith")
    result = merge(BASE, local, edited(family_name="Smith"))
    assert result.clean
    assert result.contact.family_name == "Smith"


def test_different_changes_to_one_field_conflict_and_keep_local() -> None:
    local = edited(family_name="Smith", title="CEO")
    remote = edited(family_name="Jones", notes="met in Wellington")
    result = merge(BASE, local, remote)
    assert [c.field for c in result.conflicts] == ["family_name"]
    conflict = result.conflicts[0]
    assert (conflict.base, conflict.local, conflict.remote) == ("Doe", "Smith", "Jones")
    assert result.contact.family_name == "Smith"
    assert result.contact.notes == "met in Wellington"
    assert result.contact.title == "CEO"


def test_a_list_is_one_field() -> None:
    local = edited(emails=[Email("jane@doe.com"), Email("j@home.org", "home")])
    remote = edited(emails=[Email("jane@janedoe.com")])
    result = merge(BASE, local, remote)
    assert [c.field for c in result.conflicts] == ["emails"]
    assert result.conflicts[0].remote == [{"kind": "work", "address": "jane@janedoe.com"}]


def test_whitespace_and_unicode_forms_are_not_changes() -> None:
    local = edited(given_name=" Jane ")
    remote = edited(family_name="Zoe\u0308")  # decomposed ë
    result = merge(BASE, local, remote)
    assert result.clean
    assert result.contact.family_name == "Zoë"


def test_without_a_base_every_difference_is_a_conflict() -> None:
    result = merge(None, edited(title="A"), edited(title="B"))
    assert [(c.field, c.base) for c in result.conflicts] == [("title", None)]


def test_resolve_fields_takes_the_remote_values_of_conflicting_fields() -> None:
    remote = edited(family_name="Jones", notes="x")
    result = merge(BASE, edited(family_name="Smith", title="CEO"), remote)
    kept = resolve_fields(result, remote, "remote")
    assert (kept.family_name, kept.title, kept.notes) == ("Jones", "CEO", "x")
    assert resolve_fields(result, remote, "local").family_name == "Smith"


def test_deleted_conflict_lists_the_other_sides_changes() -> None:
    fields = deleted_conflict(BASE, edited(title="CEO"), deleted_here=True)
    assert fields[0].field == DELETED and fields[0].local is True and fields[0].remote is False
    assert [(f.field, f.local, f.remote) for f in fields[1:]] == [("title", None, "CEO")]
    there = deleted_conflict(BASE, edited(title="CEO"), deleted_here=False)
    assert there[0].remote is True
    assert [(f.field, f.local, f.remote) for f in there[1:]] == [("title", "CEO", None)]


def test_a_derived_display_name_follows_the_merged_parts() -> None:
    local = edited(given_name="Ana", display_name="")
    remote = edited(family_name="Lee", display_name="")
    result = merge(BASE, local, remote)
    assert result.clean
    assert result.contact.display_name == "Ana Lee"


def test_a_display_name_typed_by_hand_is_a_field_of_its_own() -> None:
    local = edited(display_name="Dr Jane")
    remote = edited(display_name="Janey")
    assert [c.field for c in merge(BASE, local, remote).conflicts] == ["display_name"]
