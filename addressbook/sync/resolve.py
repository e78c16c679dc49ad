"""Settle a conflict the way the user chose: per field, or keep local, remote, or both.

A resolution is a patch: only the fields in conflict are decided; every other local
edit of the contact stays pending (it was never in question), and every field the
service changed that was not in conflict is taken from the service.

- local: the local value of each conflicting field wins; the remote version becomes
  the base, so the next push sends the local values. For "deleted here, edited there",
  the delete stays pending (over the new remote version). For "deleted there, edited
  here", the local version becomes a new contact of the account, pending create.
- remote: the service's value of each conflicting field is taken; other local edits
  stay pending (`revert` drops them all). For "deleted there" the contact is removed.
- both: the remote version stays as the linked contact, and the local version becomes
  a NEW contact of the same account, pending create.
- per field (`resolve_fields`, the conflict dialog): a choice of 'local' or 'remote' for
  each conflicting field, with the same meaning field by field.

A field may also be in conflict because it moved under an edit (origin 'here', see
Store.apply_patch): its "remote" value is the one that was in the cache; choosing it
keeps that value; the base is not touched.
"""

from __future__ import annotations

from addressbook.errors import AddressbookError
from addressbook.i18n import _
from addressbook.model import Contact, FieldEdit, Patch
from addressbook.store import Conflict, Link, Record, Store
from addressbook.sync.merge import DELETED, merge, same

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
        raise AddressbookError(
            _("--keep must be one of {choices}, not {keep!r}.").format(
                choices=", ".join(KEEP), keep=keep
            )
        )
    with store.transaction():
        conflict, record, link = _conflict_of(store, contact_id)
        kind = _kind(conflict)
        if kind == "deleted-there":
            return _deleted_there(store, conflict, record.contact, keep)
        if kind == "deleted-here":
            return _deleted_here(store, conflict, keep)
        if keep == "both":
            return _both(store, conflict, record.contact)
        choices = {f.field: keep for f in conflict.fields}
        return _fields(store, conflict, link.base, record.contact, choices)


def resolve_fields(store: Store, contact_id: int, choices: dict[str, str]) -> str:
    """Settle a field conflict with a choice ('local' or 'remote') for each field in it.

    A field of the conflict left out of `choices` keeps the local value.
    """
    bad = {c for c in choices.values() if c not in ("local", "remote")}
    if bad:
        raise AddressbookError(_("Each field is kept as 'local' or 'remote'."))
    with store.transaction():
        conflict, record, link = _conflict_of(store, contact_id)
        if _kind(conflict) != "fields":
            keep = "local" if all(c == "local" for c in choices.values()) else "remote"
            return resolve(store, contact_id, keep)
        wanted = {f.field: choices.get(f.field, "local") for f in conflict.fields}
        return _fields(store, conflict, link.base, record.contact, wanted)


def _conflict_of(store: Store, contact_id: int) -> tuple[Conflict, Record, Link]:
    conflict = store.conflict(contact_id)
    record = store.get(contact_id)
    link = store.link(contact_id)
    if conflict is None or record is None or link is None:
        raise AddressbookError(
            _("Contact {id} has no conflict; `addressbook conflicts` lists them.").format(
                id=contact_id
            )
        )
    return conflict, record, link


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
        raise AddressbookError(
            _("Contact {id} is not linked to a record on a service.").format(id=contact_id)
        )
    return link.remote_id


def _fields(
    store: Store,
    conflict: Conflict,
    base: Contact | None,
    local: Contact,
    choices: dict[str, str],
) -> str:
    """Decide each conflicting field as chosen; leave every other local edit pending."""
    cid = conflict.contact_id
    remote_id = _remote_id(store, cid)
    from_service = any(f.origin == "service" for f in conflict.fields)
    # Fields the service changed outside the conflict arrive; our other edits stay.
    merged = merge(base, local, conflict.remote_contact).contact if from_service else local
    # 'local' keeps the contact's value as it is now (it may have been edited again since
    # the conflict was found); 'remote' takes the other side's value.
    chosen = Patch(
        tuple(
            FieldEdit(f.field, merged.get(f.field), f.remote)
            for f in conflict.fields
            if choices.get(f.field) == "remote"
        )
    )
    wanted = chosen.apply(merged)  # a derived display name follows the chosen parts
    store.clear_conflict(cid)
    if from_service:
        if same(wanted, conflict.remote_contact):
            store.discard(cid)
            store.apply_remote(
                conflict.account, remote_id, wanted, conflict.remote_raw, conflict.remote_stamp
            )
            return _(
                "Contact {id}: it now matches the version on the service; nothing to push."
            ).format(id=cid)
        store.set_base(
            cid, wanted, conflict.remote_raw, conflict.remote_contact, conflict.remote_stamp
        )
    else:
        store.apply_patch(cid, Patch.between(local, wanted), moved="keep")
    record = store.get(cid)
    if record is not None and record.state == "modified":
        if all(c == "remote" for c in choices.values()):
            return _(
                "Contact {id}: took the service's values of the fields in conflict; the "
                "other edits made here wait for `addressbook push`."
            ).format(id=cid)
        return _("Contact {id}: settled; `addressbook push` sends the edits made here.").format(
            id=cid
        )
    return _("Contact {id}: settled; nothing is left to push.").format(id=cid)


def _both(store: Store, conflict: Conflict, local: Contact) -> str:
    cid = conflict.contact_id
    _take_remote(store, conflict, _remote_id(store, cid))
    new_id = store.create(local, conflict.account)
    return _(
        "Contact {id}: kept the version on the service; the local version is the new "
        "contact {new_id}, sent to {account} at the next push."
    ).format(id=cid, new_id=new_id, account=conflict.account)


def revert(store: Store, contact_id: int) -> str:
    """Drop every pending edit of a contact (a pending create: the contact goes)."""
    with store.transaction():
        record = store.get(contact_id)
        if record is None:
            raise AddressbookError(_("There is no contact with id {id}.").format(id=contact_id))
        if record.state in ("local", "synced"):
            return _("Contact {id} has no edits waiting; nothing to revert.").format(id=contact_id)
        if record.state == "new":
            store.discard(contact_id)
            return _("Contact {id} was never sent to {account}; it is removed.").format(
                id=contact_id, account=record.account
            )
        store.discard(contact_id)
        return _(
            "Contact {id} is back to the version on the service; its edits were dropped."
        ).format(id=contact_id)


def _deleted_here(store: Store, conflict: Conflict, keep: str) -> str:
    cid = conflict.contact_id
    _take_remote(store, conflict, _remote_id(store, cid))
    if keep == "local":
        store.delete(cid)
        return _(
            "Contact {id}: kept the delete; `addressbook push` deletes it on the service."
        ).format(id=cid)
    return _("Contact {id}: kept the version on the service; the delete was dropped.").format(
        id=cid
    )


def _deleted_there(store: Store, conflict: Conflict, local: Contact, keep: str) -> str:
    cid = conflict.contact_id
    store.clear_conflict(cid)
    store.drop(cid)
    if keep == "remote":
        return _("Contact {id}: removed, as on the service; the local edits were dropped.").format(
            id=cid
        )
    new_id = store.create(local, conflict.account)
    return _(
        "Contact {id}: the contact was deleted on the service; the local version is the new "
        "contact {new_id}, created in {account} at the next push."
    ).format(id=cid, new_id=new_id, account=conflict.account)
