"""OAuth 2.0 for a desktop app: authorization code with PKCE, a loopback listener, tokens.

Glossary:
- *verifier* / *challenge*: PKCE (RFC 7636). The app keeps a random verifier and sends
  its SHA-256 (S256) in the authorize URL; the code exchange proves it holds the verifier,
  so no client secret is needed (a desktop app cannot keep one).
- *loopback listener*: a one-shot HTTP server on 127.0.0.1 that receives the browser's
  redirect to `http://localhost:PORT/callback?code=…&state=…` (RFC 8252).
- *rotation*: every refresh answers a new refresh token and the old one stops working.
  The refresh token lives only in the keyring; the access token only in memory.
- *single-flight*: one refresh at a time per account, across threads (a lock) and
  processes (a file lock under the cache dir). Inside the lock the refresh token is
  re-read from the keyring, because another process may have rotated it meanwhile.

The protocol pieces (challenge, authorize URL, token request bodies) come from authlib's
transport-free helpers; the HTTP itself goes through `connectors/http.py` (see
`XeroConnector`). authlib's `OAuth2Client` is not used: it is its own `httpx.Client`
(bypassing the one place clients are made), its httpx integration warns as deprecated
on import, and its refresh hook has no cross-process lock or keyring re-read.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import queue
import secrets
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from addressbook.connectors.base import CancelToken, SecretSource
from addressbook.errors import AuthError, BadAnswer, ServiceUnavailable
from addressbook.i18n import _, catalog_language
from addressbook.logs import redact

log = logging.getLogger("addressbook.connectors.oauth")

REFRESH_TOKEN_KEY = "refresh_token"
EXPIRY_MARGIN = 60.0  # refresh this long before the access token's end (clock skew, slow calls)
LOCK_TIMEOUT = 120.0  # a refresh is one HTTP call: a lock held longer is a stuck process


# --- PKCE and the authorize URL ------------------------------------------------------------
def new_code_verifier() -> str:
    """A fresh PKCE code verifier: 64 URL-safe characters (RFC 7636 allows 43–128)."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: base64url(SHA-256(verifier)), unpadded."""
    return str(create_s256_code_challenge(verifier))


def new_state() -> str:
    """An unguessable `state`, checked on the way back to refuse forged redirects."""
    return secrets.token_urlsafe(24)


def authorize_url(
    base: str, client_id: str, redirect_uri: str, scope: str, state: str, challenge: str
) -> str:
    """The URL the browser opens to sign in (response_type=code, S256 challenge)."""
    return str(
        prepare_grant_uri(
            base,
            client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )


def code_exchange_body(code: str, redirect_uri: str, client_id: str, verifier: str) -> str:
    """The form body that trades an authorization code (and the verifier) for tokens."""
    return str(
        prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            client_id=client_id,
            code_verifier=verifier,
        )
    )


def refresh_body(refresh_token: str, client_id: str) -> str:
    """The form body that trades a refresh token for new tokens."""
    return str(
        prepare_token_request("refresh_token", refresh_token=refresh_token, client_id=client_id)
    )


# --- token answers -------------------------------------------------------------------------
@dataclass
class TokenAnswer:
    """What the token endpoint answered."""

    access_token: str
    refresh_token: str | None
    expires_in: float


class TokenRefused(AuthError):
    """The token endpoint refused the grant (`error` holds its code, e.g. invalid_grant)."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


def parse_token_answer(status: int, content_type: str, body: bytes) -> TokenAnswer:
    """Read the token endpoint's answer; TokenRefused for an OAuth error, BadAnswer if garbled."""
    data = _decode_token_body(content_type, body)
    if status >= 400 or "error" in data:
        error = str(data.get("error") or f"http_{status}")
        if status >= 500 and "error" not in data:
            raise ServiceUnavailable(
                _("The sign-in service answered {status}; try again later.").format(status=status)
            )
        raise TokenRefused(
            _("The sign-in service refused the sign-in ({error}).").format(error=error), error
        )
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise BadAnswer(_("The sign-in service answered without an access token."))
    refresh = data.get("refresh_token")
    redact(access)
    redact(refresh if isinstance(refresh, str) else None)
    try:
        expires_in = float(data.get("expires_in") or 1800)
    except (TypeError, ValueError):
        expires_in = 1800.0
    return TokenAnswer(access, refresh if isinstance(refresh, str) else None, expires_in)


