"""Importing a vCard or CSV file into the address book, without making copies.

    import_file(store, path, *, fmt=None, skip_invalid=False, account=None,
                progress=None, cancel=None) -> ImportSummary

Each contact of the file is matched against the contacts already there (of the same
account, or on this computer when account is None):
1. by vCard UID: the UID property is kept in the contact's `extra`
   (`{"name": "UID", "params": {}, "value": "…"}`, as every other property the model has
   no field for), so a card exported here or by another program and imported again finds
   its contact;
2. else as the same contact: the same display name (case- and accent-folded, see
   model.fold) and the same first email (case-insensitive) or, without an email, the
   same first phone (its digits).
A match whose fields are all the same (lists as sets) is *unchanged* and left alone; one
that differs is *updated* with a Patch (model.Patch.between what was there and what the
file holds) through Store.apply_patch, so a field that moved underneath is never
overwritten silently. Anything else is *new*: created a chunk at a time
(Store.create_many), local, or with `account` as pending creates of that account
(each checked by its service's rules, addressbook.rules, first).

A card or row that cannot be read at all (or that the account's rules refuse) stops the
import and nothing is imported (the whole import is one transaction: other writers of the
same file wait for it), unless
skip_invalid: then it is *skipped* and named in the warnings. A line that cannot be read
costs that line only: a warning names it (file, card, line) and the card is imported.

Streaming: the file is read a chunk at a time and cards are written in chunks, so a
100 MB file imports in bounded memory. The existing contacts are indexed once (their
match keys only).

For the window: run import_file in a worker thread with its own Store (a Store is one
SQLite connection, used by one thread). `progress(done_bytes, total_bytes)` is called as
the file is read (about 500 times at most, and once at the end); `cancel` is any object
with a `.cancelled` bool: when it turns true the import stops after the current card and
keeps what was done (summary.cancelled is True). summary.created_ids, summary.updated_ids
and summary.before (id → the contact as it was) let the window undo the import.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from addressbook.errors import InterchangeError
from addressbook.i18n import _, ngettext
from addressbook.interchange import detect_format, import_format, iter_stream, refusal
from addressbook.interchange._common import Problem
from addressbook.interchange.parallel import (
    ReadCard,
    default_workers,
    read_card_contact,
    read_card_keys,
    read_in_processes,
    same_contact_key,
    uid_of,
)
from addressbook.model import Contact, Patch, same_contact
from addressbook.store import LOCAL, Store
from addressbook.store.cache import PreparedRow

# Contacts written per create_many. Larger chunks write fewer FTS segments but hold the
# GIL longer at once (binding a statement's rows, freeing them): at 2000 the window's
# longest stall during an import grew from ~45 to ~80 ms (tests/perf/bench_import_gui.py).
CHUNK = 500
# The cyclic garbage collector's young-generation threshold while an import runs (see
# _fewer_collections); Python's default is 700.
IMPORT_GC_THRESHOLD = 50_000
# A vCard file this big or bigger is read by other processes (interchange/parallel.py)
# while this one writes; a smaller one in a thread (starting a process costs ~0.3 s).
PARALLEL_MIN_BYTES = 4 << 20

Progress = Callable[[int, int], None]


class Cancel(Protocol):
    """What import_file asks to know whether to stop (the window's Cancel button)."""

    @property
    def cancelled(self) -> bool: ...


@dataclass(frozen=True)
class ImportWarning:
    """One thing of the file that was not imported: where (file, card or row, line) and why."""

    file: str
    card: int | None
    line: int | None
    message: str  # "card 3, line 17: not a vCard property, skipped: 'FN'"

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


@dataclass
class ImportSummary:
    """What an import did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: list[ImportWarning] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    before: dict[int, Contact] = field(default_factory=dict)  # updated id → as it was
    format: str = ""
    cancelled: bool = False

    def line(self) -> str:
        """'N new, M updated, K unchanged, S skipped' (translated)."""
        return ", ".join(
            (
                ngettext("{n} new", "{n} new", self.new).format(n=self.new),
                ngettext("{n} updated", "{n} updated", self.updated).format(n=self.updated),
                ngettext("{n} unchanged", "{n} unchanged", self.unchanged).format(n=self.unchanged),
                ngettext("{n} skipped", "{n} skipped", self.skipped).format(n=self.skipped),
            )
        )


class _Index:
    """The match keys of the contacts already there: UID → id, same-contact key → id."""

    def __init__(self, store: Store, account: str | None):
        self.uids: dict[str, int] = {}
        self.keys: dict[tuple[str, str], int] = {}
        ids = store.search_ids("", account if account is not None else LOCAL)
        for start in range(0, len(ids), CHUNK):
            for record in store.records(ids[start : start + CHUNK]):
                self.add(record.id, record.contact)

    def add(self, contact_id: int, contact: Contact) -> None:
        self.add_keys(contact_id, uid_of(contact), same_contact_key(contact))

    def add_keys(self, contact_id: int, uid: str, key: tuple[str, str] | None) -> None:
        if uid:
            self.uids.setdefault(uid, contact_id)
        if key is not None:
            self.keys.setdefault(key, contact_id)

    def find(self, contact: Contact) -> int | None:
        return self.find_keys(uid_of(contact), same_contact_key(contact))

    def find_keys(self, uid: str, key: tuple[str, str] | None) -> int | None:
        """The id of the contact with this UID, else with this same-contact key."""
        if uid and uid in self.uids:
            return self.uids[uid]
        return self.keys.get(key) if key is not None else None


def import_file(
    store: Store,
    path: Path | str,
    *,
    fmt: str | None = None,
    skip_invalid: bool = False,
    account: str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportSummary:
    """Import a vCard or CSV file into `store` (see the module docstring).

    Must run in the thread that owns `store` (the window: a worker thread with its own
    Store). Raises InterchangeError (nothing imported) when the file cannot be read, or a
    card cannot be read and skip_invalid is False.
    """
    path = Path(path)
    name = str(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise InterchangeError(
            _("cannot read {path}: {reason}").format(path=path, reason=error.strerror or error)
        ) from None
    with stream:
        total = path.stat().st_size
        summary = ImportSummary()
        checker = _checker(store, account)
        try:
            with store.bulk(), _fewer_collections():
                job = _Job(store, name, skip_invalid, account, checker, summary, total)
                _run(job, stream, fmt, progress, cancel)
        except InterchangeError as error:
            raise InterchangeError(f"{name}: {error}") from None
    if progress is not None:
        progress(total, total)
    return summary


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Fewer passes of the cyclic garbage collector while an import runs.

    Reading a card makes some hundred short-lived containers (its properties, their
    parameters, the contact's parts) and no reference cycles; at the default threshold
    the collector's young-generation pass ran every few cards and cost up to a sixth of
    an import. Reference counting frees all of it as before; the thresholds are put back
    when the last import running ends.
    """
    global _gc_depth, _gc_saved
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], IMPORT_GC_THRESHOLD), *_gc_saved[1:])
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)


