"""Opening the cache file: connection settings, the schema, and its forward migrations.

The schema version is `PRAGMA user_version`. MIGRATIONS[n] takes a file from version n
to n + 1; a later schema change appends a step and never edits an old one. Version 0
is an empty file. All the steps an open needs run in one transaction, so a crash or a
failing step leaves the file at its old version, intact.

Durability: WAL with `synchronous=FULL`. In WAL mode NORMAL already keeps every
committed transaction across a killed process (the WAL is in the OS's cache); FULL
also syncs the WAL on each commit, so an edit made offline, which exists nowhere else,
survives a power cut too. Our commits are rare (a user's edit, a pulled page), so the
cost of one fsync each is not felt.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from addressbook.errors import NewerSchemaError, StoreError
from addressbook.i18n import _

BUSY_TIMEOUT_MS = 5000

Migration = Callable[[sqlite3.Connection], None]

_V1 = (
    """CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        account TEXT,
        data TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        display_name TEXT NOT NULL,
        secondary TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL
            CHECK (state IN ('local', 'synced', 'new', 'modified', 'conflict', 'deleted')),
        status TEXT NOT NULL DEFAULT 'active',
        message TEXT,
        search_text TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    # Covering indexes: the sorted id list of a window is read from the index alone.
    "CREATE INDEX contacts_by_name ON contacts (sort_key, id, state, account)",
    "CREATE INDEX contacts_by_account ON contacts (account, sort_key, id, state)",
    """CREATE VIRTUAL TABLE contacts_fts USING fts5 (
        search_text, content='contacts', content_rowid='id', tokenize='ascii', prefix='1 2 3'
    )""",
    """CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
        INSERT INTO contacts_fts (contacts_fts, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts
        WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO contacts_fts (contacts_fts, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TABLE links (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
        account TEXT NOT NULL,
        remote_id TEXT,
        base_raw TEXT,
        base TEXT,
        stamp TEXT,
        UNIQUE (account, remote_id)
    )""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts (id) ON DELETE CASCADE,
        op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
        idempotency_key TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE conflicts (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
        fields TEXT NOT NULL,
        remote_contact TEXT NOT NULL,
        remote_raw TEXT NOT NULL,
        remote_stamp TEXT
    )""",
    """CREATE TABLE sync_state (
        account TEXT PRIMARY KEY,
        cursor TEXT,
        last_sync TEXT,
        last_error TEXT,
        extra TEXT NOT NULL DEFAULT '{}'
    )""",
)


def _create_v1(conn: sqlite3.Connection) -> None:
    """Version 0 (an empty file) → 1: the first schema."""
    for statement in _V1:
        conn.execute(statement)


