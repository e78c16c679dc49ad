"""The Store: every read and write of the cache file (see the package docstring's glossary).

A contact's state is never set by hand: after each change `_settle` derives it from the
facts (account, outbox entry, remote id, conflict, local data vs base), and keeps the
outbox in line with it. Each public write is one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from addressbook.errors import EditMoved, StoreError
from addressbook.i18n import _
from addressbook.model import Contact, Patch, same_contact, same_value
from addressbook.store import (
    CachedRemote,
    Conflict,
    FieldConflict,
    Link,
    ListRow,
    OutboxEntry,
    PatchResult,
    Record,
    SyncState,
    schema,
)
from addressbook.store.people import PeopleStore
from addressbook.store.search import index_text, match_expression, sort_key
from addressbook.wording import field_labels

_RECORD_SQL = """SELECT c.id, c.account, l.remote_id, c.state, c.data, c.message, c.updated_at,
    (SELECT m.person_id FROM person_members m WHERE m.contact_id = c.id)
    FROM contacts c LEFT JOIN links l ON l.contact_id = c.id"""
_OUTBOX_SQL = """SELECT o.id, o.contact_id, c.account, o.op, o.idempotency_key, o.attempts,
    o.last_error, o.created_at FROM outbox o JOIN contacts c ON c.id = o.contact_id"""
_CONFLICT_SQL = """SELECT f.contact_id, c.account, f.fields, f.remote_contact, f.remote_raw,
    f.remote_stamp FROM conflicts f JOIN contacts c ON c.id = f.contact_id"""


# Rows per multi-row INSERT/UPDATE of a pulled page (see Store._many_values).
_ROWS_PER_STATEMENT = 500
# sync_state.extra key of Store.set_kept_here.
KEPT_HERE_KEY = "kept_here"
# Up to this many search hits are sorted by SQLite; more are picked from the sorted list
# (at 100,000 contacts SQLite sorts 800 hits in the ~3 ms of one walk of the sorted list).
_SORT_IN_SQL = 800
# Search answers kept until the file changes (Store.search_ids).
_SEARCHES_KEPT = 64
# FTS5's own default for its automerge setting, and the one bulk() uses (see there).
_FTS_AUTOMERGE_DEFAULT = 4
_BULK_AUTOMERGE = 16
# The page cache of a bulk write, in KiB (SQLite's own default is 2,000 KiB; see bulk()).
_BULK_CACHE_KIB = 8000
_HITS_SQL = "SELECT group_concat(rowid) FROM contacts_fts WHERE contacts_fts MATCH ?"


def _ids(text: str | None) -> list[int]:
    """Ids from group_concat: one string is much cheaper to fetch than a row per id."""
    return json.loads(f"[{text}]") if text else []  # json's C parser beats map(int, …)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _contact_json(contact: Contact) -> str:
    import orjson  # here: importing it (and the uuid and platform modules it takes) cost
    # the window's start 5 ms; after the first call this is a lookup in sys.modules.

    # orjson writes what _dumps writes (compact, text as it is) at twice the speed; a
    # contact's JSON holds only str keys, strings, lists and dicts.
    return orjson.dumps(contact.to_dict()).decode()


def overlay_kept(kept: Sequence[str], local: dict[str, Any], remote: Contact) -> Contact:
    """`remote` with the values of the `kept` fields taken from `local` (a contact's JSON)."""
    if not any(local.get(name) for name in kept):
        return remote
    result = remote
    for name in kept:
        result = result.with_field(name, local.get(name))
    return result


def _account_filter(account: str | None, column: str = "c.account") -> tuple[str, list[Any]]:
    """SQL condition and parameters for ALL (None), LOCAL ('') or one account's name."""
    if account is None:
        return "1", []
    if account == "":
        return f"{column} IS NULL", []
    return f"{column} = ?", [account]


def _record(row: Sequence[Any]) -> Record:
    return Record(
        id=row[0],
        account=row[1],
        remote_id=row[2],
        state=row[3],
        contact=Contact.from_stored(json.loads(row[4])),
        message=row[5],
        updated_at=row[6],
        person=row[7],
    )


def _outbox_entry(row: Sequence[Any]) -> OutboxEntry:
    return OutboxEntry(*row)


def _conflict(row: Sequence[Any]) -> Conflict:
    return Conflict(
        contact_id=row[0],
        account=row[1],
        fields=[FieldConflict(**item) for item in json.loads(row[2])],
        remote_contact=Contact.from_stored(json.loads(row[3])),
        remote_raw=json.loads(row[4]),
        remote_stamp=row[5],
    )


# A contact's columns as the cache stores them (Store.prepare): its JSON, sort key,
# display name, the list's second line, status and search words. A plain tuple: an
# import makes them in other processes and pickles them back (named tuples cost ten
# times as much to unpickle). The JSON is its UTF-8 bytes, stored as TEXT by
# CAST(? AS TEXT): a str with one emoji is four bytes a character, and encoding it to
# UTF-8 (for the pickle, then for SQLite) cost an import more than writing it.
PreparedRow = tuple[bytes, str, str, str, str, str]


class Store(PeopleStore):
    """The SQLite cache. Open one per thread; WAL lets readers and one writer work at once."""

    def __init__(self, path: str | Path, handed_over: bool = False) -> None:
        """Open the cache file; `handed_over`: opened on one thread for use on another
        (one after the other, never at once; see schema.connect)."""
        self.path = Path(path)
        self._depth = 0
        self._writes = 0  # own commits; PRAGMA data_version only counts other connections'
        self._orders: dict[str | None, list[int]] = {}
        self._orders_stamp: tuple[int, int] = (-1, -1)
        self._searches: dict[tuple[str, str | None], list[int]] = {}
        self._kept: dict[str, tuple[str, ...]] = {}
        self._conn = schema.connect(self.path, handed_over)

    @classmethod
    def default(cls) -> Store:
        """The user's cache (paths.database_path(), honouring ADDRESSBOOK_HOME)."""
        from addressbook.paths import database_path

        return cls(database_path())

    def close(self) -> None:
        """Close the file (uncommitted work is rolled back)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and errors ---------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; an exception rolls everything back. Nestable."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise schema.error_for(self.path, error) from error
        self._depth = 1
        self._writes += 1
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException as error:
            self._rollback()
            if isinstance(error, sqlite3.Error):
                raise schema.error_for(self.path, error) from error
            raise
        finally:
            self._depth = 0
            self._writes += 1

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """A transaction that writes many contacts at once (an import): as transaction(),
        with the full-text index merging its segments less eagerly meanwhile.

        FTS5 merges the segments it writes as soon as 4 lie on one level ('automerge');
        during a bulk write of 10,000 contacts that merging was 0.3 s, two fifths of the
        SQL. Here it waits for 16 (its crisis merge still bounds every level), and the
        setting is put back in the same transaction, so a rollback or a killed process
        leaves it as it was. Searches are as fast afterwards (tests/perf/bench_import.py
        prints both).

        Outside any other transaction it also keeps SQLite's statement journals in memory
        and its page cache at 8 MB meanwhile (both put back after). Each multi-row INSERT
        journals the pages it changes that existed before it (so that it alone can be
        undone); that journal went to a temporary file (SQLite spills it past 64 KiB), and
        the 2 MB cache wrote the same pages to the WAL again and again: an import of
        20,000 cards made 120,000 write calls of 370 MB for a 92 MB file, with both 69,000
        of 244 MB. A statement's journal is at most the pages it changes (~3 MB).
        """
        if self._depth:  # in a transaction already: its journals' place was chosen at BEGIN
            with self._bulk_fts():
                yield
            return
        temp_store = int(self._one("PRAGMA temp_store")[0])
        cache_size = int(self._one("PRAGMA cache_size")[0])
        self._exec("PRAGMA temp_store = MEMORY")
        if -_BULK_CACHE_KIB < cache_size < 0:  # a larger or page-counted setting is kept
            self._exec(f"PRAGMA cache_size = {-_BULK_CACHE_KIB}")
        try:
            with self._bulk_fts():
                yield
        finally:
            self._exec(f"PRAGMA cache_size = {cache_size}")
            self._exec(f"PRAGMA temp_store = {temp_store}")

    @contextmanager
    def _bulk_fts(self) -> Iterator[None]:
        """bulk()'s transaction, with FTS5's automerge at 16 meanwhile (see there)."""
        with self.transaction():
            row = self._one("SELECT v FROM contacts_fts_config WHERE k = 'automerge'")
            before = int(row[0]) if row is not None else _FTS_AUTOMERGE_DEFAULT
            self._fts_setting("automerge", max(before, _BULK_AUTOMERGE))
            yield
            self._fts_setting("automerge", before)

    def _fts_setting(self, name: str, value: int) -> None:
        self._exec(
            "INSERT INTO contacts_fts (contacts_fts, rank) VALUES (?, ?)", (name, int(value))
        )

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (e.g. after a full disk)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except sqlite3.Error as error:
            raise schema.error_for(self.path, error) from error

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._reading() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._reading() as conn:
            return conn.execute(sql, params).fetchall()

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    # -- user edits ----------------------------------------------------------------------

    def create(self, contact: Contact, account: str | None = None) -> int:
        """Add a contact: on this computer ('local'), or for an account ('new' + outbox create)."""
        with self.transaction():
            return self._insert(contact, account or None)

    @staticmethod
    def prepare(contact: Contact) -> PreparedRow:
        """What create_many writes of a contact, worked out ahead (it is all Python work:
        an import does it in the processes that read the file)."""
        import orjson  # see _contact_json

        return (
            orjson.dumps(contact.to_dict()),  # the text _contact_json gives, as UTF-8
            sort_key(contact.display_name),
            contact.display_name,
            contact.secondary(),
            contact.status,
            index_text(contact),
        )

    def create_many(
        self, contacts: Iterable[Contact | PreparedRow], account: str | None = None
    ) -> list[int]:
        """Add many contacts in one transaction (an import); their ids in order.

        The same rows as create() of each in turn, written a few hundred per statement.
        A contact may come as its PreparedRow (Store.prepare).
        """
        import uuid  # here: the uuid module costs start-up time that `search` does not need

        account = account or None
        state = "local" if account is None else "new"
        now = _now()
        rows, links, outbox = [], [], []
        prepare = self.prepare
        with self.transaction():
            top = self._exec("SELECT max(id) FROM contacts").fetchone()[0] or 0
            for contact_id, contact in enumerate(contacts, start=top + 1):
                data, sort, name, second, status, words = (
                    contact[:6] if isinstance(contact, tuple) else prepare(contact)
                )
                rows.append(
                    (contact_id, account, data, sort, name, second, state, status, words, now)
                )
                if account is not None:
                    links.append((contact_id, account))
                    outbox.append((contact_id, str(uuid.uuid4()), now))
            self._many_values(
                """INSERT INTO contacts (id, account, data, sort_key, display_name, secondary,
                    state, status, search_text, updated_at) {values}""",
                "(?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if account is not None:
                self._many_values(
                    "INSERT INTO links (contact_id, account) {values}", "(?, ?)", links
                )
                self._many_values(
                    "INSERT INTO outbox (contact_id, op, idempotency_key, created_at) {values}",
                    "(?, 'create', ?, ?)",
                    outbox,
                )
        return [row[0] for row in rows]

    def _insert(self, contact: Contact, account: str | None, state: str | None = None) -> int:
        state = state or ("local" if account is None else "new")
        cursor = self._exec(
            """INSERT INTO contacts (account, data, sort_key, display_name, secondary, state,
                status, search_text, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (account, *self._columns(contact), state, contact.status, index_text(contact), _now()),
        )
        contact_id = int(cursor.lastrowid or 0)
        if account is not None and state == "new":
            self._exec(
                "INSERT INTO links (contact_id, account) VALUES (?, ?)", (contact_id, account)
            )
            self._put_outbox(contact_id, "create")
        return contact_id

    @staticmethod
    def _columns(contact: Contact) -> tuple[str, str, str, str]:
        return (
            _contact_json(contact),
            sort_key(contact.display_name),
            contact.display_name,
            contact.secondary(),
        )

    def _rewrite(self, contact_id: int, contact: Contact) -> None:
        """Store new local data for a contact (the state is settled separately)."""
        self._exec(
            """UPDATE contacts SET data = ?, sort_key = ?, display_name = ?, secondary = ?,
                status = ?, search_text = ?, updated_at = ? WHERE id = ?""",
            (
                *self._columns(contact),
                contact.status,
                index_text(contact),
                _now(),
                contact_id,
            ),
        )

    def apply_patch(self, contact_id: int, patch: Patch, moved: str = "conflict") -> PatchResult:
        """Apply a patch to the contact as it is *now*, in one BEGIN IMMEDIATE transaction.

        Each field of the patch whose value is still the one the user saw (`before`) is
        set to the wanted value; a field already at the wanted value is left alone. A
        field that moved underneath (another window, process or a sync wrote it since the
        user looked) is never overwritten silently; `moved` says what happens instead:
        - 'conflict': on a contact linked to a record of a service, the user's value is
          kept as the local one and the field becomes a conflict (origin 'here': the
          other value is the one that was there); the rest of the patch lands. Anywhere
          else it is 'refuse'.
        - 'refuse': EditMoved is raised naming the fields; nothing is written (the window
          asks the user, then patches again over what is there now).
        - 'keep': the value there now is kept; the rest of the patch lands.
        - 'force': every field is set (only for the engine, inside the transaction that
          just wrote the row: an edit made during a push lands over the service's answer).
        """
        with self.transaction():
            state = self._state(contact_id)
            if state == "deleted":
                raise StoreError(_("This contact is deleted; undo the delete before editing it."))
            record = self.get(contact_id)
            assert record is not None
            current = record.contact
            wanted, applied, clashes = current, [], []
            for edit in patch.edits:
                now = current.get(edit.field)
                if same_value(edit.field, now, edit.after):
                    continue
                if moved == "force" or same_value(edit.field, now, edit.before):
                    applied.append(edit.field)
                    continue
                clashes.append(FieldConflict(edit.field, edit.before, edit.after, now, "here"))
            linked = record.remote_id is not None
            if clashes and (moved == "refuse" or (moved == "conflict" and not linked)):
                names = field_labels(c.field for c in clashes)
                raise EditMoved(
                    _(
                        "{fields} changed while you were editing (another window or a sync "
                        "wrote it); nothing was saved: look at the contact again and repeat "
                        "the change."
                    ).format(fields=names),
                    clashes,
                )
            taken = applied + ([c.field for c in clashes] if moved == "conflict" else [])
            wanted = patch.only(taken).apply(current)
            if not applied and not (moved == "conflict" and clashes):
                return PatchResult(contact_id, (), tuple(clashes), state)
            self._rewrite(contact_id, wanted)
            if moved == "conflict" and clashes:
                self._add_conflict_fields(contact_id, clashes, current)
            state = self._settle(contact_id)
            return PatchResult(contact_id, tuple(applied), tuple(clashes), state)

    def _add_conflict_fields(
        self, contact_id: int, fields: list[FieldConflict], there: Contact
    ) -> None:
        """Fields that moved under an edit join the contact's conflict (made if none)."""
        existing = self.conflict(contact_id)
        if existing is not None:
            named = {f.field for f in fields}
            merged = [f for f in existing.fields if f.field not in named] + fields
            self._exec(
                "UPDATE conflicts SET fields = ? WHERE contact_id = ?",
                (_dumps([vars(f) for f in merged]), contact_id),
            )
            return
        link = self.link(contact_id)
        assert link is not None
        self._exec(
            """INSERT INTO conflicts (contact_id, fields, remote_contact, remote_raw, remote_stamp)
            VALUES (?, ?, ?, ?, ?)""",
            (
                contact_id,
                _dumps([vars(f) for f in fields]),
                _contact_json(there),
                _dumps(link.base_raw or {}),
                link.stamp,
            ),
        )

    def delete(self, contact_id: int) -> None:
        """Delete: local or never pushed → gone; linked → 'deleted' with a pending delete."""
        with self.transaction():
            state = self._state(contact_id)
            if state in ("local", "new"):
                self._exec("DELETE FROM contacts WHERE id = ?", (contact_id,))
            elif state != "deleted":
                self._exec("DELETE FROM conflicts WHERE contact_id = ?", (contact_id,))
                self._put_outbox(contact_id, "delete")
                self._settle(contact_id)

    def restore(self, contact_id: int) -> None:
        """Undo the delete of a linked contact that has not been pushed yet."""
        with self.transaction():
            if self._state(contact_id) == "deleted":
                self._exec("DELETE FROM outbox WHERE contact_id = ?", (contact_id,))
                self._settle(contact_id)

    def get(self, contact_id: int) -> Record | None:
        """One contact with its state (deleted ones included), or None."""
        row = self._one(f"{_RECORD_SQL} WHERE c.id = ?", (contact_id,))
        return _record(row) if row else None

    def stored_data(self, contact_id: int) -> tuple[bytes, str] | None:
        """(the contact's JSON as stored, in UTF-8, its state), or None: an import asks
        whether a card is the contact as it is (Store.prepare's JSON), making neither."""
        row = self._one(
            "SELECT CAST(data AS BLOB), state FROM contacts WHERE id = ?", (contact_id,)
        )
        return (row[0], row[1]) if row is not None else None

    def _state(self, contact_id: int) -> str:
        row = self._exec("SELECT state FROM contacts WHERE id = ?", (contact_id,)).fetchone()
        if row is None:
            raise StoreError(_("no contact with id {id}").format(id=contact_id))
        return str(row[0])

    def _put_outbox(self, contact_id: int, op: str) -> None:
        """Make the contact's pending entry `op`; an entry already of that op keeps its key."""
        row = self._exec("SELECT op FROM outbox WHERE contact_id = ?", (contact_id,)).fetchone()
        if row is not None and row[0] == op:
            return
        import uuid  # here: the uuid module costs start-up time that `search` does not need

        self._exec("DELETE FROM outbox WHERE contact_id = ?", (contact_id,))
        self._exec(
            "INSERT INTO outbox (contact_id, op, idempotency_key, created_at) VALUES (?, ?, ?, ?)",
            (contact_id, op, str(uuid.uuid4()), _now()),
        )

    def _settle(self, contact_id: int) -> str:
        """Derive the state from the facts; add or drop the outbox entry it implies."""
        row = self._exec(
            """SELECT c.account, c.data, l.remote_id, l.base, o.op,
                EXISTS (SELECT 1 FROM conflicts f WHERE f.contact_id = c.id)
            FROM contacts c LEFT JOIN links l ON l.contact_id = c.id
            LEFT JOIN outbox o ON o.contact_id = c.id WHERE c.id = ?""",
            (contact_id,),
        ).fetchone()
        account, data, remote_id, base, op, in_conflict = row
        if account is None:
            state = "local"
        elif op == "delete":
            state = "deleted"
        elif op == "create" or remote_id is None:
            state = "new"
            self._put_outbox(contact_id, "create")
        elif in_conflict:
            state = "conflict"
        elif base is not None and (
            base == data
            or same_contact(
                Contact.from_stored(json.loads(base)), Contact.from_stored(json.loads(data))
            )
        ):
            state = "synced"
            self._exec("DELETE FROM outbox WHERE contact_id = ?", (contact_id,))
        else:
            state = "modified"
            self._put_outbox(contact_id, "update")
        self._exec("UPDATE contacts SET state = ? WHERE id = ?", (state, contact_id))
        return state

    # -- reading for lists ---------------------------------------------------------------

    def search_ids(self, query: str = "", account: str | None = None) -> list[int]:
        """The ids of the contacts matching query, sorted by display name (deleted hidden).

        Answers are kept until the file changes (as the sorted order is): typing and
        erasing in the search box asks for the same prefixes again.
        """
        match = match_expression(query)
        if match is None:
            return list(self._order(account))
        cacheable = self._caches_fresh()
        key = (match, account)
        if cacheable and key in self._searches:
            return list(self._searches[key])
        found = self._search(match, account)
        if cacheable:
            if len(self._searches) >= _SEARCHES_KEPT:
                self._searches.pop(next(iter(self._searches)))
            self._searches[key] = found
        return list(found)

    def search_within(self, query: str, base: Sequence[int]) -> list[int]:
        """The ids of `base` that match query, in base's order (deleted ones were never in it).

        For a query that narrows an earlier one (search.narrows): its answer lies within
        the earlier answer, so filtering that keeps its order and skips the sort.
        """
        match = match_expression(query)
        if match is None:
            return list(base)
        hits = set(_ids(self._one(_HITS_SQL, (match,))[0]))
        return list(filter(hits.__contains__, base))

    def hit_count(self, query: str) -> int:
        """How many contacts of any account the index finds for query, deleted ones too: an
        upper bound of search_ids' answer, cheap (no ids are read)."""
        match = match_expression(query)
        if match is None:
            return int(self._one("SELECT count(*) FROM contacts")[0])
        sql = "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?"
        return int(self._one(sql, (match,))[0])

    def _search(self, match: str, account: str | None) -> list[int]:
        hits = _ids(self._one(_HITS_SQL, (match,))[0])
        if len(hits) <= _SORT_IN_SQL:
            condition, params = _account_filter(account)
            sql = f"""SELECT group_concat(id) FROM (SELECT id FROM contacts c
                WHERE id IN (SELECT value FROM json_each(?)) AND state <> 'deleted' AND {condition}
                ORDER BY sort_key, id)"""
            return _ids(self._one(sql, [_dumps(hits), *params])[0])
        # Many hits: walking the sorted list once beats sorting them (FTS5 gives rowid order).
        wanted = set(hits)
        return [i for i in self._order(account) if i in wanted]

    def _caches_fresh(self) -> bool:
        """Forget the kept orders and searches if the file changed; False inside a write."""
        stamp = (self._one("PRAGMA data_version")[0], self._writes)
        if stamp != self._orders_stamp or self._depth:
            self._orders.clear()
            self._searches.clear()
            self._orders_stamp = stamp
        return not self._depth

    def _order(self, account: str | None) -> list[int]:
        """Every shown id of the account filter, sorted; cached until the file changes."""
        self._caches_fresh()
        order = self._orders.get(account)
        if order is None:
            condition, params = _account_filter(account)
            sql = f"""SELECT group_concat(id) FROM (SELECT id FROM contacts c
                WHERE state <> 'deleted' AND {condition} ORDER BY sort_key, id)"""
            order = _ids(self._one(sql, params)[0])
            if not self._depth:
                self._orders[account] = order
        return order

    def rows(self, ids: Sequence[int]) -> list[ListRow]:
        """The list lines of the given contacts, in the order given (unknown ids skipped)."""
        found = {
            row[0]: ListRow(*row)
            for row in self._all(
                """SELECT id, display_name, secondary, state, status, account FROM contacts
                WHERE id IN (SELECT value FROM json_each(?))""",
                (_dumps(list(ids)),),
            )
        }
        return [found[i] for i in ids if i in found]

    def records(self, ids: Sequence[int]) -> list[Record]:
        """The full records of the given contacts, in the order given (unknown ids skipped)."""
        found = {
            row[0]: _record(row)
            for row in self._all(
                f"{_RECORD_SQL} WHERE c.id IN (SELECT value FROM json_each(?))",
                (_dumps(list(ids)),),
            )
        }
        return [found[i] for i in ids if i in found]

    def count(self, account: str | None = None) -> int:
        """How many contacts a list shows for the account filter (deleted ones not counted)."""
        condition, params = _account_filter(account)
        sql = f"SELECT count(*) FROM contacts c WHERE state <> 'deleted' AND {condition}"
        return int(self._one(sql, params)[0])

    def account_counts(self) -> dict[str, tuple[int, int]]:
        """Account ('' for this computer) → (contacts shown, pending changes)."""
        # Grouped by the column itself, the counting walks contacts_by_account in order
        # (a third of the time of grouping by coalesce(…), which sorts); the pending
        # changes are counted from the outbox, usually small, not from every contact.
        # One statement, so both counts see the same moment of the file.
        result: dict[str, tuple[int, int]] = {}
        for account, shown, pending in self._all(
            """SELECT account, sum(state <> 'deleted'), 0 FROM contacts GROUP BY account
            UNION ALL
            SELECT c.account, 0, count(*) FROM outbox o
            CROSS JOIN contacts c ON c.id = o.contact_id GROUP BY c.account"""
        ):
            before = result.get(account or "", (0, 0))
            result[account or ""] = (before[0] + int(shown), before[1] + int(pending))
        return result

    # -- links and pulls -----------------------------------------------------------------

    def link(self, contact_id: int) -> Link | None:
        """The contact's link to its remote record (None for a local contact)."""
        row = self._one(
            "SELECT contact_id, account, remote_id, base_raw, base, stamp FROM links"
            " WHERE contact_id = ?",
            (contact_id,),
        )
        if row is None:
            return None
        return Link(
            contact_id=row[0],
            account=row[1],
            remote_id=row[2],
            base_raw=json.loads(row[3]) if row[3] is not None else None,
            base=Contact.from_stored(json.loads(row[4])) if row[4] is not None else None,
            stamp=row[5],
        )

    def find_remote(self, account: str, remote_id: str) -> int | None:
        """The id of the contact linked to (account, remote_id), if cached."""
        row = self._one(
            "SELECT contact_id FROM links WHERE account = ? AND remote_id = ?", (account, remote_id)
        )
        return int(row[0]) if row else None

    def remote_ids(self, account: str) -> set[str]:
        """Every remote id cached for the account."""
        sql = "SELECT remote_id FROM links WHERE account = ? AND remote_id IS NOT NULL"
        return {row[0] for row in self._all(sql, (account,))}

    def apply_remote(
        self, account: str, remote_id: str, contact: Contact, raw: dict[str, Any], stamp: str | None
    ) -> int:
        """Insert or overwrite a pulled contact and its base; it becomes 'synced'."""
        with self.transaction():
            contact_id = self.find_remote(account, remote_id)
            contact = self.with_kept_here(account, contact_id, contact)
            if contact_id is None:
                contact_id = self._insert(contact, account, state="synced")
                self._exec(
                    "INSERT INTO links (contact_id, account, remote_id) VALUES (?, ?, ?)",
                    (contact_id, account, remote_id),
                )
            else:
                self._rewrite(contact_id, contact)
                self._exec("DELETE FROM outbox WHERE contact_id = ?", (contact_id,))
                self._exec("DELETE FROM conflicts WHERE contact_id = ?", (contact_id,))
                self._exec("UPDATE contacts SET message = NULL WHERE id = ?", (contact_id,))
            self._set_link_base(contact_id, raw, contact, stamp)
            self._settle(contact_id)
            return contact_id

    def apply_remote_many(
        self,
        account: str,
        items: Iterable[tuple[str, Contact, dict[str, Any], str | None]],
    ) -> list[int]:
        """apply_remote for each (remote_id, contact, raw, stamp) in turn: the same store
        afterwards, but one transaction and a few statements for all (a pulled page).

        Returns the contact ids in the order of the items.
        """
        latest: dict[str, tuple[Contact, dict[str, Any], str | None]] = {}
        order: list[str] = []
        for remote_id, contact, raw, stamp in items:
            order.append(remote_id)
            latest[remote_id] = (contact, raw, stamp)  # a repeated id: the last one wins
        if not order:
            return []
        with self.transaction():
            ids = self._linked_ids(account, latest)
            fresh = {remote_id: True for remote_id in latest if remote_id not in ids}
            if fresh:
                top = self._exec("SELECT max(id) FROM contacts").fetchone()[0] or 0
                # What SQLite itself picks for a row without an id: max + 1, in turn.
                ids.update(zip(fresh, range(top + 1, top + 1 + len(fresh)), strict=True))
            new_rows, new_links, old_rows, old_links = [], [], [], []
            now = _now()
            kept = self.kept_here(account)
            for remote_id, (contact, raw, stamp) in latest.items():
                if kept and remote_id not in fresh:
                    contact = self.with_kept_here(account, ids[remote_id], contact)
                data, key, name, secondary = self._columns(contact)
                text = index_text(contact)
                contact_id = ids[remote_id]
                # The base is the contact itself: its JSON is the data's, so _settle would
                # find them equal: 'synced'.
                if remote_id in fresh:
                    new_rows.append(
                        (contact_id, account, data, key, name, secondary, contact.status, text, now)
                    )
                    new_links.append((contact_id, account, remote_id, _dumps(raw), data, stamp))
                else:
                    old_rows.append(
                        (data, key, name, secondary, contact.status, text, now, contact_id)
                    )
                    old_links.append((_dumps(raw), data, stamp, contact_id))
            self._write_pulled(new_rows, new_links, old_rows, old_links)
        return [ids[remote_id] for remote_id in order]

    def _linked_ids(self, account: str, remote_ids: Collection[str]) -> dict[str, int]:
        """remote id → contact id for those of remote_ids cached for the account."""
        sql = """SELECT remote_id, contact_id FROM links WHERE account = ?
            AND remote_id IN (SELECT value FROM json_each(?))"""
        return dict(self._exec(sql, (account, _dumps(list(remote_ids)))).fetchall())

    def _write_pulled(
        self,
        new_rows: list[tuple[Any, ...]],
        new_links: list[tuple[Any, ...]],
        old_rows: list[tuple[Any, ...]],
        old_links: list[tuple[Any, ...]],
    ) -> None:
        """The statements of apply_remote_many (see apply_remote for what each one does)."""
        if new_rows:
            self._many_values(
                """INSERT INTO contacts (id, account, data, sort_key, display_name, secondary,
                    status, search_text, updated_at, state) {values}""",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'synced')",
                new_rows,
            )
            self._many_values(
                "INSERT INTO links (contact_id, account, remote_id, base_raw, base, stamp) {values}",
                "(?, ?, ?, ?, ?, ?)",
                new_links,
            )
        if old_rows:
            self._update_pulled(old_rows)
            ids = [(row[-1],) for row in old_rows]
            self._conn.executemany("DELETE FROM outbox WHERE contact_id = ?", ids)
            self._conn.executemany("DELETE FROM conflicts WHERE contact_id = ?", ids)
            self._conn.executemany(
                "UPDATE links SET base_raw = ?, base = ?, stamp = ? WHERE contact_id = ?",
                old_links,
            )

    def _update_pulled(self, rows: list[tuple[Any, ...]]) -> None:
        """New data for cached contacts: (data, sort_key, name, secondary, status, search
        text, updated_at, id) each; the message cleared, the state 'synced' (or 'local')."""
        settled = "message = NULL, state = CASE WHEN account IS NULL THEN 'local' ELSE 'synced' END"
        if sqlite3.sqlite_version_info < (3, 33):  # no UPDATE … FROM before 3.33
            self._conn.executemany(
                f"""UPDATE contacts SET data = ?, sort_key = ?, display_name = ?, secondary = ?,
                    status = ?, search_text = ?, updated_at = ?, {settled} WHERE id = ?""",
                rows,
            )
            return
        self._many_values(
            f"""UPDATE contacts SET data = v.column1, sort_key = v.column2,
                display_name = v.column3, secondary = v.column4, status = v.column5,
                search_text = v.column6, updated_at = v.column7, {settled}
            FROM ({{values}}) AS v WHERE contacts.id = v.column8""",
            "(?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def _many_values(self, sql: str, row_sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run sql with {values} as `VALUES row_sql, row_sql, …` for many rows at a time.

        Not executemany: every statement that fires the FTS triggers opens a statement
        savepoint, and FTS5 writes out its pending index at each one; per row that makes
        many tiny index segments and costs several times the insert itself.
        """
        width = row_sql.count("?")
        limit = self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        size = max(1, min(_ROWS_PER_STATEMENT, limit // width))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            values = "VALUES " + ", ".join([row_sql] * len(chunk))
            params = [value for row in chunk for value in row]
            self._conn.execute(sql.format(values=values), params)

    def cached_remotes(self, account: str, remote_ids: Collection[str]) -> dict[str, CachedRemote]:
        """What a pull checks of each cached record among remote_ids (one query for a page)."""
        sql = """SELECT l.remote_id, l.contact_id, o.id IS NOT NULL, l.base_raw, l.stamp, c.data
            FROM links l JOIN contacts c ON c.id = l.contact_id
            LEFT JOIN outbox o ON o.contact_id = l.contact_id
            WHERE l.account = ? AND l.remote_id IN (SELECT value FROM json_each(?))"""
        return {
            row[0]: CachedRemote(
                contact_id=row[1],
                pending=bool(row[2]),
                base_raw=json.loads(row[3]) if row[3] is not None else None,
                stamp=row[4],
                data=row[5],
            )
            for row in self._all(sql, (account, _dumps(list(remote_ids))))
        }

    def _set_link_base(
        self, contact_id: int, raw: dict[str, Any], base: Contact, stamp: str | None
    ) -> None:
        self._exec(
            "UPDATE links SET base_raw = ?, base = ?, stamp = ? WHERE contact_id = ?",
            (_dumps(raw), _contact_json(base), stamp, contact_id),
        )

    def set_base(
        self,
        contact_id: int,
        contact_local: Contact,
        raw: dict[str, Any],
        base_contact: Contact,
        stamp: str | None,
    ) -> None:
        """Store a merge: new base and stamp, the merged local data (pending if it differs)."""
        with self.transaction():
            self._state(contact_id)
            account = self._exec(
                "SELECT account FROM contacts WHERE id = ?", (contact_id,)
            ).fetchone()[0]
            if account is not None:
                base_contact = self.with_kept_here(account, contact_id, base_contact)
            self._rewrite(contact_id, contact_local)
            self._set_link_base(contact_id, raw, base_contact, stamp)
            self._settle(contact_id)

    def set_conflict(
        self,
        contact_id: int,
        fields: list[FieldConflict],
        remote_contact: Contact,
        remote_raw: dict[str, Any],
        remote_stamp: str | None,
    ) -> None:
        """Record that both sides changed the same fields; the contact waits for the user."""
        with self.transaction():
            self._state(contact_id)
            self._exec(
                """INSERT OR REPLACE INTO conflicts
                (contact_id, fields, remote_contact, remote_raw, remote_stamp)
                VALUES (?, ?, ?, ?, ?)""",
                (
                    contact_id,
                    _dumps([vars(f) for f in fields]),
                    _contact_json(remote_contact),
                    _dumps(remote_raw),
                    remote_stamp,
                ),
            )
            self._settle(contact_id)

    def conflict(self, contact_id: int) -> Conflict | None:
        """The contact's waiting conflict, if any."""
        row = self._one(f"{_CONFLICT_SQL} WHERE f.contact_id = ?", (contact_id,))
        return _conflict(row) if row else None

    def conflicts(self, account: str | None = None) -> list[Conflict]:
        """Every waiting conflict (of one account), in contact-name order."""
        condition, params = _account_filter(account)
        sql = f"{_CONFLICT_SQL} WHERE {condition} ORDER BY c.sort_key, c.id"
        return [_conflict(row) for row in self._all(sql, params)]

    def clear_conflict(self, contact_id: int) -> None:
        """Forget a conflict (after the user settled it); the state follows the data."""
        with self.transaction():
            self._exec("DELETE FROM conflicts WHERE contact_id = ?", (contact_id,))
            if self._one("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)):
                self._settle(contact_id)

    def drop(self, contact_id: int) -> None:
        """Remove a contact entirely, with its link, outbox entry and conflict (remote delete)."""
        with self.transaction():
            self._exec("DELETE FROM contacts WHERE id = ?", (contact_id,))

    # -- outbox --------------------------------------------------------------------------

    def pending(self, account: str | None = None) -> list[OutboxEntry]:
        """The pending changes (of one account), oldest first."""
        condition, params = _account_filter(account)
        return [
            _outbox_entry(row)
            for row in self._all(f"{_OUTBOX_SQL} WHERE {condition} ORDER BY o.id", params)
        ]

    def pending_count(self, account: str | None = None) -> int:
        """How many changes wait to be pushed (for one account)."""
        condition, params = _account_filter(account)
        sql = f"SELECT count(*) FROM outbox o JOIN contacts c ON c.id = o.contact_id WHERE {condition}"
        return int(self._one(sql, params)[0])

    def outbox_entry(self, contact_id: int) -> OutboxEntry | None:
        """The contact's pending change, if any."""
        row = self._one(f"{_OUTBOX_SQL} WHERE o.contact_id = ?", (contact_id,))
        return _outbox_entry(row) if row else None

    def _entry_contact(self, entry_id: int) -> int:
        row = self._exec("SELECT contact_id FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise StoreError(
                _("no pending change with id {id} (already pushed or discarded)").format(
                    id=entry_id
                )
            )
        return int(row[0])

    def complete(
        self,
        entry_id: int,
        remote_id: str,
        contact: Contact,
        raw: dict[str, Any],
        stamp: str | None,
    ) -> None:
        """A push succeeded: the service's answer is the new base and data; 'synced'."""
        with self.transaction():
            contact_id = self._entry_contact(entry_id)
            account = self._exec(
                "SELECT account FROM contacts WHERE id = ?", (contact_id,)
            ).fetchone()[0]
            contact = self.with_kept_here(account, contact_id, contact)
            self._rewrite(contact_id, contact)
            self._exec(
                "UPDATE links SET remote_id = ? WHERE contact_id = ?", (remote_id, contact_id)
            )
            self._set_link_base(contact_id, raw, contact, stamp)
            self._exec("DELETE FROM outbox WHERE id = ?", (entry_id,))
            self._exec("DELETE FROM conflicts WHERE contact_id = ?", (contact_id,))
            self._exec("UPDATE contacts SET message = NULL WHERE id = ?", (contact_id,))
            self._settle(contact_id)

    def complete_delete(self, entry_id: int) -> None:
        """A pushed delete succeeded: the contact and its entry are gone."""
        with self.transaction():
            self._exec("DELETE FROM contacts WHERE id = ?", (self._entry_contact(entry_id),))

    def fail(self, entry_id: int, message: str) -> None:
        """A push of this entry failed: count it and show the service's words on the contact."""
        with self.transaction():
            contact_id = self._entry_contact(entry_id)
            self._exec(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (message, entry_id),
            )
            self._exec("UPDATE contacts SET message = ? WHERE id = ?", (message, contact_id))

    def discard(self, contact_id: int) -> None:
        """Drop the contact's pending change: back to its base (a never-pushed one is removed)."""
        with self.transaction():
            state = self._state(contact_id)
            if state == "local":
                return
            link = self.link(contact_id)
            if link is None or link.remote_id is None:
                self._exec("DELETE FROM contacts WHERE id = ?", (contact_id,))
                return
            self._exec("DELETE FROM outbox WHERE contact_id = ?", (contact_id,))
            self._exec("DELETE FROM conflicts WHERE contact_id = ?", (contact_id,))
            self._exec("UPDATE contacts SET message = NULL WHERE id = ?", (contact_id,))
            if link.base is not None:
                self._rewrite(contact_id, link.base)
            self._settle(contact_id)

    # -- fields a service cannot hold ----------------------------------------------------

    def set_kept_here(self, account: str, fields: Sequence[str]) -> None:
        """Say which fields the account's service has no place for (the engine, each sync).

        Their values stay on this computer: every remote version written for a contact
        of the account (a pull, a push's answer, a merge's base) keeps the contact's own
        values of these fields, so a nickname in a Harvest contact survives every sync
        and does not make the contact 'modified' forever.
        """
        state = self.sync_state(account)
        if state.extra.get(KEPT_HERE_KEY) != list(fields):
            state.extra[KEPT_HERE_KEY] = list(fields)
            self.save_sync_state(state)
        self._kept.pop(account, None)

    def kept_here(self, account: str) -> tuple[str, ...]:
        """The fields set_kept_here named for the account."""
        kept = self._kept.get(account)
        if kept is None:
            names = self.sync_state(account).extra.get(KEPT_HERE_KEY) or []
            kept = self._kept[account] = tuple(str(n) for n in names)
        return kept

    def with_kept_here(self, account: str, contact_id: int | None, remote: Contact) -> Contact:
        """`remote` with the contact's own values of the fields its service cannot hold."""
        kept = self.kept_here(account)
        if not kept or contact_id is None:
            return remote
        row = self._exec("SELECT data FROM contacts WHERE id = ?", (contact_id,)).fetchone()
        if row is None:
            return remote
        return overlay_kept(kept, json.loads(row[0]), remote)

    # -- per-account state ---------------------------------------------------------------

    def sync_state(self, account: str) -> SyncState:
        """The account's pull state (a fresh one if it never pulled)."""
        row = self._one(
            "SELECT account, cursor, last_sync, last_error, extra FROM sync_state WHERE account = ?",
            (account,),
        )
        if row is None:
            return SyncState(account=account)
        return SyncState(
            account=row[0],
            cursor=row[1],
            last_sync=row[2],
            last_error=row[3],
            extra=json.loads(row[4]),
        )

    def save_sync_state(self, state: SyncState) -> None:
        """Store the account's pull state."""
        with self.transaction():
            self._exec(
                """INSERT OR REPLACE INTO sync_state (account, cursor, last_sync, last_error, extra)
                VALUES (?, ?, ?, ?, ?)""",
                (
                    state.account,
                    state.cursor,
                    state.last_sync,
                    state.last_error,
                    _dumps(state.extra),
                ),
            )

    def forget_account(self, account: str) -> None:
        """Remove an account's contacts, links, outbox entries, conflicts and pull state."""
        with self.transaction():
            self._exec("DELETE FROM contacts WHERE account = ?", (account,))
            self._exec("DELETE FROM links WHERE account = ?", (account,))
            self._exec("DELETE FROM sync_state WHERE account = ?", (account,))