def _decode_token_body(content_type: str, body: bytes) -> dict[str, Any]:
    """JSON normally; OAuth errors may come form-encoded (SERVICES.md); a BOM is allowed."""
    text = body.decode("utf-8-sig", "replace").strip()
    if "json" in content_type or text.startswith("{"):
        from addressbook.connectors import jsonread

        try:
            data = jsonread.loads(
                text.encode("utf-8"), service=_("The sign-in service"), what=_("a token")
            )
        except BadAnswer:
            try:  # not JSON at all: say so without the "(a token)" (any language)
                json.loads(text)
            except ValueError:
                raise BadAnswer(_("The sign-in service's answer is not valid JSON.")) from None
            except RecursionError:
                pass
            raise
        if not isinstance(data, dict):
            raise BadAnswer(_("The sign-in service's answer is not a JSON object."))
        return data
    if "=" in text:
        return {k: v[0] for k, v in parse_qs(text).items()}
    return {}


# --- the loopback listener -----------------------------------------------------------------
_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>addressbook</title>
</head><body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>
"""


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # the query holds the authorization code: never log it

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        if parts.path != self.server.callback_path:
            self._answer(404, _("Not found"), _("This address is not part of the sign-in."))
            return
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if "error" in params:
            self._answer(
                200,
                _("Sign-in not completed"),
                _("You can close this window and return to addressbook."),
            )
        elif params.get("state") != self.server.expected_state:
            self._answer(
                400, _("Sign-in refused"), _("This answer does not belong to the sign-in.")
            )
        else:
            self._answer(
                200, _("Signed in"), _("You can close this window and return to addressbook.")
            )
        self.server.answers.put(params)

    def _answer(self, status: int, title: str, text: str) -> None:
        lang = catalog_language() or "en"
        body = _PAGE.format(lang=lang, title=html.escape(title), text=html.escape(text)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _CallbackServer(HTTPServer):
    def __init__(self, port: int, callback_path: str, expected_state: str) -> None:
        super().__init__(("127.0.0.1", port), _CallbackHandler)
        self.callback_path = callback_path
        self.expected_state = expected_state
        self.answers: queue.Queue[dict[str, str]] = queue.Queue()


class LoopbackListener:
    """Waits for the browser's redirect on http://localhost:PORT/callback (a thread).

    with LoopbackListener(state) as listener:
        open_url(authorize_url(..., listener.redirect_uri, ...))
        code = listener.wait_for_code(timeout=300, cancel=cancel)
    """

    callback_path = "/callback"

    def __init__(self, state: str, port: int = 0) -> None:
        self.state = state
        try:
            self._server = _CallbackServer(port, self.callback_path, state)
        except OSError as error:
            raise AuthError(
                _(
                    "Cannot listen on port {port} for the browser's answer ({reason}); "
                    "close the program using it or choose another redirect_port."
                ).format(port=port, reason=error.strerror)
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="oauth-loopback",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register and send: Xero wants `http://localhost:PORT/…`."""
        return f"http://localhost:{self.port}{self.callback_path}"

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for_code(self, timeout: float, cancel: CancelToken | None = None) -> str:
        """The authorization code the browser brought back; AuthError if refused or too late."""
        deadline = time.monotonic() + timeout
        while True:
            if cancel is not None:
                cancel.check()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AuthError(
                    _(
                        "No answer from the browser within {seconds} s; run the sign-in again "
                        "and finish it in the browser (or open the printed address yourself)."
                    ).format(seconds=f"{timeout:g}")
                )
            try:
                params = self._server.answers.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            return self._code_from(params)

    def _code_from(self, params: dict[str, str]) -> str:
        error = params.get("error")
        if error == "access_denied":
            raise AuthError(_("You declined the sign-in in the browser; nothing was connected."))
        if error:
            description = params.get("error_description") or error
            raise AuthError(
                _("The sign-in failed in the browser: {reason}.").format(reason=description)
            )
        if not secrets.compare_digest(params.get("state", ""), self.state):
            raise AuthError(
                _(
                    "The browser's answer does not belong to this sign-in (its state differs); "
                    "run the sign-in again."
                )
            )
        code = params.get("code")
        if not code:
            raise AuthError(_("The browser's answer carried no authorization code; try again."))
        redact(code)
        return code


