"""Pull and push jobs for one account, each with its own cache connection and connector.

The window runs these in worker threads (a thread must not share a SQLite connection or
an HTTP client with another); the command line runs them one account after another.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from addressbook.connectors.base import AccountConfig, CancelToken, Connector
from addressbook.store import Store
from addressbook.sync.progress import Progress
from addressbook.sync.pull import PullResult, pull
from addressbook.sync.push import PushResult, push


@contextmanager
def open_connector(
    account: AccountConfig, cancel: CancelToken | None = None
) -> Iterator[Connector]:
    """The account's connector, reading its secrets from the keyring; closed afterwards."""
    from addressbook.accounts import KeyringSecrets
    from addressbook.connectors import make_connector

    connector = make_connector(account, KeyringSecrets(account.name), cancel or CancelToken())
    try:
        yield connector
    finally:
        connector.close()


def _open_store(database: str | Path | None) -> Store:
    return Store(database) if database is not None else Store.default()


def run_pull(
    account: AccountConfig,
    full: bool = False,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    database: str | Path | None = None,
) -> PullResult:
    """Pull one account in the calling thread, with a connection and connector of its own."""
    cancel = cancel or CancelToken()
    with _open_store(database) as store, open_connector(account, cancel) as connector:
        return pull(store, connector, full=full, progress=progress, cancel=cancel)


def run_push(
    account: AccountConfig,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    database: str | Path | None = None,
    contact_ids: Collection[int] | None = None,
) -> PushResult:
    """Push one account in the calling thread, with a connection and connector of its own.

    `contact_ids`: send only the pending edits of these contacts (None: all of them).
    """
    cancel = cancel or CancelToken()
    with _open_store(database) as store, open_connector(account, cancel) as connector:
        return push(store, connector, progress=progress, cancel=cancel, contact_ids=contact_ids)
