"""Pull: bring one account's remote changes into the cache (ARCHITECTURE.md, "Data flow").

Each page commits in one transaction, so an error leaves the cache holding only whole
pages; the cursor (the start time of the last complete pull) moves only after the last
page. A record with no local edits replaces the cached one; one with pending edits is
merged three ways, and a field changed on both sides becomes a conflict.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from addressbook.connectors.base import CancelToken, Connector, RemoteContact
from addressbook.errors import AddressbookError, Cancelled
from addressbook.i18n import _, format_number, ngettext
from addressbook.model import Contact, same_value
from addressbook.rules import CLIENTS_KEY, kept_here_fields
from addressbook.store import CachedRemote, Conflict, Store
from addressbook.store.cache import overlay_kept
from addressbook.sync.inflight import base_with_sent, forget_sent, landed_create
from addressbook.sync.merge import DELETED, deleted_conflict, merge, same
from addressbook.sync.progress import Progress, report

log = logging.getLogger("addressbook.sync")


@dataclass
class PullResult:
    """What one pull did to the cache."""

    account: str
    new: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    conflicts: list[int] = field(default_factory=list)  # contact ids that became conflicts
    pages: int = 0
    full: bool = False
    inflight: bool = False  # creates were sent without an answer: match new records to them

    @property
    def kept(self) -> int:
        """How many records this pull wrote to the cache (new, changed, deleted)."""
        return self.new + self.changed + self.deleted

    def summary(self) -> str:
        """'12 new, 3 changed, 1 deleted, 2 conflicts' (in the user's language)."""
        count = len(self.conflicts)
        parts = (
            # Translators: the parts of a sync's summary, "12 new, 3 changed, 1 deleted, 2 conflicts".
            ngettext("{n} new", "{n} new", self.new),
            ngettext("{n} changed", "{n} changed", self.changed),
            ngettext("{n} deleted", "{n} deleted", self.deleted),
            ngettext("{n} conflict", "{n} conflicts", count),
        )
        numbers = (self.new, self.changed, self.deleted, count)
        return ", ".join(
            part.format(n=format_number(n)) for part, n in zip(parts, numbers, strict=True)
        )


def _read_sentence(label: str, read: int) -> str:
    """'Harvest: 300 contacts read' (the progress line of a pull)."""
    return ngettext("{service}: {n} contact read", "{service}: {n} contacts read", read).format(
        service=label, n=format_number(read)
    )


def now_utc() -> datetime:
    """The current time in UTC (one place, so tests and the cursor agree)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC text of a moment, as the sync state keeps it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """The moment written by iso()."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def error_sentence(error: BaseException) -> str:
    """One sentence for the sync state's last_error."""
    if isinstance(error, AddressbookError):
        return str(error)
    return _("internal error ({kind}); details in the log").format(kind=type(error).__name__)


def _since(store: Store, connector: Connector, full: bool) -> datetime | None:
    if full or not connector.has_modified_since:
        return None
    cursor = store.sync_state(connector.account.name).cursor
    if not cursor:
        return None
    return parse_iso(cursor) - timedelta(seconds=connector.cursor_margin_seconds)


def pull(
    store: Store,
    connector: Connector,
    full: bool = False,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    result: PullResult | None = None,
) -> PullResult:
    """Pull one account's changes (everything when `full` or there is no cursor).

    `result`, when given, is filled in as the pull goes: after an error the caller reads
    from it what was kept (each page commits on its own).
    """
    account = connector.account.name
    cancel = cancel or connector.cancel
    since = _since(store, connector, full)
    started = now_utc()
    result = result if result is not None else PullResult(account)
    result.full = since is None
    result.inflight = bool(store.sync_state(account).extra.get("inflight"))
    store.set_kept_here(account, kept_here_fields(connector.description))
    seen: set[str] = set()
    read = 0
    try:
        cancel.check()
        for page in connector.pull(since):
            cancel.check()
            with store.transaction():
                _apply_page(store, account, page, seen, result)
            result.pages += 1
            read += len(page)
            report(progress, read, None, _read_sentence(connector.label, read))
        cancel.check()
        if result.full:
            with store.transaction():
                for remote_id in store.remote_ids(account) - seen:
                    _remote_gone(store, account, remote_id, result)
        clients = _client_names(connector)
        _save_state(store, account, cursor=iso(started), error=None, clients=clients)
    except Cancelled:
        raise
    except Exception as error:
        try:
            _save_state(store, account, cursor=None, error=error_sentence(error))
        except Exception:  # the cache itself failing must not hide the first error
            log.exception("could not record the failed pull of %s", account)
        raise
    log.info("pull %s: %s", account, result.summary())
    return result


def _client_names(connector: Connector) -> list[str] | None:
    """The account's client names, kept for rules.py (None where the service has no clients)."""
    if not connector.description.rules.client_field:
        return None
    return [client.name for client in connector.clients()]


def _save_state(
    store: Store,
    account: str,
    cursor: str | None,
    error: str | None,
    clients: list[str] | None = None,
) -> None:
    with store.transaction():
        state = store.sync_state(account)  # read again: a push may have written `extra`
        if cursor is not None:
            state.cursor = cursor
            state.last_sync = iso(now_utc())
        state.last_error = error
        if clients is not None:
            state.extra[CLIENTS_KEY] = clients
        store.save_sync_state(state)


def _apply_page(
    store: Store, account: str, page: list[RemoteContact], seen: set[str], result: PullResult
) -> None:
    """One page into the cache (inside its transaction), as _apply of each record in turn.

    Records without local edits (most of them) are written together with
    apply_remote_many; the rest go through _apply one by one. The batch is written
    before each of those, so the store sees every change in the page's order.
    """
    cached = store.cached_remotes(account, {remote.remote_id for remote in page})
    kept = store.kept_here(account)
    batch: list[RemoteContact] = []

    def flush() -> None:
        if batch:
            store.apply_remote_many(
                account, [(r.remote_id, r.contact, r.raw, r.stamp) for r in batch]
            )
            batch.clear()

    in_page: set[str] = set()
    for remote in page:
        seen.add(remote.remote_id)
        known = cached.get(remote.remote_id)
        if kept and known is not None:  # what the service cannot hold stays as it is here
            remote = replace(
                remote, contact=overlay_kept(kept, json.loads(known.data), remote.contact)
            )
        repeated = remote.remote_id in in_page  # `cached` may be out of date for it
        in_page.add(remote.remote_id)
        if repeated or remote.deleted or (known is not None and known.pending):
            flush()
            _apply(store, account, remote, result)
        elif known is None:
            if result.inflight:
                flush()
                if landed_create(store, account, remote):
                    result.changed += 1  # a create whose answer was lost: now linked, not doubled
                    continue
            batch.append(remote)
            result.new += 1
        elif _unchanged(known, remote):
            result.unchanged += 1
        else:
            batch.append(remote)
            result.changed += 1
    flush()


def _unchanged(known: CachedRemote, remote: RemoteContact) -> bool:
    """The cached record (with no local edits) is already what the service sent."""
    return (
        known.base_raw == remote.raw
        and known.stamp == remote.stamp
        and same(known.contact(), remote.contact)
    )


def _apply(store: Store, account: str, remote: RemoteContact, result: PullResult) -> None:
    """One remote record into the cache (inside the page's transaction)."""
    contact_id = store.find_remote(account, remote.remote_id)
    if remote.deleted:
        if contact_id is not None:
            _remote_gone(store, account, remote.remote_id, result)
        return
    if contact_id is None:
        if result.inflight and landed_create(store, account, remote):
            result.changed += 1  # a create whose answer was lost: now linked, not doubled
            return
        store.apply_remote(account, remote.remote_id, remote.contact, remote.raw, remote.stamp)
        result.new += 1
        return
    remote = replace(remote, contact=store.with_kept_here(account, contact_id, remote.contact))
    link = store.link(contact_id)
    entry = store.outbox_entry(contact_id)
    record = store.get(contact_id)
    if link is None or record is None:
        store.apply_remote(account, remote.remote_id, remote.contact, remote.raw, remote.stamp)
        result.changed += 1
        return
    unchanged_remote = link.base_raw == remote.raw and link.stamp == remote.stamp
    if entry is None:
        if unchanged_remote and same(record.contact, remote.contact):
            result.unchanged += 1
            return
        store.apply_remote(account, remote.remote_id, remote.contact, remote.raw, remote.stamp)
        result.changed += 1
        return
    waiting = store.conflict(contact_id)
    if (
        waiting is not None
        and waiting.remote_raw == remote.raw
        and not _edited_since(waiting, record.contact)
    ):
        result.unchanged += 1
        return  # the same remote version the user has not decided on yet
    if waiting is None and unchanged_remote:
        result.unchanged += 1
        return  # fetched again (the cursor's margin): nothing new on the service
    in_conflict = waiting is not None
    if entry.op == "delete":
        _pending_delete_meets_remote(store, contact_id, link.base, remote, in_conflict, result)
        return
    base = base_with_sent(store, entry, link.base, remote.contact)
    _merge_into(store, contact_id, base, record.contact, remote, in_conflict, result)
    if store.conflict(contact_id) is None:
        forget_sent(store, entry)  # the base now holds whatever of ours had landed


def _edited_since(waiting: Conflict, local: Contact) -> bool:
    """True when a field of a waiting conflict was edited here since it was found: the
    conflict is merged again (it may be gone: the edit took the service's value), so
    it never shows a local value the contact no longer has."""
    return any(
        not same_value(item.field, item.local, local.get(item.field))
        for item in waiting.fields
        if item.field != DELETED
    )


def _merge_into(
    store: Store,
    contact_id: int,
    base: Contact | None,
    local: Contact,
    remote: RemoteContact,
    in_conflict: bool,
    result: PullResult,
) -> None:
    outcome = merge(base, local, remote.contact)
    if outcome.conflicts:
        store.set_conflict(contact_id, outcome.conflicts, remote.contact, remote.raw, remote.stamp)
        result.conflicts.append(contact_id)
        return
    if in_conflict:
        store.clear_conflict(contact_id)
    if same(outcome.contact, remote.contact):
        # The service already has every local edit: nothing is left to push.
        store.discard(contact_id)
        store.apply_remote(
            result.account, remote.remote_id, remote.contact, remote.raw, remote.stamp
        )
    else:
        store.set_base(contact_id, outcome.contact, remote.raw, remote.contact, remote.stamp)
    result.changed += 1


def _pending_delete_meets_remote(
    store: Store,
    contact_id: int,
    base: Contact | None,
    remote: RemoteContact,
    in_conflict: bool,
    result: PullResult,
) -> None:
    if base is not None and same(base, remote.contact):
        if in_conflict:
            store.clear_conflict(contact_id)  # the service went back to what was deleted
        return  # nothing the user has not seen: the delete goes ahead at the next push
    fields = deleted_conflict(base, remote.contact, deleted_here=True)
    store.set_conflict(contact_id, fields, remote.contact, remote.raw, remote.stamp)
    result.conflicts.append(contact_id)


def _remote_gone(store: Store, account: str, remote_id: str, result: PullResult) -> None:
    """A record deleted on the service: drop it, unless it was edited here (a conflict)."""
    contact_id = store.find_remote(account, remote_id)
    if contact_id is None:
        return
    entry = store.outbox_entry(contact_id)
    record = store.get(contact_id)
    if entry is None:
        store.drop(contact_id)
        result.deleted += 1
        return
    if entry is not None and entry.op == "delete":
        store.complete_delete(entry.id)  # deleted on both sides
        result.deleted += 1
        return
    existing = store.conflict(contact_id)
    if existing is not None and existing.fields and existing.fields[0].field == DELETED:
        return  # already waiting for the user
    link = store.link(contact_id)
    base = link.base if link is not None else None
    assert record is not None
    fields = deleted_conflict(base, record.contact, deleted_here=False)
    store.set_conflict(contact_id, fields, base or record.contact, {}, None)
    result.conflicts.append(contact_id)