class _Rules:
    """The account's rules (addressbook.rules) as one sentence each: '' when allowed."""

    def __init__(self, store: Store, account: str):
        from addressbook.rules import Checker

        self._checker = Checker(store)
        self._account = account

    def new(self, contact: Contact) -> str:
        from addressbook.rules import sentences

        return sentences(self._checker.new(contact, self._account))

    def patch(self, contact_id: int, patch: Patch) -> str:
        from addressbook.rules import sentences

        return sentences(self._checker.patch(contact_id, patch))


def _checker(store: Store, account: str | None) -> _Rules | None:
    return _Rules(store, account) if account is not None else None


@dataclass(frozen=True)
class _Job:
    """One import: the store it writes, the file's name and size, what it was asked."""

    store: Store
    name: str
    skip_invalid: bool
    account: str | None
    checker: _Rules | None
    summary: ImportSummary
    total: int


def _run(
    job: _Job, stream: object, fmt: str | None, progress: Progress | None, cancel: Cancel | None
) -> None:
    store, name, summary, total = job.store, job.name, job.summary, job.total
    binary = cast(BinaryIO, stream)
    index = _Index(store, job.account)
    chosen = import_format(fmt)
    if chosen is None:
        chosen = detect_format(binary.read(4096), name)
        binary.seek(0)
    summary.format = chosen
    workers = default_workers() if chosen == "vcard" and total >= PARALLEL_MIN_BYTES else 0
    source: Iterator[Contact | Problem | ReadCard] = (
        read_in_processes(binary, workers) if workers else iter_stream(binary, chosen, name)
    )
    with closing(_read_ahead(source)) as items:
        _import_items(job, items, binary, progress, cancel, index)