_V2_PEOPLE = (
    # A person: records of several accounts that the user says are one human or company.
    # Local only: nothing here is ever sent to a service.
    "CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL)",
    """CREATE TABLE person_members (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX person_members_by_person ON person_members (person_id, contact_id)",
    # A record deleted on its service (its row goes) leaves the person; a person left
    # with one record dissolves. Foreign-key cascades fire this trigger too, so every
    # way a contact row goes (drop, complete_delete, forget_account) is covered here.
    """CREATE TRIGGER person_dissolves AFTER DELETE ON person_members
        WHEN (SELECT count(*) FROM person_members WHERE person_id = old.person_id) < 2 BEGIN
        DELETE FROM people WHERE id = old.person_id;
    END""",
    # "Not the same person": a pair of records never suggested together again (a < b).
    """CREATE TABLE people_dismissed (
        a INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        PRIMARY KEY (a, b),
        CHECK (a < b)
    ) WITHOUT ROWID""",
    "CREATE INDEX people_dismissed_by_b ON people_dismissed (b)",
)


def _add_people(conn: sqlite3.Connection) -> None:
    """Version 1 → 2: people (local groupings of records) and dismissed suggestions."""
    for statement in _V2_PEOPLE:
        conn.execute(statement)


_V3_PEOPLE_VERSION = (
    # A counter that moves whenever the people, or which of their records are shown,
    # change: the window reads one row to know its one-row-per-person index still holds.
    "CREATE TABLE people_version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
    "INSERT INTO people_version (id, n) VALUES (1, 0)",
    """CREATE TRIGGER people_version_insert AFTER INSERT ON person_members BEGIN
        UPDATE people_version SET n = n + 1;
    END""",
    """CREATE TRIGGER people_version_update AFTER UPDATE ON person_members BEGIN
        UPDATE people_version SET n = n + 1;
    END""",
    """CREATE TRIGGER people_version_delete AFTER DELETE ON person_members BEGIN
        UPDATE people_version SET n = n + 1;
    END""",
    """CREATE TRIGGER people_version_shown AFTER UPDATE OF state ON contacts
        WHEN (old.state = 'deleted') <> (new.state = 'deleted')
        AND EXISTS (SELECT 1 FROM person_members WHERE contact_id = new.id) BEGIN
        UPDATE people_version SET n = n + 1;
    END""",
)


def _add_people_version(conn: sqlite3.Connection) -> None:
    """Version 2 → 3: the people version counter (see _V3_PEOPLE_VERSION)."""
    for statement in _V3_PEOPLE_VERSION:
        conn.execute(statement)


MIGRATIONS: list[Migration] = [_create_v1, _add_people, _add_people_version]


def current_version() -> int:
    """The schema version this program writes."""
    return len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version of an open file."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


# Cache files opened read-only because the disk was full: a write refused on them is
# the full disk's doing, and is said so.
_OPENED_READ_ONLY_FULL: set[str] = set()
_FULL_BYTES = 256 * 1024  # less free than this, and an I/O error is the full disk's


def disk_full(path: Path) -> bool:
    """True when the file system holding `path` has (next to) no space left."""
    import os

    folder = path if path.is_dir() else path.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < _FULL_BYTES


def error_for(path: Path, error: sqlite3.Error) -> StoreError:
    """One sentence saying what went wrong with the cache file and what to do."""
    text = str(error).lower()
    cannot_write = any(w in text for w in ("disk i/o", "readonly", "read-only", "unable to open"))
    opened_read_only = str(path) in _OPENED_READ_ONLY_FULL and "readonly" in text
    full = "full" in text or (cannot_write and (disk_full(path) or opened_read_only))
    if full:
        return StoreError(
            _(
                "the disk holding the address book {path} is full; free some space and try "
                "again (nothing was changed)"
            ).format(path=path)
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            _(
                "the address book {path} is read-only; nothing was changed (check the file's "
                "permissions)"
            ).format(path=path)
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            _(
                "the address book {path} is busy in another addressbook process; try again in a "
                "moment"
            ).format(path=path)
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            _(
                "the address book {path} is damaged or is not an address book file; move it "
                "away to start a fresh one"
            ).format(path=path)
        )
    if "unable to open" in text:
        return StoreError(
            _("the address book {path} cannot be opened; check that its folder exists").format(
                path=path
            )
        )
    return StoreError(
        _("the address book {path} cannot be used: {error}").format(path=path, error=error)
    )


def connect(path: Path, handed_over: bool = False) -> sqlite3.Connection:
    """Open (or create) the cache file, set it up, and bring its schema up to date.

    `handed_over`: the thread that opens it is not the one that will use it (the window's
    store is opened while Qt loads, see ui/early.py); one thread at a time still.

    On a full disk the file is opened read-only (reading needs no space: `list`,
    `search`, `show` and `export` work); a write then says the disk is full. A `-wal` or
    `-shm` file left read-only beside a writable cache file (it was read while the file
    was read-only) is made writable again, so the cache recovers by itself.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _repair_side_files(path)
    try:
        conn = _open(path, f"file:{_uri_path(path)}", handed_over)
    except sqlite3.Error as error:
        if not (disk_full(path) and path.exists()):
            raise error_for(path, error) from error
        conn = _open_read_only(path, error, handed_over)
    return conn


def _open(path: Path, uri: str, handed_over: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(
        uri,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        uri=True,
        check_same_thread=not handed_over,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if "?" not in uri:  # read-only: the file's mode stays as it is
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    if "?" in uri:
        _OPENED_READ_ONLY_FULL.add(str(path))
    else:
        _OPENED_READ_ONLY_FULL.discard(str(path))
    return conn


def _open_read_only(
    path: Path, first: sqlite3.Error, handed_over: bool = False
) -> sqlite3.Connection:
    """The cache file opened for reading only, on a full disk (else the first error)."""
    wal = path.with_name(path.name + "-wal")
    uris = [f"file:{_uri_path(path)}?mode=ro"]
    if not wal.exists() or wal.stat().st_size == 0:
        # Nothing waits in a WAL: the file itself is the whole book, read without locks
        # (which would need the -shm file, which needs space).
        uris.append(f"file:{_uri_path(path)}?immutable=1")
    for uri in uris:
        try:
            return _open(path, uri, handed_over)
        except sqlite3.Error:
            continue
        except StoreError:
            raise
    raise error_for(path, first) from first


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path.absolute()))


def _repair_side_files(path: Path) -> None:
    """Make a read-only -wal/-shm beside a writable cache file writable again (ours)."""
    import os
    import stat

    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if not mode & stat.S_IWUSR:
        return  # the cache file itself is read-only: nothing to repair
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        try:
            side_mode = stat.S_IMODE(side.stat().st_mode)
            if not side_mode & stat.S_IWUSR:
                os.chmod(side, side_mode | (mode & 0o666))
        except OSError:
            continue


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Run the migrations the file lacks, all in one transaction; refuse a newer file."""
    target = current_version()
    if _check_version(conn, path, target) == target:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the write lock.
        version = _check_version(conn, path, target)
        if version == 0 and _has_tables(conn):
            raise StoreError(
                _(
                    "{path} is an SQLite file of some other program, not an address book; "
                    "move it away or choose another file"
                ).format(path=path)
            )
        for step in range(version, target):
            MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_version(conn: sqlite3.Connection, path: Path, target: int) -> int:
    version = user_version(conn)
    if version > target:
        raise NewerSchemaError(
            _(
                "the address book {path} was written by a newer version of addressbook "
                "(schema {version}; this version knows up to {target}); install the newer "
                "version to open it"
            ).format(path=path, version=version, target=target)
        )
    return version


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