# --- locks ---------------------------------------------------------------------------------
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(key: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def lock_path(key: str) -> Path:
    """The lock file of an account's refresh, under the cache dir (the name is hashed)."""
    from addressbook import paths

    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return paths.cache_dir() / f"oauth-{digest}.lock"


@contextmanager
def _file_lock(path: Path, timeout: float, cancel: CancelToken | None) -> Iterator[None]:
    """An exclusive lock on a file shared by every process of this user (flock / msvcrt)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if cancel is not None:
                cancel.check()
            if time.monotonic() > deadline:
                raise ServiceUnavailable(
                    _(
                        "Another addressbook process has been renewing the sign-in for too long; "
                        "close it and try again."
                    )
                )
            time.sleep(0.02)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


# --- the token store -----------------------------------------------------------------------
Refresher = Callable[[str], TokenAnswer]


class TokenStore:
    """An account's tokens: refresh token in the keyring, access token in memory.

    `refresher(refresh_token)` calls the token endpoint. Refreshes are single-flight per
    `lock_key` across threads and processes; the rotated refresh token is written to the
    keyring before the new access token is handed to anyone.
    """

    def __init__(
        self,
        secrets_source: SecretSource,
        lock_key: str,
        refresher: Refresher,
        label: str,
        account_name: str,
        cancel: CancelToken | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secrets = secrets_source
        self.lock_key = lock_key
        self.refresher = refresher
        self.label = label
        self.account_name = account_name
        self.cancel = cancel
        self.clock = clock
        self._access: str | None = None
        self._expires_at = 0.0
        self.refresh_count = 0  # refreshes this store made (tests, diagnostics)

    def _fresh(self) -> str | None:
        if self._access and self.clock() < self._expires_at - EXPIRY_MARGIN:
            return self._access
        return None

    def access_token(self) -> str:
        """A usable access token, refreshing first if there is none or it is about to end."""
        return self._fresh() or self.refresh(stale=self._access)

    def refresh(self, stale: str | None) -> str:
        """Renew the access token unless someone already replaced `stale`; return the new one."""
        with self.locked():
            current = self._fresh()
            if current is not None and current != stale:
                return current  # another thread of this store renewed it while we waited
            # Re-read inside the lock: another process may have rotated the token meanwhile.
            refresh_token = self.secrets.get(REFRESH_TOKEN_KEY)
            if not refresh_token:
                raise AuthError(
                    _(
                        "The {service} account {account} is not signed in; run "
                        "`addressbook accounts login {account}`."
                    ).format(service=self.label, account=self.account_name)
                )
            redact(refresh_token)
            try:
                answer = self.refresher(refresh_token)
            except TokenRefused as error:
                if error.error in ("invalid_grant", "unauthorized_client", "invalid_client"):
                    raise AuthError(
                        _(
                            "{service} no longer accepts this sign-in; run `addressbook accounts "
                            "login {account}` again (your pending edits are kept)."
                        ).format(service=self.label, account=self.account_name)
                    )
                # Any other refusal (a bare 400, an HTML page): still the user's next step.
                raise AuthError(
                    _(
                        "{service} refused to renew the sign-in of account {account} "
                        "({error}); run `addressbook accounts login {account}` "
                        "again (your pending edits are kept)."
                    ).format(service=self.label, account=self.account_name, error=error.error)
                )
            self.install(answer)
            return answer.access_token

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the account's refresh lock (this process's threads, then other processes)."""
        with (
            _thread_lock(self.lock_key),
            _file_lock(lock_path(self.lock_key), LOCK_TIMEOUT, self.cancel),
        ):
            yield

    def signed_in(self, answer: TokenAnswer) -> None:
        """Keep the tokens of a new sign-in (under the lock: a refresh may be running)."""
        with self.locked():
            self.install(answer)

    def install(self, answer: TokenAnswer) -> None:
        """Keep new tokens: the refresh token to the keyring FIRST, then the access token."""
        if answer.refresh_token:
            redact(answer.refresh_token)
            self.secrets.set(REFRESH_TOKEN_KEY, answer.refresh_token)
        redact(answer.access_token)
        self._access = answer.access_token
        self._expires_at = self.clock() + answer.expires_in
        self.refresh_count += 1

    def forget_access_token(self) -> None:
        """Drop the in-memory access token (the next call refreshes)."""
        self._access = None
        self._expires_at = 0.0

    def expire_now(self) -> None:
        """Treat the access token as expired (tests; a 401 path)."""
        self._expires_at = 0.0


class BearerAuth(httpx.Auth):
    """Adds the bearer token; on a 401, renews it once (single-flight) and retries."""

    # The body is never read here: a 401 is closed unread (a hostile 401 of a gigabyte
    # costs nothing), and every other answer goes back to HttpClient with its body unread,
    # to be read under its caps.
    requires_response_body = False

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.store.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            response._content = b""  # httpx reads a replaced answer: nothing left to read
            response.close()  # release the connection before refreshing
            log.info("access token refused (401): renewing it once")
            token = self.store.refresh(stale=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
