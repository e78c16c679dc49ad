"""The three-way merge of a contact, field by field (see model.FIELDS).

base is the common ancestor (the remote record as last seen), local the version edited
here, remote the version on the service now. A field changed on one side only takes
that side; changed on both sides to the same value is fine; changed on both sides to
different values is a FieldConflict that waits for the user.

The pseudo-field DELETED marks a conflict between a delete on one side and edits on
the other (its values say which side deleted: True).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from addressbook.model import FIELDS, Contact, same_contact, same_value
from addressbook.store import FieldConflict

DELETED = "deleted"


@dataclass
class MergeResult:
    """The merged contact (conflicting fields keep the local value) and the conflicts."""

    contact: Contact
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge(base: Contact | None, local: Contact, remote: Contact) -> MergeResult:
    """Merge local and remote over base; without a base every difference is a conflict."""
    b, mine, theirs = base, local, remote
    merged = mine
    conflicts: list[FieldConflict] = []
    # A display name built from the parts on every side follows the merged parts, so
    # a given-name edit here and a family-name edit there do not collide on it.
    derived = all(_is_derived(c) for c in (b, mine, theirs) if c is not None)
    for name in FIELDS:
        if derived and name == "display_name":
            continue
        ours, other = mine.get(name), theirs.get(name)
        if same_value(name, ours, other):  # lists as sets: a reorder is no change
            continue
        ancestor = b.get(name) if b is not None else None
        if b is not None and same_value(name, ours, ancestor):
            merged = merged.with_field(name, other)  # only the service changed it
        elif b is not None and same_value(name, other, ancestor):
            continue  # only we changed it
        else:
            conflicts.append(FieldConflict(name, ancestor, ours, other))
    if derived:
        merged = replace(merged, display_name="")  # built again from the merged parts
    return MergeResult(merged, conflicts)


def _is_derived(contact: Contact) -> bool:
    return contact.display_name == contact.derived_display_name()


def resolve_fields(result: MergeResult, remote: Contact, keep: str) -> Contact:
    """The merged contact with every conflicting field taken from `keep` ('local'/'remote').

    Used by the push's merge; a user's resolution goes through sync/resolve.py.
    """
    contact = result.contact
    if keep == "remote":
        for conflict in result.conflicts:
            if conflict.field != DELETED:
                contact = contact.with_field(conflict.field, remote.get(conflict.field))
    return contact


def same(a: Contact | None, b: Contact | None) -> bool:
    """True when two contacts are equal once normalised."""
    if a is None or b is None:
        return a is b
    return same_contact(a, b)


def deleted_conflict(
    base: Contact | None, kept: Contact, deleted_here: bool
) -> list[FieldConflict]:
    """The conflict of a delete on one side with edits on the other.

    The first entry is the DELETED pseudo-field; then one entry per field the other
    side changed (local or remote value set to None on the deleting side).
    """
    head = FieldConflict(DELETED, False, deleted_here, not deleted_here)
    rest: list[FieldConflict] = []
    if base is not None:
        b, k = base, kept
        for name in FIELDS:
            if not same_value(name, b.get(name), k.get(name)):
                local, remote = (None, k.get(name)) if deleted_here else (k.get(name), None)
                rest.append(FieldConflict(name, b.get(name), local, remote))
    return [head, *rest]
