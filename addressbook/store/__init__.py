"""The SQLite cache: contacts, remote links (raw base), the outbox, conflicts, sync state.

THIS FILE IS THE AGREED INTERFACE (written first so the sync engine, the command line and
the window can be built against it in parallel). The implementation may live in
submodules (schema.py, search.py, …) and be re-exported here; signatures and meanings
below are the contract. Extend it; do not change what is here without updating every user.

Glossary:
- *state* of a contact: 'local' (no account), 'synced', 'new' (created here, not pushed),
  'modified' (edited here, not pushed), 'conflict' (both sides changed the same field),
  'deleted' (deleted here, delete not yet pushed; hidden from lists and searches).
- *base*: the remote record as last seen: its raw payload (JSON-compatible dict) plus
  the Contact mapped from it, plus the service's stamp. The common ancestor of a merge.
- *outbox*: at most one pending entry per contact: 'create', 'update' or 'delete', each
  with an idempotency key made when the entry is first written and kept across retries.
- ALL: the account filter meaning every account and this computer; LOCAL ('') means
  "on this computer" only; any other string is an account name.

The store imports only `addressbook.model` and `addressbook.errors`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from addressbook.model import Contact

ALL: Final = None  # account filter: everything
LOCAL: Final = ""  # account filter: contacts on this computer only

STATES = ("local", "synced", "new", "modified", "conflict", "deleted")


@dataclass
class Record:
    """A cached contact with what the program knows about it."""

    id: int
    account: str | None
    remote_id: str | None
    state: str
    contact: Contact
    message: str | None = None  # why the last push of it failed (service's words)
    updated_at: str = ""  # ISO UTC of the last local write
    person: int | None = None  # the person this record is part of (addressbook.people)

    def to_json(self) -> dict[str, Any]:
        """The contact object of the command-line contract."""
        return {
            "id": self.id,
            "account": self.account,
            "remote_id": self.remote_id,
            "state": self.state,
            # `extra` (a card's photo, X- properties) stays out of the contract's object:
            # it is kept in the cache and written back by `export`.
            **{k: v for k, v in self.contact.to_dict().items() if k != "extra"},
            "person": self.person,
        }


@dataclass
class ListRow:
    """What one line of the contact list shows."""

    id: int
    display_name: str
    secondary: str  # organisation, else first email
    state: str
    status: str  # active / archived / read-only
    account: str | None


@dataclass
class Link:
    """A contact's link to its remote record."""

    contact_id: int
    account: str
    remote_id: str | None  # None until a create has been pushed
    base_raw: dict[str, Any] | None
    base: Contact | None
    stamp: str | None


@dataclass
class OutboxEntry:
    """One pending change to send."""

    id: int
    contact_id: int
    account: str
    op: str  # 'create' | 'update' | 'delete'
    idempotency_key: str
    attempts: int = 0
    last_error: str | None = None
    created_at: str = ""


@dataclass
class FieldConflict:
    """One field changed on both sides (values in the model's JSON form).

    `origin` says where the other side's value came from: 'service' (a pull or a push
    found the service changed it) or 'here' (it moved in the cache while the user was
    editing: another window, process or sync wrote it; see Store.apply_patch).
    """

    field: str
    base: Any
    local: Any
    remote: Any
    origin: str = "service"


@dataclass
class PatchResult:
    """What Store.apply_patch did."""

    contact_id: int
    applied: tuple[str, ...]  # fields set to the patch's value
    moved: tuple[FieldConflict, ...]  # fields that moved underneath (base = what the user saw)
    state: str  # the contact's state afterwards


@dataclass
class Conflict:
    """A contact whose local and remote versions changed the same field(s)."""

    contact_id: int
    account: str
    fields: list[FieldConflict]
    remote_contact: Contact
    remote_raw: dict[str, Any]
    remote_stamp: str | None


@dataclass
class CachedRemote:
    """What a pull needs to know of a cached remote record (Store.cached_remotes)."""

    contact_id: int
    pending: bool  # an outbox entry waits to be pushed
    base_raw: dict[str, Any] | None
    stamp: str | None
    data: str  # the local contact's JSON form; read with contact() only when needed

    def contact(self) -> Contact:
        """The contact as cached here."""
        return Contact.from_stored(json.loads(self.data))


