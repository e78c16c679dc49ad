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
from addressbook.i18n import _, format_number, ngettext
from addressbook.model import Contact, FieldChange, Patch, diff
from addressbook.rules import check_new, check_patch, kept_here_fields
from addressbook.store import OutboxEntry, Record, Store
from addressbook.sync.inflight import (
    SENDING,
    base_with_sent,
    complete_create,
    find_landed,
    mark_sending,
    set_inflight,
    set_sent,
)
from addressbook.sync.merge import deleted_conflict, merge, same
from addressbook.sync.progress import Progress, report

log = logging.getLogger("addressbook.sync")

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
def _create(
    store: Store, connector: Connector, entry: OutboxEntry, record: Record, result: PushResult
) -> None:
    contact = record.contact
    if entry.attempts > 0:
        landed = find_landed(store, connector, entry, contact)
        if landed is not None:
            complete_create(store, entry, landed[0], landed[1])
            result.created += 1
            return
    _check(connector, contact, None)
    mark_sending(store, entry.account, entry, contact)
    remote = connector.create(contact, entry.idempotency_key)
    complete_create(store, entry, remote, contact)
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
            set_inflight(store, entry.account, entry.contact_id, record.contact)
    answers = connector.create_many([(r.contact, e.idempotency_key) for e, r in items])
    stop: Exception | None = None
    for (entry, record), answer in zip(items, answers, strict=True):
        if isinstance(answer, RemoteContact):
            complete_create(store, entry, answer, record.contact)
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
    set_sent(store, entry, outcome.contact, record.contact)
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

    body = json.dumps(sent.to_dict(), sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(uuid.UUID(entry.idempotency_key), body))


def _complete(store: Store, entry: OutboxEntry, answer: RemoteContact, sent: Contact) -> None:
    """The service's answer becomes the base; an edit made meanwhile stays pending."""
    with store.transaction():
        current = store.get(entry.contact_id)
        set_sent(store, entry, None)
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
