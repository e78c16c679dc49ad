"""The error tree shared by every layer.

    AddressbookError            an error of the user's world: one clear sentence, no traceback
    ├── StoreError              the cache file cannot be used
    │   └── NewerSchemaError    the file was written by a newer addressbook
    ├── InterchangeError        a vCard/CSV file cannot be imported
    ├── AccountError            unknown account, bad settings, a refused URL
    ├── KeyringUnavailable      no usable keyring backend
    ├── Cancelled               the user cancelled (not a failure of the service)
    └── ConnectorError          talking to a service failed (see addressbook.connectors.base)
        ├── AuthError           bad or expired credentials: sign in again
        ├── ServiceUnavailable  down, unreachable, timed out, cut off
        ├── RateLimited         the service's limit was hit and waiting did not help
        ├── ValidationRefused   the service (or our check before sending) refused a contact
        ├── NotFound            the record is not on the service (deleted there)
        └── BadAnswer           malformed, truncated, hostile or oversized answer

A ConnectorError carries its context the way httpx's errors carry their request:
`error.account` (the account's name) and `error.doing` (what was being done: "reading
the contacts", "sending 50 contacts") are set where the error is made, or by
`with_context` on its way out of a connector, never as ad-hoc attributes.

Anything else raised is a bug: it is logged with its traceback and shown as such.
"""

from __future__ import annotations


class AddressbookError(Exception):
    """An error the user can act on; str(error) is one sentence saying what to do."""


class UsageError(AddressbookError):
    """The command was used wrongly (exit status 2)."""


class StoreError(AddressbookError):
    """The cache file cannot be opened or written."""


class NewerSchemaError(StoreError):
    """The cache file was written by a newer version of addressbook."""


class EditMoved(StoreError):
    """Fields of an edit changed underneath since the user looked (nothing was written).

    `fields` holds one FieldConflict per moved field: base = the value the user saw,
    local = the value the user wants, remote = the value there now.
    """

    def __init__(self, message: str, fields: list | None = None):  # type: ignore[type-arg]
        super().__init__(message)
        self.fields = list(fields or [])


class InterchangeError(AddressbookError):
    """A vCard or CSV file cannot be read or written."""


class AccountError(AddressbookError):
    """An account is unknown or its settings are unusable."""


class KeyringUnavailable(AddressbookError):
    """No usable keyring backend exists on this machine."""


class Cancelled(AddressbookError):
    """The user cancelled the job (what was done is kept); not a failure of the service."""


class ConnectorError(AddressbookError):
    """Talking to a service failed.

    `account` and `doing` say where: the account's name and what was being done, both
    None when not known (yet). `with_context` fills the ones still missing.
    """

    account: str | None = None
    doing: str | None = None

    def with_context(self, account: str | None = None, doing: str | None = None) -> ConnectorError:
        """Fill in the context not set yet; returns the error itself (for `raise e.with_context()`)."""
        if self.account is None and account is not None:
            self.account = account
        if self.doing is None and doing is not None:
            self.doing = doing
        return self


class AuthError(ConnectorError):
    """The service refused the credentials: the user must sign in (or enter the key) again."""


class ServiceUnavailable(ConnectorError):
    """The service could not be reached, timed out, or is down."""


class RateLimited(ConnectorError):
    """The service's rate limit was hit and waiting as asked did not help (or would take too long)."""

    def __init__(self, message: str, retry_after: float | None = None, limit: str | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.limit = limit


class ValidationRefused(ConnectorError):
    """The service refused a contact, or our check found what it would refuse."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


class NotFound(ConnectorError):
    """The record is not (or no longer) on the service."""


class BadAnswer(ConnectorError):
    """The service's answer was malformed, truncated, hostile or too large."""
