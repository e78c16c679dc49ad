"""Push: send one account's pending edits (the outbox) to the service.

For each entry: read the record on the service; if it moved since the base, merge as a
pull does (a conflict stops that contact; nothing is overwritten); send base + local
edits; store the answer as the new base and drop the entry in one transaction.

Crash safety (a SIGKILL at any moment loses no edit and makes no duplicate):
- the outbox entry is dropped only in the transaction that stores the service's answer;
- before a create is sent, its attempt is counted and the version sent is kept in the
  account's sync state (`extra["inflight"]`), in one transaction; an entry with attempts
  asks the service whether an earlier attempt landed (`find_created`, with the version
  sent then and the version now) before creating again;
- an update or delete is idempotent through the merge: a retry after a lost answer finds
  the service already holding the edit (nothing left to send) or the record gone.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from addressbook.connectors.base import CancelToken, Connector, NotSent, RemoteContact
from addressbook.errors import (
    AddressbookError,
    Cancelled,
    ConnectorError,
    NotFound,
    ValidationRefused,
)
from addressbook.i18n import N_, _, format_number, ngettext
from addressbook.model import FIELDS, Contact, FieldChange, Patch, diff
from addressbook.rules import check_new, check_patch, kept_here_fields
from addressbook.store import OutboxEntry, Record, Store
from addressbook.sync.merge import deleted_conflict, merge, same
from addressbook.sync.progress import Progress, report

log = logging.getLogger("addressbook.sync")

SENDING = N_(
    "Sent to the service; the answer has not arrived yet (the next push checks whether it landed)."
)  # translated where it is kept: _(SENDING)
BATCH = 50  # creates per create_many call: small enough that a crash loses little work


@dataclass
class Refusal:
    """A contact the service (or our check before sending) refused."""

    contact_id: int
    name: str
    message: str


@dataclass
class PushResult:
    """What one push did."""

    account: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    archived: int = 0
    unchanged: int = 0
    conflicts: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """'3 created, 2 updated, 1 deleted, 0 refused, 1 conflict' (in the user's language)."""
        # Translators: the parts of a push's summary, "3 created, 2 updated, 1 deleted, 0 refused, 1 conflict".
        parts = [
            ngettext("{n} created", "{n} created", self.created).format(
                n=format_number(self.created)
            ),
            ngettext("{n} updated", "{n} updated", self.updated).format(
                n=format_number(self.updated)
            ),
            ngettext("{n} deleted", "{n} deleted", self.deleted).format(
                n=format_number(self.deleted)
            ),
        ]
        if self.archived:
            parts.append(
                ngettext("{n} archived", "{n} archived", self.archived).format(
                    n=format_number(self.archived)
                )
            )
        refused = len(self.refused)
        parts.append(
            ngettext("{n} refused", "{n} refused", refused).format(n=format_number(refused))
        )
        count = len(self.conflicts)
        parts.append(
            ngettext("{n} conflict", "{n} conflicts", count).format(n=format_number(count))
        )
        return ", ".join(parts)


def _to_send(label: str, total: int) -> str:
    """'Harvest: 12 changes to send' (the first progress line of a push)."""
    return ngettext(
        "{service}: {n} change to send", "{service}: {n} changes to send", total
    ).format(service=label, n=format_number(total))


def _sent(label: str, done: int, total: int) -> str:
    """'Harvest: 3 of 12 sent' (a progress line of a push)."""
    return _("{service}: {done} of {total} sent").format(
        service=label, done=format_number(done), total=format_number(total)
    )


@dataclass
class PlannedChange:
    """What a push would do to one contact: op and per-field changes (old = remote)."""

    contact_id: int
    display_name: str
    account: str
    remote_id: str | None
    op: str  # 'create' | 'update' | 'delete' | 'archive'
    changes: list[FieldChange]
    state: str = ""


# --- the plan (push --dry-run, the window's preview) ----------------------------------------
def plan_push(store: Store, account: str, can_delete: bool = True) -> list[PlannedChange]:
    """What a push of this account would send, from the cache alone (no network)."""
    plan: list[PlannedChange] = []
    for entry in store.pending(account):
        record = store.get(entry.contact_id)
        if record is None:
            continue
        link = store.link(entry.contact_id)
        base = link.base if link is not None and link.base is not None else None
        if entry.op == "create":
            changes = diff(Contact(status=record.contact.status), record.contact)
            changes = [c for c in changes if c.field != "status" or c.new != "active"]
            op = "create"
        elif entry.op == "delete":
            changes, op = [], ("delete" if can_delete else "archive")
        else:
            changes, op = diff(base or Contact(), record.contact), "update"
        plan.append(
            PlannedChange(
                entry.contact_id,
                record.contact.display_name,
                account,
                record.remote_id,
                op,
                changes,
                "conflict" if store.conflict(entry.contact_id) else record.state,
            )
        )
    return plan


# --- the push --------------------------------------------------------------------------------
def push(
    store: Store,
    connector: Connector,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    contact_ids: Collection[int] | None = None,
) -> PushResult:
    """Send the account's pending edits; refused contacts are recorded and skipped.

    `contact_ids` sends only the edits of those contacts (None: every pending edit);
    the others stay pending, untouched. AuthError, ServiceUnavailable, RateLimited and
    BadAnswer stop the account (recorded on the contact being sent, then raised); the
    entries not reached stay pending.
    """
    account = connector.account.name
    cancel = cancel or connector.cancel
    result = PushResult(account)
    if dry_run:
        return result
    store.set_kept_here(account, kept_here_fields(connector.description))
    chosen = None if contact_ids is None else frozenset(contact_ids)
    entries = [
        e
        for e in store.pending(account)
        if (chosen is None or e.contact_id in chosen) and _pushable(store, e)
    ]
    creates = [e for e in entries if e.op == "create"]
    others = [e for e in entries if e.op != "create"]
    done = 0
    total = len(entries)
    report(progress, 0, total, _to_send(connector.label, total))
    if connector.batch_create:
        fresh = [e for e in creates if e.attempts == 0]
        creates = [e for e in creates if e.attempts > 0]
        for start in range(0, len(fresh), BATCH):
            cancel.check()
            chunk = fresh[start : start + BATCH]
            _create_batch(store, connector, chunk, result)
            done += len(chunk)
            report(progress, done, total, _sent(connector.label, done, total))
    for entry in creates:
        cancel.check()
        _push_one(store, connector, entry, result)
        done += 1
        report(progress, done, total, _sent(connector.label, done, total))
    # Updates and deletes by batches: the records read in one get_many, the updates sent
    # in one update_many; each contact is merged, checked and settled on its own as before.
    for start in range(0, len(others), BATCH):
        cancel.check()
        chunk = others[start : start + BATCH]
        prefetched = _prefetch(store, connector, chunk)
        sends: list[_Send] = []
        for entry in chunk:
            cancel.check()
            _push_one(store, connector, entry, result, prefetched, sends)
        _send_updates(store, connector, sends, result)
        done += len(chunk)
        report(progress, done, total, _sent(connector.label, done, total))
    log.info("push %s: %s", account, result.summary())
    return result


def _pushable(store: Store, entry: OutboxEntry) -> bool:
    return store.conflict(entry.contact_id) is None


def _push_one(
    store: Store,
    connector: Connector,
    entry: OutboxEntry,
    result: PushResult,
    fresh: dict[str, RemoteContact | Exception] | None = None,
    sends: list[_Send] | None = None,
) -> None:
    """Send one entry; refusals are recorded, errors that stop the account are raised.

    `fresh`: records read beforehand (get_many); `sends`: where an update to send is put
    (sent by _send_updates) instead of being sent at once.
    """
    record = store.get(entry.contact_id)
    if record is None:
        return
    try:
        if entry.op == "create":
            _create(store, connector, entry, record, result)
        elif entry.op == "update":
            _update(store, connector, entry, record, result, fresh, sends)
        elif entry.op == "delete":
            _delete(store, connector, entry, record, result, fresh)
    except ValidationRefused as error:
        _refuse(store, entry, record, str(error), result)
    except Cancelled:
        raise
    except ConnectorError as error:
        store.fail(entry.id, str(error))
        raise
    except Exception as error:
        log.exception("bug while pushing contact %s", entry.contact_id)
        store.fail(
            entry.id,
            _("internal error ({kind}); details in the log").format(kind=type(error).__name__),
        )
        raise


def _refuse(
    store: Store, entry: OutboxEntry, record: Record, message: str, result: PushResult
) -> None:
    store.fail(entry.id, message)
    result.refused.append(Refusal(entry.contact_id, record.contact.display_name, message))


def _check(connector: Connector, contact: Contact, base: RemoteContact | None) -> None:
    """Before sending: the rules every path asks (rules.py), then the service's own check."""
    service = connector.description
    clients = [c.name for c in connector.clients()] if service.rules.client_field else None
    if base is None:
        refused = check_new(contact, service, clients)
    else:
        refused = check_patch(base.contact, Patch.between(base.contact, contact), service, clients)
    problems = [p.sentence for p in refused] or connector.validate(contact, base)
    if problems:
        raise ValidationRefused(" ".join(problems), problems)


# --- creates -------------------------------------------------------------------------------
def _inflight(store: Store, account: str) -> dict[str, dict]:
    return dict(store.sync_state(account).extra.get("inflight") or {})


def _set_inflight(store: Store, account: str, contact_id: int, contact: Contact | None) -> None:
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


def _mark_sending(store: Store, account: str, entry: OutboxEntry, contact: Contact) -> None:
    """Count the attempt and keep what is sent, before it is sent (one transaction)."""
    with store.transaction():
        store.fail(entry.id, _(SENDING))
        _set_inflight(store, account, entry.contact_id, contact)


def _find_landed(
    store: Store, connector: Connector, entry: OutboxEntry, contact: Contact
) -> tuple[RemoteContact, Contact] | None:
    """An earlier attempt's record on the service, with the version that attempt sent."""
    sent = _inflight(store, entry.account).get(str(entry.contact_id))
    candidates = [Contact.from_dict(sent)] if sent else []
    if not any(same(c, contact) for c in candidates):
        candidates.append(contact)
    for candidate in candidates:
        found = connector.find_created(candidate, entry.idempotency_key)
        if found is not None:
            return found, candidate
    return None


def _create(
    store: Store, connector: Connector, entry: OutboxEntry, record: Record, result: PushResult
) -> None:
    contact = record.contact
    if entry.attempts > 0:
        landed = _find_landed(store, connector, entry, contact)
        if landed is not None:
            _complete_create(store, entry, landed[0], landed[1])
            result.created += 1
            return
    _check(connector, contact, None)
    _mark_sending(store, entry.account, entry, contact)
    remote = connector.create(contact, entry.idempotency_key)
    _complete_create(store, entry, remote, contact)
    result.created += 1


def _create_batch(
    store: Store, connector: Connector, entries: list[OutboxEntry], result: PushResult
) -> None:
    items: list[tuple[OutboxEntry, Record]] = []
    for entry in entries:
        record = store.get(entry.contact_id)
        if record is None:
            continue
        problems = connector.validate(record.contact, None)
        if problems:
            _refuse(store, entry, record, " ".join(problems), result)
        else:
            items.append((entry, record))
    if not items:
        return
    with store.transaction():
        for entry, record in items:
            store.fail(entry.id, _(SENDING))
            _set_inflight(store, entry.account, entry.contact_id, record.contact)
    answers = connector.create_many([(r.contact, e.idempotency_key) for e, r in items])
    stop: Exception | None = None
    for (entry, record), answer in zip(items, answers, strict=True):
        if isinstance(answer, RemoteContact):
            _complete_create(store, entry, answer, record.contact)
            result.created += 1
        elif isinstance(answer, ValidationRefused):
            _refuse(store, entry, record, str(answer), result)
        else:
            store.fail(
                entry.id, str(answer) if isinstance(answer, AddressbookError) else _(SENDING)
            )
            stop = stop or answer
    if stop is not None:
        raise stop


def _complete_create(
    store: Store, entry: OutboxEntry, remote: RemoteContact, sent: Contact
) -> None:
    """Store the created record as the new base; keep edits made since `sent` pending."""
    with store.transaction():
        current = store.get(entry.contact_id)
        _set_inflight(store, entry.account, entry.contact_id, None)
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
    inflight = _inflight(store, account)
    for key, sent in inflight.items():
        if not _looks_same(Contact.from_dict(sent), remote.contact):
            continue
        entry = store.outbox_entry(int(key))
        if entry is None or entry.op != "create":
            continue
        _complete_create(store, entry, remote, Contact.from_dict(sent))
        return True
    return False


def _looks_same(sent: Contact, remote: Contact) -> bool:
    a, b = sent.normalized(), remote.normalized()
    emails = {e.address.casefold() for e in a.emails} == {e.address.casefold() for e in b.emails}
    return emails and (a.given_name, a.family_name) == (b.given_name, b.family_name)


# --- updates and deletes ---------------------------------------------------------------------
@dataclass
class _Send:
    """An update checked and ready: sent with others of its batch by _send_updates."""

    entry: OutboxEntry
    record: Record
    fresh: RemoteContact
    contact: Contact
    key: str


def _prefetch(
    store: Store, connector: Connector, entries: list[OutboxEntry]
) -> dict[str, RemoteContact | Exception]:
    """The records of the entries' contacts as the service has them now (one get_many)."""
    ids = [
        link.remote_id
        for entry in entries
        if entry.op in ("update", "delete")
        and (link := store.link(entry.contact_id)) is not None
        and link.remote_id is not None
    ]
    if not ids:
        return {}
    try:
        return connector.get_many(ids)
    except Cancelled:
        raise
    except ConnectorError as error:
        store.fail(entries[0].id, str(error))
        raise


def _read(
    connector: Connector, remote_id: str, fresh: dict[str, RemoteContact | Exception] | None
) -> RemoteContact:
    """The record read beforehand (its error raised), else read now."""
    found = (fresh or {}).get(remote_id)
    if found is None:
        return connector.get(remote_id)
    if isinstance(found, Exception):
        raise found
    return found


def _send_updates(
    store: Store, connector: Connector, sends: list[_Send], result: PushResult
) -> None:
    """Send the batch's updates in one update_many; settle each contact on its own answer."""
    if not sends:
        return
    try:
        answers = connector.update_many([(s.fresh, s.contact, s.key) for s in sends])
    except Cancelled:
        raise
    except Exception as error:
        if not isinstance(error, ConnectorError):
            log.exception("bug while pushing %d updates", len(sends))
        message = (
            str(error)
            if isinstance(error, ConnectorError)
            else _("internal error ({kind}); details in the log").format(kind=type(error).__name__)
        )
        for send in sends:
            store.fail(send.entry.id, message)
        raise
    stop: Exception | None = None
    for send, answer in zip(sends, answers, strict=True):
        if isinstance(answer, RemoteContact):
            _complete(store, send.entry, answer, send.record.contact)
            result.updated += 1
        elif isinstance(answer, NotSent):
            continue  # not sent: stays pending, as an entry not reached
        elif isinstance(answer, ValidationRefused):
            _refuse(store, send.entry, send.record, str(answer), result)
        else:
            reason = str(answer) if isinstance(answer, AddressbookError) else _(SENDING)
            store.fail(send.entry.id, reason)
            stop = stop or answer
    if stop is not None:
        raise stop


def _update(
    store: Store,
    connector: Connector,
    entry: OutboxEntry,
    record: Record,
    result: PushResult,
    prefetched: dict[str, RemoteContact | Exception] | None = None,
    sends: list[_Send] | None = None,
) -> None:
    link = store.link(entry.contact_id)
    if link is None or link.remote_id is None:
        raise ValidationRefused(_("This contact has no record on the service to update."))
    try:
        fresh = _read(connector, link.remote_id, prefetched)
    except NotFound:
        _deleted_there(store, entry.contact_id, link.base, record.contact, result)
        return
    # What the service cannot hold is no change of the service's.
    fresh = replace(
        fresh, contact=store.with_kept_here(entry.account, entry.contact_id, fresh.contact)
    )
    base = base_with_sent(store, entry, link.base, fresh.contact)
    outcome = merge(base, record.contact, fresh.contact)
    if outcome.conflicts:
        store.set_conflict(
            entry.contact_id, outcome.conflicts, fresh.contact, fresh.raw, fresh.stamp
        )
        result.conflicts.append(entry.contact_id)
        return
    if same(outcome.contact, fresh.contact):
        _complete(store, entry, fresh, record.contact)  # the service has the edit already
        result.unchanged += 1
        return
    _check(connector, outcome.contact, fresh)
    _set_sent(store, entry, outcome.contact, record.contact)
    if sends is not None:
        key = _request_key(entry, outcome.contact)
        sends.append(_Send(entry, record, fresh, outcome.contact, key))
        return
    answer = connector.update(fresh, outcome.contact, _request_key(entry, outcome.contact))
    _complete(store, entry, answer, record.contact)
    result.updated += 1


def _request_key(entry: OutboxEntry, sent: Contact) -> str:
    """The Idempotency-Key of an update: the entry's key and the version sent.

    A retry of the same version repeats the key (the service answers it once); an edit
    made after a lost answer is a new request, which a service keeping answers by key
    would otherwise answer with the old one and drop.
    """
    import json
    import uuid

    body = json.dumps(sent.normalized().to_dict(), sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(uuid.UUID(entry.idempotency_key), body))


def _set_sent(
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
    sent = Contact.from_dict(kept["contact"]).normalized()
    ours = Contact.from_dict(kept.get("local") or kept["contact"]).normalized()
    theirs, adopted = remote.normalized(), base.normalized()
    derived = adopted.display_name == adopted.derived_display_name()
    for name in FIELDS:
        value = sent.get(name)
        if theirs.get(name) == value == ours.get(name) != adopted.get(name):
            adopted = adopted.with_field(name, value)
    if derived and adopted.display_name == base.normalized().display_name:
        adopted.display_name = ""  # a name built from the parts follows the adopted parts
    return adopted.normalized()


def forget_sent(store: Store, entry: OutboxEntry) -> None:
    """The entry's base caught up with the service: a kept version sent is no longer needed."""
    _set_sent(store, entry, None)


def _complete(store: Store, entry: OutboxEntry, answer: RemoteContact, sent: Contact) -> None:
    """The service's answer becomes the base; an edit made meanwhile stays pending."""
    with store.transaction():
        current = store.get(entry.contact_id)
        _set_sent(store, entry, None)
        store.complete(entry.id, answer.remote_id, answer.contact, answer.raw, answer.stamp)
        if current is not None and current.state != "deleted" and not same(current.contact, sent):
            # Edited while it was being sent: that edit lands over the answer, still pending.
            store.apply_patch(entry.contact_id, Patch.between(sent, current.contact), "force")


def _deleted_there(
    store: Store, contact_id: int, base: Contact | None, local: Contact, result: PushResult
) -> None:
    fields = deleted_conflict(base, local, deleted_here=False)
    store.set_conflict(contact_id, fields, base or local, {}, None)
    result.conflicts.append(contact_id)


def _delete(
    store: Store,
    connector: Connector,
    entry: OutboxEntry,
    record: Record,
    result: PushResult,
    prefetched: dict[str, RemoteContact | Exception] | None = None,
) -> None:
    link = store.link(entry.contact_id)
    if link is None or link.remote_id is None:
        store.complete_delete(entry.id)
        return
    try:
        fresh = _read(connector, link.remote_id, prefetched)
    except NotFound:
        store.complete_delete(entry.id)  # gone already (an earlier attempt, or the service)
        result.deleted += 1
        return
    if not connector.can_delete and fresh.contact.status == "archived":
        _archived(store, connector, entry, fresh, result)  # an earlier attempt archived it
        return
    if link.base is not None and not same(link.base, fresh.contact):
        fields = deleted_conflict(link.base, fresh.contact, deleted_here=True)
        store.set_conflict(entry.contact_id, fields, fresh.contact, fresh.raw, fresh.stamp)
        result.conflicts.append(entry.contact_id)
        return
    answer = connector.delete(fresh, entry.idempotency_key)
    if connector.can_delete or answer is None:
        store.complete_delete(entry.id)
        result.deleted += 1
    else:
        _archived(store, connector, entry, answer, result)


def _archived(
    store: Store,
    connector: Connector,
    entry: OutboxEntry,
    answer: RemoteContact,
    result: PushResult,
) -> None:
    store.complete(entry.id, answer.remote_id, answer.contact, answer.raw, answer.stamp)
    result.archived += 1
    name = answer.contact.display_name
    result.notes.append(
        _("{name}: archived in {service}; {service} cannot delete contacts").format(
            name=name, service=connector.label
        )
    )
