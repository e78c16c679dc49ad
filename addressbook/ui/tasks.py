"""The task layer: run a function in a worker thread, get its result back by signal.

Like Anki's taskman: the worker runs plain Python (no widgets), and every callback
(`on_done`, `on_failed`, `on_progress`) runs on the GUI thread, delivered through a
queued signal. Workers open their own Store and connectors; they never share the
window's SQLite connection.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger("addressbook.ui")

Closure = Callable[[], None]
WORKER_NICE = 5  # added to a worker thread's nice value (Linux)
# How long a worker may keep the GIL while the GUI thread waits for it. The GUI thread
# gives the GIL up in every call into Qt or SQLite and waits to get it back; at Python's
# default (5 ms) a busy worker (a sync parsing a page, a search read ahead) turned one
# repaint of the list, hundreds of such calls, into 100–500 ms. At 0.2 ms it stays near
# its idle cost (tests/perf/bench_gui.py). Workers pay only while the window is busy: a
# switch is forced only when another thread waits.
GIL_SWITCH_SECONDS = 0.0002
_worker = threading.local()


def freeze_startup_heap() -> None:
    """Once a process: the objects made while starting (modules, classes, widgets) are kept
    out of the garbage collector's full passes.

    A full pass walks every object alive; while a sync lands (the GUI thread waits for it)
    one took 50–90 ms, most of it the start-up objects, which live as long as the process.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()
    gc.enable()  # `addressbook gui` starts with it off (cli/app.py)


_frozen = False


class _Runnable(QRunnable):
    def __init__(self, job: Callable[[], None], nice: bool = True) -> None:
        super().__init__()
        self._job = job
        self._nice = nice
        # Not auto-deleted: Qt deleting the C++ side on the worker thread while Python
        # still holds the wrapper crashed the process now and then (a segfault with no
        # Python frame). The manager drops its reference on the GUI thread when done.
        self.setAutoDelete(False)

    def run(self) -> None:
        if self._nice:
            _lower_priority()
        self._job()


def _lower_priority() -> None:
    """Let the OS prefer the GUI thread over workers (Linux: a thread has its own nice value)."""
    # Only Linux gives threads their own nice value; elsewhere the number names a process.
    if not sys.platform.startswith("linux") or getattr(_worker, "niced", False):
        return
    _worker.niced = True
    try:
        thread = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + WORKER_NICE
        )
    except OSError:
        pass  # not allowed or not supported: the workers simply keep the default priority


class TaskManager(QObject):
    """Runs jobs on a thread pool; brings their results back to the GUI thread."""

    _closure = Signal(object)
    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, threads: int = 4) -> None:
        super().__init__(parent)
        if sys.getswitchinterval() > GIL_SWITCH_SECONDS:
            sys.setswitchinterval(GIL_SWITCH_SECONDS)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        # The window's own preparation (the searches read ahead for the first keys): at the
        # window's priority, so other programs' load does not starve it (niced, it was not
        # done in 1 s on a busy machine); it holds back by itself while one types (ui/ahead).
        self._own = QThreadPool(self)
        self._own.setMaxThreadCount(1)
        self._running = 0
        self._live: set[_Runnable] = set()
        self._done: list[_Runnable] = []
        self._closure.connect(self._run_closure)

    @Slot(object)
    def _run_closure(self, closure: Closure) -> None:
        closure()

    def run_on_main(self, closure: Closure) -> None:
        """Run closure on the GUI thread soon (safe to call from any thread)."""
        self._closure.emit(closure)

    @property
    def running(self) -> int:
        """How many jobs are under way."""
        return self._running

    def run(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        nice: bool = True,
    ) -> None:
        """Run job() in a worker; then on_done(result) or on_failed(error) on the GUI thread.

        nice=False: on the one worker that keeps the window's priority (work the window
        needs soon and that yields to the user by itself); jobs there run one at a time.
        """
        self._running += 1
        self.busy_changed.emit(self._running)

        def work() -> None:
            try:
                result = job()
            except BaseException as error:  # delivered to the GUI thread, which decides
                if not _is_user_error(error):
                    log.exception("background job failed")
                # bound to a new name: Python clears `error` when the except block ends
                failure: BaseException = error
                self.run_on_main(lambda: self._finish(None, failure, on_done, on_failed, runnable))
            else:
                self.run_on_main(lambda: self._finish(result, None, on_done, on_failed, runnable))

        runnable = _Runnable(work, nice)
        self._live.add(runnable)
        (self._pool if nice else self._own).start(runnable)

    def _finish(
        self,
        result: Any,
        error: BaseException | None,
        on_done: Callable[[Any], None] | None,
        on_failed: Callable[[BaseException], None] | None,
        runnable: _Runnable | None = None,
    ) -> None:
        # Dropped one job later: the worker may still be returning from run() right now.
        self._live.difference_update(self._done)
        self._done = [runnable] if runnable is not None else []
        self._running -= 1
        self.busy_changed.emit(self._running)
        if error is None:
            if on_done is not None:
                on_done(result)
        elif on_failed is not None:
            on_failed(error)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the workers to finish (at shutdown)."""
        own = self._own.waitForDone(msecs)
        return self._pool.waitForDone(msecs) and own


def _is_user_error(error: BaseException) -> bool:
    from addressbook.errors import AddressbookError

    return isinstance(error, AddressbookError)
