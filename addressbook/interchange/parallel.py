"""A large vCard file's cards read in other processes, in file order (the import's reader).

    read_in_processes(stream, workers) -> Iterator[ReadCard | Problem]

Reading a card into a Contact, and working out the row the cache stores of it
(Store.prepare: its JSON, sort key and search words), is Python work that holds the
interpreter's lock: in one process it was three quarters of an import, and a second
thread cannot share it. Here the calling thread cuts the file into cards (split_cards, a
fast scan of bytes) and hands them in batches to `workers` processes; each card comes
back as a ReadCard (the prepared row and the keys an import matches by), in the file's
order, with the warnings of its lines before it, exactly as read_vcard_stream gives
them. At most a few batches are in flight, so a file of any size is read in bounded
memory.

The processes are started fresh ('spawn': a window's threads are never forked); they
take the language of this one from the environment. If they cannot be started, or one
dies, the cards not yet read are read here instead: the answer is the same, only slower.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import BinaryIO

from addressbook.interchange._common import Problem
from addressbook.interchange.vcard import RawCard, read_card, split_cards
from addressbook.model import Contact, fold
from addressbook.store.cache import Store

log = logging.getLogger(__name__)

BATCH_CARDS = 200  # cards per batch: about 25 ms of a process's work
BATCH_BYTES = 1 << 20  # or fewer, when the cards are big
UID = "UID"

_Raw = tuple[int, int, bytes]  # a RawCard as its parts (cheaper to send)
_Entry = _Raw | Problem


# One card read in another process, as a flat tuple (pickled and unpickled ten times
# faster than named tuples): the row Store.prepare makes of it (its first 6 items:
# UTF-8 JSON, sort key, display name, second line, status, search words), then its vCard UID
# ('' when none) and the two parts of its same-contact key (None, None when it has none).
ReadCard = tuple[bytes, str, str, str, str, str, str, "str | None", "str | None"]


def read_card_contact(card: ReadCard) -> Contact:
    """The Contact of a ReadCard (read back from its JSON, exactly as it was made)."""
    import json

    return Contact.from_stored(json.loads(card[0]))


def read_card_keys(card: ReadCard) -> tuple[str, tuple[str, str] | None]:
    """(UID, same-contact key) of a ReadCard."""
    name, handle = card[7], card[8]
    return card[6], (name, handle) if name is not None and handle is not None else None


def uid_of(contact: Contact) -> str:
    """The contact's vCard UID (kept in extra), or ''."""
    for item in contact.extra:
        if item.get("name") == UID and not item.get("group"):
            return str(item.get("value") or "").strip()
    return ""


def same_contact_key(contact: Contact) -> tuple[str, str] | None:
    """(folded display name, first email or phone digits): what makes two cards one contact."""
    if not contact.display_name.strip():
        return None
    if contact.emails:
        handle = "@" + contact.emails[0].address.strip().casefold()
    elif contact.phones:
        handle = "#" + "".join(ch for ch in contact.phones[0].number if ch.isdigit())
    else:
        handle = ""
    return fold(contact.display_name), handle  # a Contact's name is clean already


def read_batch(batch: list[_Entry]) -> list[ReadCard | Problem]:
    """The cards of a batch read and prepared; Problems of split_cards passed through."""
    out: list[ReadCard | Problem] = []
    prepare = Store.prepare
    for entry in batch:
        if isinstance(entry, Problem):
            out.append(entry)
            continue
        for item in read_card(RawCard(*entry)):
            if isinstance(item, Problem):
                out.append(item)
            else:
                key = same_contact_key(item)
                name, handle = key if key is not None else (None, None)
                out.append((*prepare(item), uid_of(item), name, handle))
    return out


