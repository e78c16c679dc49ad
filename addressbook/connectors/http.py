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
import html
import ipaddress
import logging
import math
import random
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

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
from addressbook.i18n import _
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
                raise AccountError(
                    _("The setting {key} must be a number of seconds, not {value!r}.").format(
                        key=key, value=raw
                    )
                )
            if value <= 0:
                raise AccountError(
                    _("The setting {key} must be more than 0 seconds.").format(key=key)
                )
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
        raise AccountError(
            _("{service} URL {url!r} is not a web address (https://…).").format(
                service=service, url=scrub_url(url)
            )
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise AccountError(
            _(
                "{service} URL {url} is not https; only https is allowed "
                "(plain http only on this computer, e.g. 127.0.0.1)."
            ).format(service=service, url=scrub_url(url))
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
        return _("(no Location given)")
    try:
        target = response.request.url.join(location)
    except (httpx.InvalidURL, RuntimeError):
        return _("(an unreadable Location)")
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


# --- answers that explain themselves (the policy every connector shares) --------------------
# X-Rate-Limit-Problem (Xero) → the limit, as the sentences of HttpClient name it.
LIMIT_NAMES = {
    "minute": "60 calls a minute per organisation",
    "concurrent": "5 calls at once per organisation",
    "appminute": "10,000 calls a minute for this app across all organisations",
    "day": "5,000 calls a day per organisation",
}
DEFAULT_THROTTLE_WAIT = 5.0  # seconds to hold calls after a 429 without Retry-After


def limit_name(problem: str | None) -> str:
    """The limit an X-Rate-Limit-Problem names (the minute's when it names none we know)."""
    return LIMIT_NAMES.get((problem or "").strip().lower(), LIMIT_NAMES["minute"])


EXPLAINED_BYTES = 4096  # a 503 body read to find its reason: reasons are short


def small_body(response: httpx.Response) -> str | None:
    """The start of a (streamed) answer's body as text; None if it cannot be read.

    Read once (decompressed with an output cap) and kept on the response, so a hook and
    the client can both look at it.
    """
    if "addressbook_head" in response.extensions:
        head: bytes | None = response.extensions["addressbook_head"]
    else:
        head = _read_head(response)
        response.extensions["addressbook_head"] = head
    if head is None:
        return None
    return _decode_text(head, response.headers.get("Content-Type")).lstrip("\ufeff").strip()


def _read_head(response: httpx.Response) -> bytes | None:
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > 16 * EXPLAINED_BYTES and not _encoded(response):
        return None
    data = bytearray()
    try:
        for chunk in decoded_chunks(response, EXPLAINED_BYTES):
            data += chunk
            if len(data) >= EXPLAINED_BYTES:
                break
    except (httpx.HTTPError, BadAnswer, _Bomb):
        return None
    return bytes(data[:EXPLAINED_BYTES])


def said(text: str) -> str:
    """A service's own words, safe for a one-line sentence (no secrets, no line breaks)."""
    words = " ".join(scrub(text).split())
    return words if len(words) <= 200 else words[:199].rstrip() + "…"


def explained_503(response: httpx.Response, label: str, account: str) -> ConnectorError | None:
    """What a 503 without Retry-After says about itself, or None (http.py then retries it).

    Xero's older rate limit answers 503 with a form body `oauth_problem=rate%20limit%20
    exceeded&oauth_problem_advice=…` (SERVICES.md): that is RateLimited, named at once.
    A short plain-text reason ("organisation offline", maintenance) is quoted in a
    ServiceUnavailable: retrying for minutes would not help and hides the reason.
    """
    if response.status_code != 503 or response.headers.get("Retry-After"):
        return None
    kind = response.headers.get("Content-Type", "").lower()
    text = small_body(response)
    if not text:
        return None
    error: ConnectorError | None = None
    if "oauth_problem=" in text:
        form = {k: v[0] for k, v in parse_qs(text).items()}
        problem = said(form.get("oauth_problem", ""))
        advice = said(form.get("oauth_problem_advice", ""))
        reason = "; ".join(p for p in (problem, advice) if p)
        if "rate limit" in problem.lower():
            error = RateLimited(
                _(
                    "{service}'s rate limit was hit for account {account} ({service} says: "
                    "{reason}); try again in a few minutes."
                ).format(service=label, account=account, reason=reason),
                limit=problem,
            )
        else:
            error = ServiceUnavailable(
                _(
                    "{service} is unavailable for account {account} ({service} says: {reason}); "
                    "try again later."
                ).format(service=label, account=account, reason=reason)
            )
    elif "html" not in kind and not text.startswith(("<", "{", "[")):
        error = ServiceUnavailable(
            _(
                "{service} is unavailable for account {account} ({service} says: {reason}); "
                "try again later."
            ).format(service=label, account=account, reason=said(text.splitlines()[0]))
        )
    if error is not None:
        response.close()
    return error


# --- the reason a body gives, whatever its form ---------------------------------------------
_REASON_KEYS = ("Message", "message", "error_description", "Detail", "detail", "title", "error")
_XML_REASON = re.compile(
    r"<(Message|message|error|Error|description|Description|reason|Reason)(?:\s[^>]*)?>"
    r"([^<]{1,2000})</\1\s*>"
)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1", re.I | re.S)
MAINTENANCE_WORDS = ("maintenance", "maintainance", "scheduled downtime", "upgrad")


def _decode_text(data: bytes, content_type: str | None) -> str:
    """Bytes as text: the charset named (when the bytes are in it), else UTF-8, else Latin-1."""
    from addressbook.connectors import xml

    names = []
    forced = xml.true_encoding(data)
    declared = xml.declared_encoding(data)
    for part in (content_type or "").split(";")[1:]:
        key, _eq, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip("\"'"):
            names.append(value.strip().strip("\"'"))
    names = [n for n in (forced, declared, *names) if n] + ["utf-8"]
    for name in names:
        if forced and name == declared:
            continue  # the declaration is wrong: the bytes are not in it
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("iso-8859-1")


def reason_of(body: bytes, content_type: str | None = None) -> str:
    """The reason an error answer gives, as one short line ('' when it gives none).

    JSON: its Message/message/error_description/detail/title/error; a form body: its
    oauth_problem or error; XML: its Message/error/description element; HTML: the page's
    title and first heading; plain text: its first line.
    """
    if not body or not body.strip():
        return ""
    text = _decode_text(body[: 4 * EXPLAINED_BYTES], content_type).lstrip("\ufeff").strip()
    kind = (content_type or "").lower()
    if text.startswith(("{", "[")) or "json" in kind:
        found = _json_reason(text)
        if found:
            return said(found)
    if "=" in text and not text.startswith("<") and ("form" in kind or "&" in text):
        form = {k: v[0] for k, v in parse_qs(text).items()}
        parts = [form.get(k, "") for k in ("oauth_problem", "oauth_problem_advice", "error",
                                          "error_description") if form.get(k)]  # fmt: skip
        if parts:
            return said("; ".join(parts))
    if text.startswith("<"):
        from addressbook.connectors import xml

        if "html" in kind or re.match(r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html)",
                                      text, re.I | re.S):  # fmt: skip
            title = xml.plain_text(text.encode("utf-8"))
            heading = _H1.search(text)
            head = said(re.sub(r"<[^>]*>", " ", heading.group(1))) if heading else ""
            if head and head.casefold() not in title.casefold():
                return said(f"{title}: {head}" if title else head)
            return said(title or head)
        element = _XML_REASON.search(text)
        if element and element.group(2).strip():
            return said(html.unescape(element.group(2)))
        return said(xml.plain_text(text.encode("utf-8")))
    return said(text.splitlines()[0]) if text else ""


def answer_reason(response: httpx.Response) -> str:
    """The reason an error answer gives (its body read already, or streamed: its start)."""
    kind = response.headers.get("Content-Type")
    if hasattr(response, "_content"):
        return reason_of(response.content, kind)
    text = small_body(response)
    return reason_of(text.encode("utf-8"), kind) if text else ""


def _json_reason(text: str) -> str:
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return ""
    for _depth in range(3):  # {"error": {"message": …}} and the like
        if isinstance(data, list) and data:
            data = data[0]
        if not isinstance(data, dict):
            return data if isinstance(data, str) else ""
        for key in _REASON_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, dict | list):
                data = value
                break
        else:
            return ""
    return ""