@dataclass
class SyncState:
    """Per-account pull state."""

    account: str
    cursor: str | None = None  # ISO UTC: ask for changes since this moment next time
    last_sync: str | None = None  # ISO UTC of the last successful pull
    last_error: str | None = None  # one sentence, None after a success
    extra: dict[str, Any] = field(default_factory=dict)


# The implementation: the Store class (addressbook/store/cache.py), re-exported at the end.
#
# class Store:
#     def __init__(self, path: str | Path) -> None            open or create; WAL; foreign keys;
#                                                             migrate forward; NewerSchemaError
#     @classmethod default() -> Store                         the file at paths.database_path()
#     close(); __enter__/__exit__
#     transaction() -> ContextManager[None]                   BEGIN IMMEDIATE … COMMIT (nestable)
#
#   user edits (each one transaction):
#     apply_patch(id, patch, moved='conflict'|'refuse'|'keep') -> PatchResult
#                                                             THE way to change a contact: the
#                                                             patch lands on the row as it is now
#                                                             (see Store.apply_patch)
#     create(contact, account: str | None = None) -> int      account → state 'new' + outbox create
#     update(id, contact) -> None                             linked → 'modified' + outbox update
#                                                             (no outbox row if nothing changed vs base)
#     delete(id) -> None                                      local/new → row gone (with its outbox);
#                                                             linked → 'deleted' + outbox delete
#     restore(id) -> None                                     undo a delete of a linked contact
#     get(id) -> Record | None                                deleted ones included (state 'deleted')
#
#   reading for lists (never loads every contact):
#     search_ids(query: str = "", account: str | None = ALL) -> list[int]   sorted by display name
#     rows(ids: Sequence[int]) -> list[ListRow]               in the order given
#     records(ids: Sequence[int]) -> list[Record]             in the order given
#     count(account: str | None = ALL) -> int
#     account_counts() -> dict[str, tuple[int, int]]          account ('' = local) → (contacts, pending)
#
#   links and pulls (sync engine):
#     link(id) -> Link | None
#     find_remote(account, remote_id) -> int | None
#     remote_ids(account) -> set[str]
#     apply_remote(account, remote_id, contact, raw, stamp) -> int
#                                                             insert or overwrite contact + base; 'synced'
#     apply_remote_many(account, items) -> list[int]          apply_remote for each (remote_id, contact,
#                                                             raw, stamp) in turn, in one transaction
#                                                             and a few statements (a pulled page)
#     cached_remotes(account, remote_ids) -> dict[str, CachedRemote]
#                                                             what a pull checks, for a page at once
#     set_base(id, contact_local, raw, base_contact, stamp) -> None
#                                                             merged result: new base, local kept pending
#     set_conflict(id, fields, remote_contact, remote_raw, remote_stamp) -> None
#     conflict(id) -> Conflict | None; conflicts(account=ALL) -> list[Conflict]
#     clear_conflict(id) -> None
#     drop(id) -> None                                        remove the row entirely (remote delete)
#
#   outbox (push):
#     pending(account: str | None = ALL) -> list[OutboxEntry]
#     pending_count(account) -> int
#     outbox_entry(contact_id) -> OutboxEntry | None
#     complete(entry_id, remote_id, contact, raw, stamp) -> None
#                                                             one transaction: new base, 'synced', entry gone
#     complete_delete(entry_id) -> None                       row and entry gone
#     fail(entry_id, message) -> None                         attempts+1; message shown on the contact
#     discard(contact_id) -> None                             drop the pending change, back to base
#
#   per-account state:
#     sync_state(account) -> SyncState; save_sync_state(state) -> None
#     forget_account(account) -> None                         its contacts, links, outbox, state
#
#   bulk:
#     create_many(contacts, account=None) -> list[int]        one transaction (import)

from addressbook.store.cache import Store  # noqa: E402  (cache.py uses the dataclasses above)

__all__ = [
    "ALL",
    "LOCAL",
    "STATES",
    "CachedRemote",
    "Conflict",
    "FieldConflict",
    "Link",
    "ListRow",
    "OutboxEntry",
    "PatchResult",
    "Record",
    "Store",
    "SyncState",
]