def default_workers() -> int:
    """How many reading processes: one per core the program may use, at most 4 (the
    writing thread cannot take more); 0 on one core (reading here is as fast)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 4)


def _start_reader() -> None:
    """In each reading process: fewer passes of the cyclic garbage collector (a card's
    short-lived containers hold no cycles; see importer._fewer_collections), and the
    C allocator keeping the memory a batch frees for the next one (_keep_freed_memory)."""
    import gc

    gc.set_threshold(50_000, 10, 10)
    _keep_freed_memory()


# glibc's mallopt parameters (malloc.h) and the values a reading process sets.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 8 << 20
MMAP_THRESHOLD = 2 << 20


def _keep_freed_memory() -> bool:
    """Make glibc's malloc keep up to 8 MB of freed memory and serve blocks up to 2 MB
    from its heap (Linux only; True when it was done).

    A batch's message, its cards and its answer are a few MB of blocks of a few KB to
    1 MB, freed when the batch is done. By default glibc gave the top of its heap back
    to the system (above 128 KB free) and made each block over 128 KB a mapping of its
    own, so every batch faulted its pages in anew: 5 page faults a card, a sixth of a
    reading process's CPU time (system time; 53,000 faults for 10,000 cards, 5,700
    with this). The memory kept is at most what one batch used.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has it too and ignores it)
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def _pool(workers: int) -> ProcessPoolExecutor | None:
    try:
        return ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_reader
        )
    except (OSError, ValueError, RuntimeError, ImportError) as error:
        log.info("import reads in this process: %s", error)
        return None


def _died(processes: list[multiprocessing.process.BaseProcess]) -> bool:
    """True when a reading process ended other than by being asked to (killed, crashed)."""
    return any(process.exitcode not in (None, 0) for process in processes)


def _processes(pool: ProcessPoolExecutor) -> list[multiprocessing.process.BaseProcess]:
    return list((getattr(pool, "_processes", None) or {}).values())


def _close(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down without ever waiting forever.

    A process killed while it wrote an answer (the out-of-memory killer, a test) leaves
    half an answer in the pipe, and the pool's own thread waits for the rest of it
    without looking at its processes again (CPython 3.11-3.13), so `shutdown(wait=True)`
    would hang the import. When a process died, the others are stopped and the pool's
    end of the answer pipe is closed: its thread then reads the end of the pipe, sees
    the pool broken, and cleans up.
    """
    processes = _processes(pool)
    manager = getattr(pool, "_executor_manager_thread", None)
    answers = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is None:
        return
    waited = time.monotonic()
    while manager.is_alive():
        if _died(processes) or time.monotonic() - waited > 60:
            for process in processes:
                if process.exitcode is None:
                    process.kill()
                process.join(5)
            writer = getattr(answers, "_writer", None)
            if writer is not None and not writer.closed:
                writer.close()
            manager.join(10)
            return
        manager.join(0.05)


def _answer(
    future: Future[list[ReadCard | Problem]], pool: ProcessPoolExecutor
) -> list[ReadCard | Problem]:
    """A batch's answer; BrokenProcessPool when a reading process died meanwhile (the
    pool itself may never say so: see _close)."""
    processes = _processes(pool)
    while True:
        try:
            return future.result(timeout=0.25)
        except FutureTimeout:
            if _died(processes):
                raise BrokenProcessPool("a reading process ended") from None


def read_in_processes(stream: BinaryIO, workers: int) -> Iterator[ReadCard | Problem]:
    """Each card of a vCard byte stream, read by `workers` processes (see the module)."""
    pool = _pool(workers) if workers > 0 else None
    inflight: deque[tuple[Future[list[ReadCard | Problem]] | None, list[_Entry]]] = deque()
    most = 2 * workers + 1

    def submit(batch: list[_Entry]) -> None:
        nonlocal pool
        future = None
        if pool is not None:
            try:
                future = pool.submit(read_batch, batch)
            except (BrokenProcessPool, RuntimeError, OSError) as error:
                log.info("import reads in this process from now on: %s", error)
                _close(pool)
                pool = None
        inflight.append((future, batch))

    def oldest() -> list[ReadCard | Problem]:
        nonlocal pool
        future, batch = inflight.popleft()
        if future is not None and pool is not None:
            try:
                return _answer(future, pool)
            except BrokenProcessPool as error:  # a process died: the rest is read here
                log.info("import reads in this process from now on: %s", error)
                _close(pool)
                pool = None
        return read_batch(batch)

    try:
        batch: list[_Entry] = []
        size = 0
        for item in split_cards(stream):
            if isinstance(item, Problem):
                batch.append(item)
                continue
            batch.append((item.number, item.line, item.body))
            size += len(item.body)
            if len(batch) >= BATCH_CARDS or size >= BATCH_BYTES:
                submit(batch)
                batch, size = [], 0
                while len(inflight) >= most:
                    yield from oldest()
        if batch:
            submit(batch)
        while inflight:
            yield from oldest()
    finally:
        if pool is not None:
            _close(pool)
