"""Settle a conflict the way the user chose: keep local, keep remote, or keep both.

- local: the local version wins. Fields the service changed that were not in conflict
  are still taken from the service; the remote version becomes the base and the
  outbox update stays, so the next push sends the local values. For "deleted here,
  edited there", the delete stays pending (over the new remote version). For
  "deleted there, edited here", the local version becomes a new contact of the
  account, pending create (a new id).
- remote: local edits are dropped and the remote version is applied (for "deleted
  there" the contact is removed from the cache).
- both: the remote version stays as the linked contact, and the local version becomes
  a NEW contact of the same account, pending create (for "deleted there" that is the
  same as local; for "deleted here" there is no local version to keep, so it is the
  same as remote).
"""

from __future__ import annotations

from addressbook.errors import AddressbookError
from addressbook.model import Contact
from addressbook.store import Conflict, Store
from addressbook.sync.merge import DELETED, MergeResult, resolve_fields, same

KEEP = ("local", "remote", "both")


def _kind(conflict: Conflict) -> str:
    """'fields', 'deleted-here' or 'deleted-there'."""
    head = conflict.fields[0] if conflict.fields else None
    if head is None or head.field != DELETED:
        return "fields"
    return "deleted-here" if head.local else "deleted-there"


def resolve(store: Store, contact_id: int, keep: str) -> str:
    """Settle the conflict of one contact; return one line saying what was done."""
    if keep not in KEEP:
        raise AddressbookError(f"--keep must be one of {', '.join(KEEP)}, not {keep!r}.")
    with store.transaction():
        conflict = store.conflict(contact_id)
        record = store.get(contact_id)
        link = store.link(contact_id)
        if conflict is None or record is None or link is None:
            raise AddressbookError(
                f"contact {contact_id} has no conflict; `addressbook conflicts` lists them"
            )
        kind = _kind(conflict)
        if kind == "deleted-there":
            return _deleted_there(store, conflict, record.contact, keep)
        if kind == "deleted-here":
            return _deleted_here(store, conflict, keep)
        return _fields(store, conflict, link.base, record.contact, keep)


def _take_remote(store: Store, conflict: Conflict, remote_id: str) -> None:
    store.clear_conflict(conflict.contact_id)
    store.discard(conflict.contact_id)
    store.apply_remote(
        conflict.account,
        remote_id,
        conflict.remote_contact,
        conflict.remote_raw,
        conflict.remote_stamp,
    )


def _remote_id(store: Store, contact_id: int) -> str:
    link = store.link(contact_id)
    if link is None or link.remote_id is None:
        raise AddressbookError(f"contact {contact_id} is not linked to a record on a service")
    return link.remote_id


def _fields(
    store: Store, conflict: Conflict, base: Contact | None, local: Contact, keep: str
) -> str:
    cid = conflict.contact_id
    remote_id = _remote_id(store, cid)
    if keep == "remote":
        _take_remote(store, conflict, remote_id)
        return f"#{cid}: kept the version on the service; the local edits were dropped."
    if keep == "both":
        _take_remote(store, conflict, remote_id)
        new_id = store.create(local, conflict.account)
        return (
            f"#{cid}: kept the version on the service; the local version is the new "
            f"contact #{new_id}, sent to {conflict.account} at the next push."
        )
    from addressbook.sync.merge import merge

    outcome: MergeResult = merge(base, local, conflict.remote_contact)
    merged = resolve_fields(outcome, conflict.remote_contact, "local")
    store.clear_conflict(cid)
    if same(merged, conflict.remote_contact):
        store.discard(cid)
        store.apply_remote(
            conflict.account, remote_id, merged, conflict.remote_raw, conflict.remote_stamp
        )
        return f"#{cid}: the service already has the local version; nothing left to push."
    store.set_base(cid, merged, conflict.remote_raw, conflict.remote_contact, conflict.remote_stamp)
    return f"#{cid}: kept the local version; `addressbook push` sends it."


def _deleted_here(store: Store, conflict: Conflict, keep: str) -> str:
    cid = conflict.contact_id
    _take_remote(store, conflict, _remote_id(store, cid))
    if keep == "local":
        store.delete(cid)
        return f"#{cid}: kept the delete; `addressbook push` deletes it on the service."
    return f"#{cid}: kept the version on the service; the delete was dropped."


def _deleted_there(store: Store, conflict: Conflict, local: Contact, keep: str) -> str:
    cid = conflict.contact_id
    store.clear_conflict(cid)
    store.drop(cid)
    if keep == "remote":
        return f"#{cid}: removed, as on the service; the local edits were dropped."
    new_id = store.create(local, conflict.account)
    return (
        f"#{cid}: the contact was deleted on the service; the local version is the new "
        f"contact #{new_id}, created in {conflict.account} at the next push."
    )