def _import_items(
    job: _Job,
    items: Iterator[Contact | Problem | ReadCard],
    binary: BinaryIO,
    progress: Progress | None,
    cancel: Cancel | None,
    index: _Index,
) -> None:
    store, name, summary, total = job.store, job.name, job.summary, job.total
    skip_invalid, account, checker = job.skip_invalid, job.account, job.checker
    pending: list[Contact | PreparedRow] = []
    last_report = -(1 << 62)
    step = max(total // 500, 1)

    def flush() -> None:
        if pending:
            summary.created_ids += store.create_many(pending, account=account)
            summary.new += len(pending)
            pending.clear()

    def refuse(problem: Problem) -> None:
        if not skip_invalid:
            raise InterchangeError(refusal(problem, 0))
        summary.skipped += 1
        summary.warnings.append(ImportWarning(name, problem.card, problem.line, str(problem)))

    for item in items:
        if cancel is not None and cancel.cancelled:
            summary.cancelled = True
            break
        if progress is not None:
            done = binary.tell()
            if done - last_report >= step:  # a few hundred calls a file, not one a card
                last_report = done
                progress(min(done, total), total)
        if isinstance(item, Problem):
            if item.fatal:
                refuse(item)
            else:
                summary.warnings.append(ImportWarning(name, item.card, item.line, str(item)))
            continue
        new: Contact | PreparedRow
        contact: Contact | None
        if type(item) is tuple:  # a ReadCard: read and prepared in another process
            card = cast(ReadCard, item)
            uid, key = read_card_keys(card)
            new, contact = card[:6], None
        else:
            contact = cast(Contact, item)
            uid, key = uid_of(contact), same_contact_key(contact)  # once: for find and add
            new = contact
        found = index.find_keys(uid, key)
        if found is None:
            if checker is not None:
                contact = contact or read_card_contact(cast(ReadCard, item))
                sentence = checker.new(contact)
                if sentence:
                    refuse(Problem(contact.display_name, sentence))
                    continue
            pending.append(new)
            index.add_keys(-1, uid, key)  # a second copy in the same file matches nothing real
            if len(pending) >= CHUNK:
                flush()
            continue
        if found < 0:  # the same contact twice in this file: imported once
            summary.unchanged += 1
            continue
        if contact is None:  # a ReadCard: the same JSON as stored is the same contact
            stored = store.stored_data(found)
            if stored is not None and stored[1] != "deleted" and stored[0] == card[0]:
                summary.unchanged += 1
                continue
        record = store.get(found)
        if record is None or record.state == "deleted":
            pending.append(new)
            continue
        contact = contact or read_card_contact(cast(ReadCard, item))
        if same_contact(record.contact, contact):
            summary.unchanged += 1
            continue
        patch = Patch.between(record.contact, _keep_own(record.contact, contact))
        if not patch:
            summary.unchanged += 1
            continue
        if checker is not None:
            sentence = checker.patch(found, patch)
            if sentence:
                refuse(Problem(contact.display_name, sentence))
                continue
        store.apply_patch(found, patch)
        summary.updated += 1
        summary.updated_ids.append(found)
        summary.before[found] = record.contact
    flush()


_BATCH = 64  # items handed over at a time (a queue operation per card would cost more)
_AHEAD = 16  # batches read ahead at most: about two chunks of contacts


class _Failed:
    """The reader thread's exception, handed over to be raised where the import runs."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _read_ahead(
    items: Iterator[Contact | Problem | ReadCard],
) -> Generator[Contact | Problem | ReadCard, None, None]:
    """The items, read in a thread of their own, a bounded number ahead.

    Reading a file is Python work, which holds the GIL; writing its contacts is mostly
    SQLite's C code (the insert, the FTS index, the page writes), which lets the GIL go.
    With the reading in another thread the two overlap where a second core is free. The
    reader's exception (a CSV header that is no program's) is raised here, in its place.
    Closing this generator (the import ends, fails or is cancelled) stops the reader and
    waits for it, so the file is never closed under it.
    """
    handover: queue.Queue[list[Contact | Problem | ReadCard] | _Failed | None] = queue.Queue(_AHEAD)
    stop = threading.Event()

    def put(batch: list[Contact | Problem | ReadCard] | _Failed | None) -> bool:
        while not stop.is_set():
            try:
                handover.put(batch, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            batch: list[Contact | Problem | ReadCard] = []
            for item in items:
                batch.append(item)
                if len(batch) >= _BATCH:
                    if not put(batch):
                        return
                    batch = []
            if batch and not put(batch):
                return
            put(None)
        except BaseException as error:  # handed over: raised in the importing thread
            put(_Failed(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # the reader's own clean-up, in its thread, before the file closes

    reader = threading.Thread(target=read, name="addressbook-import-reader", daemon=True)
    reader.start()
    try:
        while True:
            got = handover.get()
            if got is None:
                return
            if isinstance(got, _Failed):
                raise got.error
            yield from got
    finally:
        stop.set()
        reader.join()


def _keep_own(there: Contact, incoming: Contact) -> Contact:
    """The file's contact, keeping what only this program knows (the status) when the file
    does not say it (another program's card has no X-ADDRESSBOOK-STATUS)."""
    if incoming.status == "active" and there.status != "active":
        return replace(incoming, status=there.status)
    return incoming
