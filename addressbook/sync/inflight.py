"""What was sent and whether it landed: creates in flight and updates whose answer was lost.

Push writes here before it sends; pull and push read it back:
- a create's attempt is counted and the version sent kept in the account's sync state
  (`extra["inflight"]`) before it is sent, in one transaction; an entry with attempts asks
  the service whether an earlier attempt landed (`find_landed`) before creating again,
  and a pull that meets the record links it to its contact (`landed_create`) instead of
  adding a copy;
- an update's version sent is kept (`extra["sent"]`) until the base catches up, so a
  field the service holds exactly as we sent it counts as base (`base_with_sent`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from addressbook.connectors.base import Connector, RemoteContact
from addressbook.i18n import N_, _
from addressbook.model import FIELDS, Contact, Patch, same_value
from addressbook.store import OutboxEntry, Store
from addressbook.sync.merge import same

log = logging.getLogger("addressbook.sync")

SENDING = N_(
    "Sent to the service; the answer has not arrived yet (the next push checks whether it landed)."
)  # translated where it is kept: _(SENDING)


def inflight_creates(store: Store, account: str) -> dict[str, dict]:
    return dict(store.sync_state(account).extra.get("inflight") or {})


def set_inflight(store: Store, account: str, contact_id: int, contact: Contact | None) -> None:
    state = store.sync_state(account)
    inflight = dict(state.extra.get("inflight") or {})
    if contact is None:
        if str(contact_id) not in inflight:
            return
        inflight.pop(str(contact_id), None)
    else:
        inflight[str(contact_id)] = contact.to_dict()
    state.extra = {**state.extra, "inflight": inflight}
    store.save_sync_state(state)


def mark_sending(store: Store, account: str, entry: OutboxEntry, contact: Contact) -> None:
    """Count the attempt and keep what is sent, before it is sent (one transaction)."""
    with store.transaction():
        store.fail(entry.id, _(SENDING))
        set_inflight(store, account, entry.contact_id, contact)


def find_landed(
    store: Store, connector: Connector, entry: OutboxEntry, contact: Contact
) -> tuple[RemoteContact, Contact] | None:
    """An earlier attempt's record on the service, with the version that attempt sent."""
    sent = inflight_creates(store, entry.account).get(str(entry.contact_id))
    candidates = [Contact.from_dict(sent)] if sent else []
    if not any(same(c, contact) for c in candidates):
        candidates.append(contact)
    for candidate in candidates:
        found = connector.find_created(candidate, entry.idempotency_key)
        if found is not None:
            return found, candidate
    return None


def complete_create(store: Store, entry: OutboxEntry, remote: RemoteContact, sent: Contact) -> None:
    """Store the created record as the new base; keep edits made since `sent` pending."""
    with store.transaction():
        current = store.get(entry.contact_id)
        set_inflight(store, entry.account, entry.contact_id, None)
        if current is None:
            return  # deleted here meanwhile: the next pull brings the record back, once
        copied = _absorb_pulled_copy(store, entry, remote.remote_id)
        store.complete(entry.id, remote.remote_id, remote.contact, remote.raw, remote.stamp)
        if not same(current.contact, sent):  # edited while it was being sent: still pending
            store.apply_patch(entry.contact_id, Patch.between(sent, current.contact), "force")
        if copied:  # edits made to a pulled copy of the record
            store.apply_patch(entry.contact_id, copied, "force")


def _absorb_pulled_copy(store: Store, entry: OutboxEntry, remote_id: str) -> Patch:
    """A pull may have cached the landed record as a contact of its own: fold it in.

    Returns that copy's local edits (over its base) as a patch, for the created contact.
    """
    other = store.find_remote(entry.account, remote_id)
    if other is None or other == entry.contact_id:
        return Patch()
    copy, link = store.get(other), store.link(other)
    edits = Patch()
    if store.outbox_entry(other) is not None and copy is not None and link and link.base:
        log.info("contact %s duplicated the created %s; its edits move over", other, remote_id)
        edits = Patch.between(link.base, copy.contact)
    store.drop(other)
    return edits


def landed_create(store: Store, account: str, remote: RemoteContact) -> bool:
    """At a pull: if this unknown record is an unanswered create of ours, link it.

    True when it was (the pull must not add it as a new contact).
    """
    inflight = inflight_creates(store, account)
    for key, sent in inflight.items():
        if not _looks_same(Contact.from_dict(sent), remote.contact):
            continue
        entry = store.outbox_entry(int(key))
        if entry is None or entry.op != "create":
            continue
        complete_create(store, entry, remote, Contact.from_dict(sent))
        return True
    return False


def _looks_same(sent: Contact, remote: Contact) -> bool:
    a, b = sent, remote
    emails = {e.address.casefold() for e in a.emails} == {e.address.casefold() for e in b.emails}
    return emails and (a.given_name, a.family_name) == (b.given_name, b.family_name)


def set_sent(
    store: Store, entry: OutboxEntry, sent: Contact | None, local: Contact | None = None
) -> None:
    """Keep (None: forget) the version of an update about to be sent, before sending it.

    `local` is the contact as edited here at that moment: a field of `sent` equal to it
    carries our edit; any other changed field carries the service's own change, merged in.
    """
    with store.transaction():
        state = store.sync_state(entry.account)
        kept = dict(state.extra.get("sent") or {})
        if sent is None:
            if str(entry.contact_id) not in kept:
                return
            kept.pop(str(entry.contact_id))
        else:
            kept[str(entry.contact_id)] = {
                "key": entry.idempotency_key,
                "contact": sent.to_dict(),
                "local": (local or sent).to_dict(),
            }
        state.extra = {**state.extra, "sent": kept}
        store.save_sync_state(state)


def base_with_sent(
    store: Store, entry: OutboxEntry, base: Contact | None, remote: Contact
) -> Contact | None:
    """The base to merge over when an update of this entry may have landed unanswered.

    A field the service now holds exactly as we sent it, where what we sent was our own
    edit, was changed by us, not by someone else: it counts as the base, so a later local
    edit of that field is not a conflict. (A field we sent only because the service had
    changed it stays a change of the service's, which the merge takes.)
    """
    kept = (store.sync_state(entry.account).extra.get("sent") or {}).get(str(entry.contact_id))
    if base is None or not kept or kept.get("key") != entry.idempotency_key:
        return base
    sent = Contact.from_dict(kept["contact"])
    ours = Contact.from_dict(kept.get("local") or kept["contact"])
    theirs, adopted = remote, base
    derived = adopted.display_name == adopted.derived_display_name()
    for name in FIELDS:
        value = sent.get(name)
        if (
            same_value(name, theirs.get(name), value)
            and same_value(name, value, ours.get(name))
            and not same_value(name, value, adopted.get(name))
        ):
            adopted = adopted.with_field(name, value)
    if derived and adopted.display_name == base.display_name:
        adopted = replace(adopted, display_name="")  # a built name follows the adopted parts
    return adopted


def forget_sent(store: Store, entry: OutboxEntry) -> None:
    """The entry's base caught up with the service: a kept version sent is no longer needed."""
    set_sent(store, entry, None)
