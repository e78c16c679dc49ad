"""The one place an `httpx.Client` is made: timeouts, pacing, safe retries, secret-free logs.

API (what connectors use)::

    from addressbook.connectors.http import HttpClient, HttpSettings, require_secure_url

    settings = HttpSettings.from_settings(account.settings, max_calls=95, per_seconds=15)
    client = HttpClient(
        account.url,                      # base URL; https unless loopback (else AccountError)
        service="Harvest",                # the service's name in messages
        account=account.name,
        settings=settings,
        auth=("email", "password"),       # (user, password) → basic auth, or any httpx.Auth
        headers={"Accept": "application/xml"},
        params={"apiKey": key},           # query-parameter secrets sent with every request
        secrets=[password],               # extra values to keep out of logs and messages
        cancel=cancel_token,
        auth_message="Harvest refused …; enter them again with `addressbook accounts add`.",
        limit_description="100 calls per 15 seconds",
        throttle_statuses=(429, 503),     # statuses that mean "rate limited" (with Retry-After)
        on_response=hook,                 # called with every httpx.Response (headers only)
    )
    response = client.request("GET", "/contacts/9")          # body read (size-capped)
    response = client.request("POST", "/contacts", content=body, safe=False)
    with client.stream("GET", "/contacts") as response:       # body not read yet
        for chunk in client.iter_bytes(response): ...         # cut-off → ServiceUnavailable
    client.pause(seconds)                 # hold every request of this account (e.g. from a hook)
    client.close()

What `request`/`stream` do for you:
- pacing: at most `max_calls` sends per `per_seconds` (sliding window) and at most
  `max_in_flight` requests at once, per HttpClient (one per account);
- 401/403 → AuthError(auth_message); 429, and 503 with Retry-After, are the rate limit;
- a *safe* request (default: GET/HEAD; pass `safe=True` for read-only POSTs or writes
  that carry an idempotency key) is retried: after the time `Retry-After` asks
  (seconds or an HTTP date), or with exponential backoff and jitter after a connection
  error, a timeout or a 502/503/504 — until `give_up_seconds` have passed, then a
  RateLimited/ServiceUnavailable sentence naming the limit and the time waited;
  while the host cannot be reached at all (connection refused, unknown name, no route,
  no connection accepted within `connect_timeout`) the bound is the shorter
  `connect_give_up_seconds`, so an offline computer hears "offline" within seconds;
  a wait longer than `give_up_seconds` is not slept at all: that request, and every
  later one while the account's pause lasts, fails at once naming the wait;
- redirects are not followed (the connector reads the 3xx and refuses it with a
  sentence): a followed POST turns into a GET, and the account's URL should be fixed;
- a body read by request() must arrive within `answer_seconds` (a server trickling
  a byte at a time never trips the read timeout); a compressed body that does not
  decompress is a BadAnswer;
- an unsafe request is never retried: the same errors are raised at once;
- every other status (2xx, 3xx, 400, 404, 422 …) is returned for the connector to read;
  other 5xx raise ServiceUnavailable;
- waits go through the CancelToken, so a cancel ends them with Cancelled;
- logs (logger 'addressbook.http'): method, URL with secrets replaced by ***, status,
  milliseconds. Never headers, never bodies. Exception messages carry no secrets.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from addressbook import __version__
from addressbook.connectors.base import HTTP_SETTING_KEYS, CancelToken
from addressbook.errors import (
    AccountError,
    AuthError,
    BadAnswer,
    ConnectorError,
    RateLimited,
    ServiceUnavailable,
)
from addressbook.logs import quiet_libraries, redact, scrub

log = logging.getLogger("addressbook.http")

PROJECT_URL = "https://github.com/addressbook/addressbook"
USER_AGENT = f"addressbook/{__version__} (+{PROJECT_URL})"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
# Account settings (`accounts add --set KEY=VALUE`) that tune the HTTP layer.
SETTING_KEYS = HTTP_SETTING_KEYS
_SECRET_MARK = "***"


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts, pacing and retry bounds of one HttpClient."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    give_up_seconds: float = 120.0  # total time one request may spend waiting and retrying
    # ...while the host cannot be reached at all: offline is said soon, a slow service waited for
    connect_give_up_seconds: float = 10.0
    max_calls: int | None = None  # at most this many sends per `per_seconds` (None: no pacing)
    per_seconds: float = 1.0
    max_in_flight: int = 4
    backoff_base: float = 0.5  # first backoff after a connection error, doubled each time
    backoff_max: float = 20.0
    max_answer_bytes: int = 16 * 1024 * 1024  # a body read whole by request(); stream() has none
    answer_seconds: float = 300.0  # a body read whole by request() must arrive within this

    @classmethod
    def from_settings(cls, settings: Mapping[str, str], **defaults: Any) -> HttpSettings:
        """Defaults (the connector's) overridden by the account's SETTING_KEYS."""
        overrides: dict[str, Any] = dict(defaults)
        for key in SETTING_KEYS:
            raw = settings.get(key)
            if raw is None or raw == "":
                continue
            try:
                value = float(raw)
            except ValueError:
                raise AccountError(f"The setting {key} must be a number of seconds, not {raw!r}.")
            if value <= 0:
                raise AccountError(f"The setting {key} must be more than 0 seconds.")
            overrides[key] = value
        return replace(cls(), **overrides)

    def describe(self) -> dict[str, Any]:
        """The settings as a dict (for logs and tests)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, service: str = "The service") -> str:
    """The URL without a trailing slash; AccountError unless https, or http on loopback."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountError(f"{service} URL {scrub_url(url)!r} is not a web address (https://…).")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise AccountError(
            f"{service} URL {scrub_url(url)} is not https; only https is allowed "
            "(plain http only on this computer, e.g. 127.0.0.1)."
        )
    return url.strip().rstrip("/")


def scrub_url(url: str | httpx.URL, secret_params: Iterable[str] = ()) -> str:
    """The URL for a log or a message: no user info, secret query values replaced."""
    parsed = httpx.URL(str(url)) if not isinstance(url, httpx.URL) else url
    names = {name.lower() for name in secret_params}
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if parsed.query and names:
        pairs = [
            (k, _SECRET_MARK if k.lower() in names else v) for k, v in parsed.params.multi_items()
        ]
        parsed = parsed.copy_with(params=pairs)
    return scrub(str(parsed))


def _base_for_messages(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # never user info
    return scrub(urlunsplit((parts.scheme, host, parts.path, "", "")))


def redirect_target(response: httpx.Response) -> str:
    """Where a 3xx answer points, for a sentence: absolute, no user info, no query."""
    location = response.headers.get("Location", "").strip()
    if not location:
        return "(no Location given)"
    try:
        target = response.request.url.join(location)
    except (httpx.InvalidURL, RuntimeError):
        return "(an unreadable Location)"
    return scrub(str(target.copy_with(query=None, fragment=None, username=None, password=None)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000": an HTTP date is GMT, never the local time
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class _Pacer:
    """A sliding window of send times, plus an account-wide pause (Retry-After)."""

    def __init__(self, max_calls: int | None, per_seconds: float) -> None:
        self.max_calls = max_calls
        self.per_seconds = per_seconds
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def paused_for(self) -> float:
        """Seconds left of the account-wide pause (0 if none)."""
        with self._lock:
            return max(0.0, self._paused_until - time.monotonic())

    def reserve(self) -> float:
        """Take a send slot now (return 0) or say how long to wait before asking again."""
        with self._lock:
            now = time.monotonic()
            if now < self._paused_until:
                return self._paused_until - now
            if self.max_calls is None:
                return 0.0
            while self._sent and self._sent[0] <= now - self.per_seconds:
                self._sent.popleft()
            if len(self._sent) >= self.max_calls:
                return self._sent[0] + self.per_seconds - now
            self._sent.append(now)
            return 0.0


class HttpClient:
    """One account's HTTP client (see the module docstring for the whole API)."""

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        account: str,
        settings: HttpSettings | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        secrets: Iterable[str | None] = (),
        cancel: CancelToken | None = None,
        auth_message: str | None = None,
        limit_description: str | None = None,
        throttle_statuses: tuple[int, ...] = (429,),
        on_response: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self.base_url = require_secure_url(base_url, service)
        self.service = service
        self.account = account
        self.settings = settings or HttpSettings()
        self.cancel = cancel or CancelToken()
        self.auth_message = auth_message or (
            f"{service} refused the credentials of account {account}; "
            "enter them again with `addressbook accounts add`."
        )
        self.limit_description = limit_description
        self.throttle_statuses = frozenset(throttle_statuses)
        self.on_response = on_response
        self._secret_params = dict(params or {})
        self._register_secrets(auth, secrets)
        self._pacer = _Pacer(self.settings.max_calls, self.settings.per_seconds)
        self._in_flight = threading.BoundedSemaphore(max(1, self.settings.max_in_flight))
        self._pause_reason: _Failure | None = None  # the answer that paused the account
        self.calls = 0  # requests sent (for tests and benchmarks)
        self.waited_seconds = 0.0  # time spent in pacing and Retry-After waits
        quiet_libraries()  # httpx's own INFO lines carry full URLs, keys included
        self._client = httpx.Client(
            auth=httpx.BasicAuth(*auth) if isinstance(auth, tuple) else auth,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx.Timeout(
                self.settings.read_timeout,
                connect=self.settings.connect_timeout,
                pool=self.settings.give_up_seconds,
            ),
            follow_redirects=False,
            # a proxy from the environment is fine for the real services, never for loopback
            trust_env=not is_loopback(urlsplit(self.base_url).hostname or ""),
        )

    def _register_secrets(
        self, auth: httpx.Auth | tuple[str, str] | None, secrets: Iterable[str | None]
    ) -> None:
        values = [*secrets, *self._secret_params.values()]
        if isinstance(auth, tuple):
            values.append(auth[1])
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            values.append(token)
        for value in values:
            if value:
                redact(value)
                redact(str(httpx.URL("http://x/", params={"k": value}).params).split("=", 1)[1])

    # --- the public API ---------------------------------------------------------------
    def url_for(self, path: str) -> str:
        """The absolute URL of a path under the base URL (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def pause(self, seconds: float) -> None:
        """Hold every request of this account for `seconds` (a service asked us to wait)."""
        if seconds > 0:
            self._pacer.pause(seconds)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """Send one request (retrying where safe) and read its body (at most max_bytes)."""
        limit = max_bytes or self.settings.max_answer_bytes
        with self._slot():
            response = self._send(method, path, params, content, headers, safe)
            deadline = time.monotonic() + self.settings.answer_seconds
            try:
                body = bytearray()
                for chunk in self.iter_bytes(response):
                    body += chunk
                    if len(body) > limit:
                        raise BadAnswer(
                            f"The answer from {self.service} is larger than "
                            f"{limit // (1024 * 1024)} MB; refused."
                        )
                    if time.monotonic() > deadline:
                        raise ServiceUnavailable(
                            f"The answer from {self.service} arrived too slowly (not complete "
                            f"after {self.settings.answer_seconds:g} seconds); try again later."
                        )
            finally:
                response.close()
        response._content = bytes(body)  # httpx's own attribute: makes .content/.text work
        return response

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
    ) -> Iterator[httpx.Response]:
        """Send one request (retrying where safe); yield the answer with its body unread."""
        with self._slot():
            response = self._send(method, path, params, content, headers, safe)
            try:
                yield response
            finally:
                response.close()

    def iter_bytes(self, response: httpx.Response) -> Iterator[bytes]:
        """The body in chunks; a connection cut or stalled mid-answer → ServiceUnavailable."""
        try:
            yield from response.iter_bytes()
        except httpx.TimeoutException:
            raise ServiceUnavailable(
                f"{self.service} stopped sending its answer for {self.settings.read_timeout:g} "
                "seconds; try again later."
            ) from None
        except httpx.DecodingError:
            encoding = response.headers.get("Content-Encoding", "?")
            raise BadAnswer(
                f"{self.service} sent a compressed answer ({scrub(encoding)[:20]}) that could "
                "not be decompressed; try again."
            ) from None
        except httpx.TransportError as error:
            log.info("%s answer cut off: %s", self.service, scrub(type(error).__name__))
            raise ServiceUnavailable(
                f"The answer from {self.service} was cut off; try again."
            ) from None

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the machinery ----------------------------------------------------------------
    @contextmanager
    def _slot(self) -> Iterator[None]:
        while not self._in_flight.acquire(timeout=0.1):
            self.cancel.check()
        try:
            yield
        finally:
            self._in_flight.release()

    def _wait_for_turn(self) -> None:
        while True:
            self.cancel.check()
            held = self._pacer.paused_for()
            if held > self.settings.give_up_seconds:
                # never sleep hours on the service's word: say so and let the user come back
                reason = self._pause_reason or _Failure(None, rate_limited=True)
                raise self._too_long_error(replace(reason, retry_after=held))
            delay = self._pacer.reserve()
            if delay <= 0:
                return
            self.waited_seconds += delay
            self.cancel.wait(delay)

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        content: bytes | str | None,
        headers: Mapping[str, str] | None,
        safe: bool | None,
    ) -> httpx.Response:
        method = method.upper()
        safe = method in SAFE_METHODS if safe is None else safe
        all_params = {**self._secret_params, **(params or {})}
        request = self._client.build_request(
            method, self.url_for(path), params=all_params or None, content=content, headers=headers
        )
        started: float | None = None  # the give-up clock starts at the first send
        unreachable_since: float | None = None  # the first of the latest unbroken unreachables
        attempt = 0
        while True:
            self._wait_for_turn()
            sent = time.monotonic()
            started = sent if started is None else started
            response, error = self._attempt(request)
            if response is not None:
                try:
                    error = self._judge(response)
                except BaseException:
                    response.close()
                    raise
                if error is None:
                    return response
                response.close()
            assert error is not None
            attempt += 1
            if not error.unreachable:
                unreachable_since = None
            elif unreachable_since is None:
                unreachable_since = sent
            delay = self._retry_delay(error, safe, attempt, started, unreachable_since)
            self.waited_seconds += delay
            self.cancel.wait(delay)

    def _attempt(self, request: httpx.Request) -> tuple[httpx.Response | None, _Failure | None]:
        """Send once: the answer (headers read), or the failure to judge."""
        sent = time.monotonic()
        self.calls += 1
        log_url = scrub_url(request.url, self._secret_params)
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as error:
            log.info("%s %s -> timeout after %.0f ms", request.method, log_url, _ms(sent))
            return None, _Failure(
                self._timeout_error(error), unreachable=isinstance(error, httpx.ConnectTimeout)
            )
        except httpx.TransportError as error:
            log.info(
                "%s %s -> %s after %.0f ms",
                request.method,
                log_url,
                type(error).__name__,
                _ms(sent),
            )
            return None, _Failure(
                self._transport_error(error), unreachable=isinstance(error, httpx.ConnectError)
            )
        log.info("%s %s -> %d in %.0f ms", request.method, log_url, response.status_code, _ms(sent))
        if self.on_response is not None:
            try:
                self.on_response(response)
            except BaseException:
                response.close()  # a hook that refuses the answer must not leak the connection
                raise
        return response, None

    def _judge(self, response: httpx.Response) -> _Failure | None:
        """None if the connector should read this answer, else the failure it means."""
        status = response.status_code
        if status in (401, 403):
            raise AuthError(self.auth_message)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429 or (status in self.throttle_statuses and retry_after is not None):
            failure = _Failure(None, retry_after=retry_after, rate_limited=True, status=status)
            if retry_after is not None:
                self._pause_for(failure)  # every call waits: a throttled call restarts it
            return failure
        if status in RETRY_STATUSES:
            failure = _Failure(None, retry_after=retry_after, status=status)
            if retry_after is not None:
                self._pause_for(failure)
            return failure
        if status >= 500:
            raise ServiceUnavailable(
                f"{self.service} failed with HTTP status {status} for account {self.account}; "
                "try again later."
            )
        return None

    def _pause_for(self, failure: _Failure) -> None:
        assert failure.retry_after is not None
        self._pause_reason = failure
        self._pacer.pause(failure.retry_after)

    def _retry_delay(
        self,
        failure: _Failure,
        safe: bool,
        attempt: int,
        started: float,
        unreachable_since: float | None = None,
    ) -> float:
        """How long to wait before the next attempt; raises when no retry is allowed."""
        now = time.monotonic()
        waited = now - started
        budget = self.settings.give_up_seconds - waited
        if unreachable_since is not None:
            # nobody answers at all: most likely offline, and the user is waiting to hear so
            offline = self.settings.connect_give_up_seconds - (now - unreachable_since)
            budget = min(budget, offline)
        if failure.retry_after is not None:
            delay = failure.retry_after
        else:
            delay = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
            delay *= random.uniform(0.5, 1.0)  # jitter: accounts sharing a limit spread out
        # A hold the connector put on the account (a 429 without Retry-After) delays the
        # retry as much: it counts against the give-up time like any other wait.
        delay = max(delay, self._pacer.paused_for())
        if not safe:
            raise self._final_error(failure, waited, retried=False)
        if delay > budget:
            if failure.retry_after is not None and waited < 1:
                raise self._too_long_error(failure)
            raise self._final_error(failure, waited, retried=True)
        log.info("%s: retrying in %.1f s (attempt %d)", self.service, delay, attempt + 1)
        return delay

    # --- error sentences ----------------------------------------------------------------
    def _limit_name(self) -> str:
        return f" ({self.limit_description})" if self.limit_description else ""

    def _final_error(self, failure: _Failure, waited: float, retried: bool) -> ConnectorError:
        if failure.error is not None and not retried:
            return failure.error
        if failure.error is not None:
            head, _, tail = str(failure.error).partition(";")
            return type(failure.error)(f"{head} (tried for {waited:.0f} seconds);{tail}")
        after = f" after waiting {waited:.0f} seconds" if retried else ""
        hint = (
            f"try again in {failure.retry_after:.0f} seconds"
            if failure.retry_after is not None and not retried
            else "try again later"
        )
        if failure.rate_limited:
            return RateLimited(
                f"{self.service}'s rate limit{self._limit_name()} was hit for account "
                f"{self.account}{after and ' and still held' + after}; {hint}.",
                retry_after=failure.retry_after,
                limit=self.limit_description,
            )
        return ServiceUnavailable(
            f"{self.service} is unavailable (HTTP status {failure.status}) for account "
            f"{self.account}{after}; {hint}."
        )

    def _too_long_error(self, failure: _Failure) -> ConnectorError:
        assert failure.retry_after is not None
        what = (
            f"{self.service}'s rate limit{self._limit_name()} was hit"
            if failure.rate_limited
            else f"{self.service} is unavailable (HTTP status {failure.status})"
        )
        message = (
            f"{what} for account {self.account}; it asks to wait {failure.retry_after:.0f} "
            f"seconds, longer than the {self.settings.give_up_seconds:.0f} seconds allowed; "
            "try again later."
        )
        if failure.rate_limited:
            return RateLimited(message, failure.retry_after, self.limit_description)
        return ServiceUnavailable(message)

    def _timeout_error(self, error: httpx.TimeoutException) -> ServiceUnavailable:
        where = _base_for_messages(self.base_url)
        if isinstance(error, httpx.ConnectTimeout):
            return ServiceUnavailable(
                f"{self.service} at {where} did not accept a connection within "
                f"{self.settings.connect_timeout:g} seconds; check your network."
            )
        return ServiceUnavailable(
            f"{self.service} at {where} did not answer within "
            f"{self.settings.read_timeout:g} seconds; try again later."
        )

    def _transport_error(self, error: httpx.TransportError) -> ServiceUnavailable:
        where = _base_for_messages(self.base_url)
        if isinstance(error, httpx.ConnectError):
            return ServiceUnavailable(
                f"{self.service} at {where} cannot be reached; check your network."
            )
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
            # no answer yet (the headers are read before the body): say what happened, as a
            # write may or may not have landed
            if "without sending" in str(error) or isinstance(error, httpx.ReadError):
                return ServiceUnavailable(
                    f"{self.service} at {where} closed the connection without answering; try again."
                )
            return ServiceUnavailable(
                f"{self.service} at {where} did not answer in HTTP ({type(error).__name__}); "
                "check the account's URL."
            )
        return ServiceUnavailable(
            f"Talking to {self.service} at {where} failed ({type(error).__name__}); try again."
        )


@dataclass
class _Failure:
    """Why an attempt failed: a transport error, or a status to retry after."""

    error: ConnectorError | None
    retry_after: float | None = None
    rate_limited: bool = False
    status: int = 0
    unreachable: bool = False  # no connection made (refused, unknown name, no route)


def _ms(since: float) -> float:
    return (time.monotonic() - since) * 1000
