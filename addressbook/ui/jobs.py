"""Sync and push jobs for the window: workers, status-bar progress with Cancel, results.

Each job runs `addressbook.sync.jobs.run_pull/run_push` in a worker thread: its own
SQLite connection, its own connector and HTTP client. Progress and results come back
to the GUI thread through the task layer; only then are widgets touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from addressbook.connectors.base import CancelToken
from addressbook.errors import (
    AddressbookError,
    AuthError,
    Cancelled,
    KeyringUnavailable,
    RateLimited,
    ServiceUnavailable,
)
from addressbook.ui.panes import JobProgress
from addressbook.wording import counted

if TYPE_CHECKING:
    from addressbook.ui.main_window import MainWindow

log = logging.getLogger("addressbook.ui")


@dataclass
class _Job:
    kind: str  # 'sync' | 'push'
    account: str
    cancel: CancelToken
    progress: JobProgress


def describe_error(account: str, error: BaseException) -> tuple[str, str]:
    """(one sentence for the message bar, the details) for a failed job — never a traceback."""
    reason = str(error).strip() or type(error).__name__
    if isinstance(error, ServiceUnavailable):
        return (
            f"{account}: offline — the service could not be reached. Your contacts stay available here.",
            reason,
        )
    if isinstance(error, AuthError):
        return (
            f"{account}: the service refused the sign-in. Open Accounts… to enter the key or sign in again.",
            reason,
        )
    if isinstance(error, RateLimited):
        return (f"{account}: the service asked us to slow down; try again in a minute.", reason)
    if isinstance(error, KeyringUnavailable):
        return (f"{account}: the keyring holding its password cannot be used.", reason)
    if isinstance(error, AddressbookError):
        return (f"{account}: {reason}", reason)
    from addressbook.logs import log_file

    return (
        f"{account}: an internal error stopped the job ({type(error).__name__}).",
        f"This is a bug in addressbook. The details are in the log file:\n{log_file()}",
    )


class JobRunner(QObject):
    """Runs sync and push jobs for the window, at most one of each kind per account."""

    finished = Signal(str, str, object)  # kind, account, result
    failed = Signal(str, str, object)  # kind, account, error
    idle = Signal()  # no job left running

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._jobs: dict[tuple[str, str], _Job] = {}

    def running(self) -> list[tuple[str, str]]:
        """(kind, account) of every job under way."""
        return list(self._jobs)

    def sync(self, names: list[str], full: bool = False) -> None:
        """Pull each named account in a worker of its own."""
        from addressbook.sync.jobs import run_pull

        for name in names:
            account = self._window.accounts.get(name)
            if account is None:
                continue
            self._start(
                "sync",
                name,
                lambda a=account, c=None, p=None: run_pull(a, full, p, c, self._database()),
            )

    def push(self, names: list[str], contact_ids: Collection[int] | None = None) -> None:
        """Send the pending edits of each named account (only `contact_ids` when given)."""
        from addressbook.sync.jobs import run_push

        chosen = None if contact_ids is None else frozenset(contact_ids)
        for name in names:
            account = self._window.accounts.get(name)
            if account is None:
                continue
            self._start(
                "push",
                name,
                lambda a=account, c=None, p=None: run_push(a, p, c, self._database(), chosen),
            )

    def cancel_all(self) -> None:
        """Ask every job to stop (they stop between pages and between contacts)."""
        for job in self._jobs.values():
            job.cancel.cancel()

    def _database(self) -> str:
        return str(self._window.store.path)

    def _start(self, kind: str, account: str, work: Callable[..., Any]) -> None:
        key = (kind, account)
        if key in self._jobs:
            return
        token = CancelToken()
        title = f"{'Syncing' if kind == 'sync' else 'Sending to'} {account}…"
        widget = JobProgress(title)
        widget.cancel_requested.connect(token.cancel)
        self._window.statusBar().addPermanentWidget(widget)
        job = _Job(kind, account, token, widget)
        self._jobs[key] = job
        tasks = self._window.tasks

        def progress(done: int, total: int | None, message: str) -> None:
            # Called in the worker: hand the numbers to the GUI thread.
            tasks.run_on_main(lambda: self._progress(job, done, total, message))

        tasks.run(
            lambda: work(c=token, p=progress),
            lambda result: self._done(job, result),
            lambda error: self._failed(job, error),
        )

    def _progress(self, job: _Job, done: int, total: int | None, message: str) -> None:
        if self._jobs.get((job.kind, job.account)) is job:
            job.progress.update_progress(done, total, f"{job.account}: {message}")
            self._window.schedule_refresh()

    def _end(self, job: _Job) -> None:
        self._jobs.pop((job.kind, job.account), None)
        self._window.statusBar().removeWidget(job.progress)
        job.progress.deleteLater()
        self._window.schedule_refresh()  # off the GUI thread: 100,000 rows take a while to sort

    def _done(self, job: _Job, result: Any) -> None:
        self._window.offline.discard(job.account)
        self._end(job)
        summary = result.summary() if hasattr(result, "summary") else "done"
        self._window.statusBar().showMessage(f"{job.account}: {summary}", 10000)
        refused = getattr(result, "refused", None) or []
        conflicts = getattr(result, "conflicts", None) or []
        if refused:
            details = "\n".join(f"{r.name}: {r.message}" for r in refused)
            self._window.message_bar.show_message(
                f"{job.account}: the service refused {counted(len(refused), 'contact')}; the others were sent.",
                "warning",
                details=details,
            )
        elif conflicts:
            self._window.message_bar.show_message(
                f"{job.account}: {counted(len(conflicts), 'contact')} changed here and on the service. "
                "Select one marked with the red sign and choose Resolve.",
                "conflict",
            )
        self.finished.emit(job.kind, job.account, result)
        self._maybe_idle()

    def _failed(self, job: _Job, error: BaseException) -> None:
        if isinstance(error, ServiceUnavailable):
            self._window.offline.add(job.account)
        self._end(job)
        if isinstance(error, Cancelled):
            self._window.statusBar().showMessage(
                f"{job.account}: cancelled; what was done is kept.", 10000
            )
        else:
            text, details = describe_error(job.account, error)
            self._window.message_bar.show_message(text, "warning", details=details)
        self.failed.emit(job.kind, job.account, error)
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._jobs:
            self.idle.emit()
