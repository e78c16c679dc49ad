"""A test's way to edit a contact: as a person would, by a patch of every field that differs.

The store has no call that writes a whole contact (no path may write back one read
earlier); a test that wants a contact to hold `wanted` sends the patch from what the
store holds now, forced (the test is the only writer, so nothing moved underneath).
"""

from __future__ import annotations

from addressbook.model import Contact, Patch
from addressbook.store import Store


def rewrite(store: Store, contact_id: int, wanted: Contact) -> None:
    """Edit contact_id so that each of its fields is wanted's (a linked one becomes modified)."""
    record = store.get(contact_id)
    assert record is not None, f"no contact {contact_id}"
    store.apply_patch(contact_id, Patch.between(record.contact, wanted), moved="force")