def is_maintenance(reason: str) -> bool:
    """True when a service's words say it is down for maintenance."""
    folded = reason.casefold()
    return any(word in folded for word in MAINTENANCE_WORDS)


# --- bodies: decompressed with an output cap ---------------------------------------------------
DECODE_CHUNK = 64 * 1024  # the most one step of decompression may produce
BOMB_RATIO = 200  # a body expanding more than this many times is a compression bomb…
BOMB_FLOOR = 32 * 1024 * 1024  # …once past this many bytes (small bodies may expand a lot)
ACCEPT_ENCODING = "gzip, deflate"  # the encodings decoded_chunks can cap (not br, not zstd)


def _encoded(response: httpx.Response) -> bool:
    return response.headers.get("Content-Encoding", "identity").strip().lower() not in (
        "",
        "identity",
    )


class _Inflater:
    """gzip/deflate with an output limit per step: never more than DECODE_CHUNK at once."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._raw_deflate = False
        self._z = self._new()

    def _new(self) -> Any:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        first = True
        while data:
            try:
                out = self._z.decompress(data, DECODE_CHUNK)
            except zlib.error:
                if self.coding == "deflate" and first and not self._raw_deflate:
                    self._raw_deflate = True  # 'deflate' sent without its zlib header
                    self._z = self._new()
                    continue
                raise
            first = False
            data = self._z.unconsumed_tail
            if out:
                yield out
            if self._z.eof:
                rest = self._z.unused_data
                if not rest.strip(b"\0"):
                    return
                self._z = self._new()  # a second gzip member
                data = rest

    def flush(self) -> bytes:
        return bytes(self._z.flush(DECODE_CHUNK))


def decoded_chunks(response: httpx.Response, limit: int | None = None) -> Iterator[bytes]:
    """The body, decompressed a bounded step at a time (see DECODE_CHUNK, BOMB_RATIO).

    httpx's own decoders expand a whole network chunk at once (a 64 KiB chunk of a bomb
    is 64 MiB): this reads the raw bytes and inflates them with an output limit, so a
    caller that stops at its cap never holds more than a step beyond it. `limit` stops
    after that many decompressed bytes.
    """
    coding = response.headers.get("Content-Encoding", "identity").strip().lower()
    codings = [c.strip() for c in coding.split(",") if c.strip() not in ("", "identity")]
    if not codings:
        yield from response.iter_raw()
        return
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise httpx.DecodingError(f"unsupported Content-Encoding {coding[:20]!r}")
    inflater = _Inflater(codings[0])
    taken = given = 0
    try:
        for raw in response.iter_raw():
            taken += len(raw)
            for out in inflater.feed(raw):
                given += len(out)
                if given > BOMB_FLOOR and given > BOMB_RATIO * taken:
                    raise _Bomb(given, taken)
                yield out
                if limit is not None and given >= limit:
                    return
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as error:
        raise httpx.DecodingError(str(error)) from None


class _Bomb(Exception):
    def __init__(self, given: int, taken: int) -> None:
        super().__init__(f"{given} bytes from {taken}")
        self.given, self.taken = given, taken


# --- time --------------------------------------------------------------------------------------
class Clock:
    """The time source and the sleep of an HttpClient (tests pass a fake one)."""

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def sleep(self, seconds: float, cancel: CancelToken) -> None:
        """Wait, ending early (Cancelled) when the user cancels."""
        cancel.wait(seconds)


REAL_CLOCK = Clock()


class _Pacer:
    """A sliding window of send times, plus an account-wide pause (Retry-After)."""

    def __init__(
        self, max_calls: int | None, per_seconds: float, clock: Clock = REAL_CLOCK
    ) -> None:
        self.clock = clock
        self.max_calls = max_calls
        self.per_seconds = per_seconds
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock.now() + seconds)

    def paused_for(self) -> float:
        """Seconds left of the account-wide pause (0 if none)."""
        with self._lock:
            return max(0.0, self._paused_until - self.clock.now())

    def reserve(self) -> float:
        """Take a send slot now (return 0) or say how long to wait before asking again."""
        with self._lock:
            now = self.clock.now()
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
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or REAL_CLOCK
        self.base_url = require_secure_url(base_url, service)
        self.service = service
        self.account = account
        self.settings = settings or HttpSettings()
        self.cancel = cancel or CancelToken()
        self.auth_message = auth_message or _(
            "{service} refused the credentials of account {account}; "
            "enter them again with `addressbook accounts add`."
        ).format(service=service, account=account)
        self.limit_description = limit_description
        self.throttle_statuses = frozenset(throttle_statuses)
        self.on_response = on_response
        self._secret_params = dict(params or {})
        self._register_secrets(auth, secrets)
        self._pacer = _Pacer(self.settings.max_calls, self.settings.per_seconds, self.clock)
        self._in_flight = threading.BoundedSemaphore(max(1, self.settings.max_in_flight))
        self._pause_reason: _Failure | None = None  # the answer that paused the account
        self.calls = 0  # requests sent (for tests and benchmarks)
        self.waited_seconds = 0.0  # time spent in pacing and Retry-After waits
        quiet_libraries()  # httpx's own INFO lines carry full URLs, keys included
        self._client = httpx.Client(
            auth=httpx.BasicAuth(*auth) if isinstance(auth, tuple) else auth,
            headers={
                "User-Agent": USER_AGENT,
                "Accept-Encoding": ACCEPT_ENCODING,
                **(headers or {}),
            },
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
        with self._context(), self._slot():
            response = self._send(method, path, params, content, headers, safe)
            deadline = time.monotonic() + self.settings.answer_seconds
            try:
                body = bytearray()
                for chunk in self.iter_bytes(response):
                    body += chunk
                    if len(body) > limit:
                        raise BadAnswer(
                            _("The answer from {service} is larger than {mb} MB; refused.").format(
                                service=self.service, mb=limit // (1024 * 1024)
                            )
                        )
                    if time.monotonic() > deadline:
                        raise ServiceUnavailable(
                            _(
                                "The answer from {service} arrived too slowly (not complete "
                                "after {seconds} seconds); try again later."
                            ).format(
                                service=self.service, seconds=f"{self.settings.answer_seconds:g}"
                            )
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
        with self._context(), self._slot():
            response = self._send(method, path, params, content, headers, safe)
            try:
                yield response
            finally:
                response.close()

    def iter_bytes(self, response: httpx.Response) -> Iterator[bytes]:
        """The body in chunks, decompressed a bounded step at a time (see decoded_chunks).

        A connection cut or stalled mid-answer → ServiceUnavailable; a body that does not
        decompress, or expands like a compression bomb → BadAnswer.
        """
        try:
            yield from decoded_chunks(response)
        except _Bomb as bomb:
            response.close()
            raise BadAnswer(
                _(
                    "{service} sent a compressed answer that expands more than {ratio}-fold "
                    "(over {mb} MB from {kb} KB); refused as a compression bomb."
                ).format(
                    service=self.service,
                    ratio=BOMB_RATIO,
                    mb=bomb.given // (1024 * 1024),
                    kb=max(1, bomb.taken // 1024),
                )
            ) from None
        except httpx.TimeoutException:
            raise ServiceUnavailable(
                _(
                    "{service} stopped sending its answer for {seconds} seconds; try again later."
                ).format(service=self.service, seconds=f"{self.settings.read_timeout:g}")
            ) from None
        except httpx.DecodingError:
            encoding = response.headers.get("Content-Encoding", "?")
            raise BadAnswer(
                _(
                    "{service} sent a compressed answer ({encoding}) that could not be "
                    "decompressed; try again."
                ).format(service=self.service, encoding=scrub(encoding)[:20])
            ) from None
        except httpx.TransportError as error:
            log.info("%s answer cut off: %s", self.service, scrub(type(error).__name__))
            raise ServiceUnavailable(
                _("The answer from {service} was cut off; try again.").format(service=self.service)
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
    def _context(self) -> Iterator[None]:
        """Errors leave with the account they happened on (as httpx's carry the request)."""
        try:
            yield
        except ConnectorError as error:
            raise error.with_context(account=self.account)

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
            self.clock.sleep(delay, self.cancel)

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
            sent = self.clock.now()
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
            self.clock.sleep(delay, self.cancel)

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
            reason = self._reason(response)
            maintenance = is_maintenance(reason)
            failure = _Failure(
                None, retry_after=retry_after, status=status, reason=reason, maintenance=maintenance
            )
            if retry_after is not None:
                self._pause_for(failure)
            return failure
        if status >= 500:
            reason = self._reason(response)
            says = self._says(reason)
            if status in (501, 505):  # no retry fixes a method the service does not have
                raise ServiceUnavailable(
                    _(
                        "{service} does not support this request (HTTP status {status}) for "
                        "account {account}{says}; trying again will not help: check the "
                        "account's URL, or whether this version of addressbook still fits the "
                        "service."
                    ).format(service=self.service, status=status, account=self.account, says=says)
                )
            if is_maintenance(reason):
                raise ServiceUnavailable(
                    _("{service} is down for maintenance{says}; try again later.").format(
                        service=self.service, says=says
                    )
                )
            raise ServiceUnavailable(
                _(
                    "{service} failed with HTTP status {status} for account {account}{says}; "
                    "try again later."
                ).format(service=self.service, status=status, account=self.account, says=says)
            )
        return None

    def _says(self, reason: str) -> str:
        """' (Harvest says: …)' for a sentence, or '' when the answer gave no reason."""
        if not reason:
            return ""
        return _(" ({service} says: {reason})").format(service=self.service, reason=reason)

    def _reason(self, response: httpx.Response) -> str:
        """The reason the (short) body of an error answer gives, or ''."""
        text = small_body(response)
        if not text:
            return ""
        return reason_of(text.encode("utf-8"), response.headers.get("Content-Type"))

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
        now = self.clock.now()
        waited = now - started
        budget = self.settings.give_up_seconds - waited
        if unreachable_since is not None:
            # nobody answers at all: most likely offline, and the user is waiting to hear so
            offline = self.settings.connect_give_up_seconds - (now - unreachable_since)
            budget = min(budget, offline)
        if failure.retry_after is not None:
            delay = failure.retry_after
        elif failure.maintenance:
            # maintenance lasts minutes: a few spaced tries, not a quick burst
            delay = max(self.settings.backoff_max, budget / 3)
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
            head, _semi, tail = str(failure.error).partition(";")
            return type(failure.error)(
                _("{sentence} (tried for {seconds} seconds);{rest}").format(
                    sentence=head, seconds=f"{waited:.0f}", rest=tail
                )
            )
        # Whole sentences (one msgid each): waited and gave up / asked to wait / neither.
        case = "after" if retried else "in" if failure.retry_after is not None else "later"
        values = {
            "service": self.service,
            "status": failure.status,
            "account": self.account,
            "limit": self._limit_name(),
            "says": self._says(failure.reason),
            "seconds": f"{waited:.0f}",
            "wait": f"{failure.retry_after or 0:.0f}",
        }
        if failure.rate_limited:
            sentence = {
                "after": _(
                    "{service}'s rate limit{limit} was hit for account {account} and still held "
                    "after waiting {seconds} seconds; try again later."
                ),
                "in": _(
                    "{service}'s rate limit{limit} was hit for account {account}; try again in "
                    "{wait} seconds."
                ),
                "later": _(
                    "{service}'s rate limit{limit} was hit for account {account}; try again later."
                ),
            }[case]
            return RateLimited(
                sentence.format(**values),
                retry_after=failure.retry_after,
                limit=self.limit_description,
            )
        if failure.maintenance:
            sentence = {
                "after": _(
                    "{service} is down for maintenance (HTTP status {status}) for account "
                    "{account}{says} after waiting {seconds} seconds; try again later."
                ),
                "in": _(
                    "{service} is down for maintenance (HTTP status {status}) for account "
                    "{account}{says}; try again in {wait} seconds."
                ),
                "later": _(
                    "{service} is down for maintenance (HTTP status {status}) for account "
                    "{account}{says}; try again later."
                ),
            }[case]
        else:
            sentence = {
                "after": _(
                    "{service} is unavailable (HTTP status {status}) for account "
                    "{account}{says} after waiting {seconds} seconds; try again later."
                ),
                "in": _(
                    "{service} is unavailable (HTTP status {status}) for account "
                    "{account}{says}; try again in {wait} seconds."
                ),
                "later": _(
                    "{service} is unavailable (HTTP status {status}) for account "
                    "{account}{says}; try again later."
                ),
            }[case]
        return ServiceUnavailable(sentence.format(**values))

    def _too_long_error(self, failure: _Failure) -> ConnectorError:
        assert failure.retry_after is not None
        values = {
            "service": self.service,
            "limit": self._limit_name(),
            "status": failure.status,
            "account": self.account,
            "wait": f"{failure.retry_after:.0f}",
            "allowed": f"{self.settings.give_up_seconds:.0f}",
        }
        message = (
            _(
                "{service}'s rate limit{limit} was hit for account {account}; it asks to wait "
                "{wait} seconds, longer than the {allowed} seconds allowed; try again later."
            )
            if failure.rate_limited
            else _(
                "{service} is unavailable (HTTP status {status}) for account {account}; it asks "
                "to wait {wait} seconds, longer than the {allowed} seconds allowed; try again later."
            )
        ).format(**values)
        if failure.rate_limited:
            return RateLimited(message, failure.retry_after, self.limit_description)
        return ServiceUnavailable(message)

    def _timeout_error(self, error: httpx.TimeoutException) -> ServiceUnavailable:
        where = _base_for_messages(self.base_url)
        if isinstance(error, httpx.ConnectTimeout):
            return ServiceUnavailable(
                _(
                    "{service} at {where} did not accept a connection within {seconds} seconds; "
                    "check your network."
                ).format(
                    service=self.service, where=where, seconds=f"{self.settings.connect_timeout:g}"
                )
            )
        return ServiceUnavailable(
            _(
                "{service} at {where} did not answer within {seconds} seconds; try again later."
            ).format(service=self.service, where=where, seconds=f"{self.settings.read_timeout:g}")
        )

    def _transport_error(self, error: httpx.TransportError) -> ServiceUnavailable:
        where = _base_for_messages(self.base_url)
        if isinstance(error, httpx.ConnectError):
            return ServiceUnavailable(
                _("{service} at {where} cannot be reached; check your network.").format(
                    service=self.service, where=where
                )
            )
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
            # no answer yet (the headers are read before the body): say what happened, as a
            # write may or may not have landed
            if "without sending" in str(error) or isinstance(error, httpx.ReadError):
                return ServiceUnavailable(
                    _(
                        "{service} at {where} closed the connection without answering; try again."
                    ).format(service=self.service, where=where)
                )
            return ServiceUnavailable(
                _(
                    "{service} at {where} did not answer in HTTP ({kind}); check the account's URL."
                ).format(service=self.service, where=where, kind=type(error).__name__)
            )
        return ServiceUnavailable(
            _("Talking to {service} at {where} failed ({kind}); try again.").format(
                service=self.service, where=where, kind=type(error).__name__
            )
        )


@dataclass
class _Failure:
    """Why an attempt failed: a transport error, or a status to retry after."""

    error: ConnectorError | None
    retry_after: float | None = None
    rate_limited: bool = False
    status: int = 0
    unreachable: bool = False  # no connection made (refused, unknown name, no route)
    reason: str = ""  # what the answer's body says, quoted in the sentence
    maintenance: bool = False  # the body says the service is down for maintenance


def _ms(since: float) -> float:
    return (time.monotonic() - since) * 1000
