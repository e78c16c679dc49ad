"""Sync and push jobs for the window: workers, status-bar progress with Cancel, results.

Each job runs `addressbook.sync.jobs.run_pull/run_push` in a worker thread: its own
SQLite connection, its own connector and HTTP client. Progress and results come back
to the GUI thread through the task layer; only then are widgets touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal

from addressbook.connectors.base import AccountConfig, CancelToken
from addressbook.errors import (
    AddressbookError,
    AuthError,
    KeyringUnavailable,
    RateLimited,
    ServiceUnavailable,
)
from addressbook.i18n import _

if TYPE_CHECKING:
    from addressbook.store import Store
    from addressbook.ui.tasks import TaskManager

log = logging.getLogger("addressbook.ui")


@dataclass
class _Job:
    kind: str  # 'sync' | 'push'
    account: str
    cancel: CancelToken


class JobHost(Protocol):
    """What the runner needs: the accounts, the task layer and the cache file."""

    accounts: dict[str, AccountConfig]
    tasks: TaskManager

    @property
    def store(self) -> Store: ...


def describe_error(account: str, error: BaseException) -> tuple[str, str]:
    """(one sentence for the message bar, the details) for a failed job — never a traceback."""
    reason = str(error).strip() or type(error).__name__
    if isinstance(error, ServiceUnavailable):
        return (
            _(
                "{account}: offline — the service could not be reached. Your contacts stay "
                "available here."
            ).format(account=account),
            reason,
        )
    if isinstance(error, AuthError):
        return (
            _(
                "{account}: the service refused the sign-in. Enter the key again in Accounts, "
                "or sign in again."
            ).format(account=account),
            reason,
        )
    if isinstance(error, RateLimited):
        return (
            _("{account}: the service asked us to slow down; try again in a minute.").format(
                account=account
            ),
            reason,
        )
    if isinstance(error, KeyringUnavailable):
        return (
            _(
                "{account}: the keyring that keeps its password cannot be used. Unlock the "
                "desktop's keyring (or install one), then try again."
            ).format(account=account),
            "",
        )
    if isinstance(error, AddressbookError):
        return (_("{account}: {reason}").format(account=account, reason=reason), reason)
    from addressbook.logs import log_file

    return (
        _("{account}: an internal error stopped the job ({kind}).").format(
            account=account, kind=type(error).__name__
        ),
        _("This is a bug in addressbook. The details are in the log file:\n{path}").format(
            path=log_file()
        ),
    )


def error_fix(error: BaseException, needs_login: bool = False) -> str:
    """What a button could do about a failed job: 'login', 'accounts' or ''."""
    if isinstance(error, AuthError):
        return "login" if needs_login else "accounts"
    if isinstance(error, KeyringUnavailable):
        return "accounts"
    return ""


class JobRunner(QObject):
    """Runs sync and push jobs, at most one of each kind per account; reports by signals.

    The runner touches no widget: the window listens to `started`, `progressed`,
    `finished`, `failed` and `idle` and updates itself.
    """

    started = Signal(str, str)  # kind, account
    progressed = Signal(str, str, int, object, str)  # kind, account, done, total|None, message
    finished = Signal(str, str, object)  # kind, account, result
    failed = Signal(str, str, object)  # kind, account, error
    idle = Signal()  # no job left running

    def __init__(self, host: JobHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._jobs: dict[tuple[str, str], _Job] = {}

    def running(self) -> list[tuple[str, str]]:
        """(kind, account) of every job under way."""
        return list(self._jobs)

    def sync(self, names: list[str], full: bool = False) -> None:
        """Pull each named account in a worker of its own."""
        from addressbook.sync.jobs import run_pull

        for name in names:
            account = self._host.accounts.get(name)
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
            account = self._host.accounts.get(name)
            if account is None:
                continue
            self._start(
                "push",
                name,
                lambda a=account, c=None, p=None: run_push(a, p, c, self._database(), chosen),
            )

    def cancel(self, kind: str, account: str) -> None:
        """Ask one job to stop (between pages and between contacts)."""
        job = self._jobs.get((kind, account))
        if job is not None:
            job.cancel.cancel()

    def cancel_all(self) -> None:
        """Ask every job to stop (they stop between pages and between contacts)."""
        for job in self._jobs.values():
            job.cancel.cancel()

    def _database(self) -> str:
        return str(self._host.store.path)

    def _start(self, kind: str, account: str, work: Callable[..., Any]) -> None:
        key = (kind, account)
        if key in self._jobs:
            return
        token = CancelToken()
        job = _Job(kind, account, token)
        self._jobs[key] = job
        tasks = self._host.tasks
        self.started.emit(kind, account)

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
            self.progressed.emit(job.kind, job.account, done, total, message)

    def _done(self, job: _Job, result: Any) -> None:
        self._jobs.pop((job.kind, job.account), None)
        self.finished.emit(job.kind, job.account, result)
        self._maybe_idle()

    def _failed(self, job: _Job, error: BaseException) -> None:
        self._jobs.pop((job.kind, job.account), None)
        self.failed.emit(job.kind, job.account, error)
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._jobs:
            self.idle.emit()
