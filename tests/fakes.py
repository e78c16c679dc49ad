"""The test fakes, once: a canned-answer server, a fake clock, a recording keyring.

CannedServer — an HTTP server on loopback that plays hand-written answers (written
from the seeds and SERVICES.md, not from our sandbox), misbehaving at the socket level
when asked (slow bodies, hang-ups, raw bytes), and records every request::

    with CannedServer() as server:
        server.route("GET", "/contacts", Canned(200, [("Content-Type", "text/xml")], body))
        server.route("POST", "/api/xml-in", lambda request: Canned(...))   # computed answer
        server.answer("GET", "/api.xro/1.0/contacts", 200, SEED_001, content_type=XML)
        server.answers("GET", "/x", [canned(429, "", {"Retry-After": "1"}), canned(200, "{}")])
        ... talk to server.url ...
        server.requests        # every request received, in order (Recorded)
        server.times           # time.monotonic() of each request
        server.on_request = …  # called with each request

A route holds a queue of answers: each request takes the next one, the last one
repeats. An answer is a `Canned` (status, headers, body) with options: `chunks`
(chunked transfer encoding, `chunk_delay` seconds between chunks), `close` (hang up
without answering) or `raw` (bytes written to the socket as they are). No header is
added that the answer does not name, except Content-Length for a plain body. A request
no route matches gets 599 with a sentence (the test then fails with that sentence in
the connector's error, not with a hang).

FakeClock — monotonic and wall time that move only when told (`advance`), or when an
HttpClient sleeps on it (`sleep` moves it at once): the sandbox's `clock`/`utcnow` and
the connectors' `clock` take it, so retries, back-offs and limits need no real waiting.

RecordingKeyring — a keyring backend that keeps secrets in memory and appends each
write to a list of events (to check the order of keyring writes and requests).
DictSecrets — a SecretSource over a dict (no keyring at all).
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import keyring.backend
from keyring.errors import PasswordDeleteError

from addressbook.connectors.base import CancelToken, SecretSource


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def basic_auth(self) -> tuple[str, str] | None:
        """The (user, password) of a Basic Authorization header."""
        value = self.header("Authorization") or ""
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        return user, password


@dataclass
class Canned:
    """One answer: (status, headers, body), plus socket-level behaviour."""

    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    body: bytes | str = b""
    chunks: Sequence[bytes] | None = None  # sent with Transfer-Encoding: chunked
    chunk_delay: float = 0.0  # seconds before each chunk after the first
    close: bool = False  # hang up without sending anything
    raw: bytes | None = None  # written to the socket verbatim (status line and all)

    @property
    def body_bytes(self) -> bytes:
        """The body as bytes (a str is encoded as UTF-8)."""
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Answer = Canned | Callable[[Recorded], Canned]
XML_UTF8 = ("Content-Type", "application/xml; charset=utf-8")
XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"


def canned(
    status: int,
    body: bytes | str = b"",
    headers: Mapping[str, str] | None = None,
    content_type: str | None = None,
) -> Canned:
    """A Canned answer from a header dict; content_type sets Content-Type."""
    all_headers = dict(headers or {})
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    return Canned(status, list(all_headers.items()), body)


def xml_answer(body: bytes | str, status: int = 200, *headers: tuple[str, str]) -> Canned:
    """An answer with Content-Type application/xml; charset=utf-8 (the common case)."""
    return Canned(status, [XML_UTF8, *headers], body)


@dataclass
class _Route:
    answers: list[Answer] = field(default_factory=list)
    taken: int = 0

    def next(self, request: Recorded) -> Canned:
        answer = self.answers[min(self.taken, len(self.answers) - 1)]
        self.taken += 1
        return answer(request) if callable(answer) else answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Recorded(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            raw_query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(request)
            owner.times.append(time.monotonic())
            route = owner.routes.get((request.method, request.path))
            answer = (
                Canned(
                    599, [("Content-Type", "text/plain")], f"no canned answer for {request.path}"
                )
                if route is None
                else route.next(request)
            )
        if owner.on_request is not None:
            owner.on_request(request)
        self._answer(answer)

    def _answer(self, answer: Canned) -> None:
        if answer.close:
            self._hang_up()
            return
        if answer.raw is not None:
            self.wfile.write(answer.raw)
            self.wfile.flush()
            self._hang_up()
            return
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        if answer.chunks is not None:
            self._send_chunked(answer)
            return
        body = answer.body_bytes
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_chunked(self, answer: Canned) -> None:
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        assert answer.chunks is not None
        try:
            for n, chunk in enumerate(answer.chunks):
                if n and answer.chunk_delay and self.server.owner.stopping.wait(answer.chunk_delay):
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch  # noqa: N815


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: CannedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients hang up on purpose in these tests."""


class CannedServer:
    """Serves canned answers on 127.0.0.1 and records every request (see the module doc)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.routes: dict[tuple[str, str], _Route] = {}
        self.requests: list[Recorded] = []
        self.times: list[float] = []  # time.monotonic() of each request, in order
        self.on_request: Callable[[Recorded], None] | None = None
        self.stopping = threading.Event()
        self._server = _Server(self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def route(self, method: str, path: str, *answers: Answer) -> None:
        """Answer `method path` with these answers in turn (the last one repeats)."""
        if not answers:
            raise ValueError("a route needs at least one answer")
        with self.lock:
            self.routes[(method.upper(), path)] = _Route(list(answers))

    def sent(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """The recorded requests, optionally only those of one method and/or path."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def answer(
        self,
        method: str,
        path: str,
        status: int,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        """Make the route answer this (always)."""
        self.route(method, path, canned(status, body, headers, content_type))

    def answers(self, method: str, path: str, answers: Sequence[Answer]) -> None:
        """Make the route answer these in order (the last one repeats)."""
        self.route(method, path, *answers)

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        """The requests received on one route."""
        return self.sent(method.upper(), path)

    def has_route(self, method: str, path: str) -> bool:
        """True once the route has answers."""
        with self.lock:
            return (method.upper(), path) in self.routes

    def start(self) -> CannedServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow answers end early."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CannedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the clock ---------------------------------------------------------------------------------
class FakeClock:
    """Monotonic and wall time that tests move by hand; a sleep on it moves it at once.

    The sandbox takes it as `clock` (a callable) and `utcnow`; a connector's HttpClient
    takes it as `connector.clock` (`now`, `sleep`). `slept` lists every sleep asked.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.start = self.seconds = start
        self.wall = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.seconds

    def now(self) -> float:
        return self.seconds

    def utcnow(self) -> datetime:
        return self.wall + timedelta(seconds=self.seconds - self.start)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds

    def sleep(self, seconds: float, cancel: CancelToken) -> None:
        cancel.check()
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))


# --- secrets -------------------------------------------------------------------------------------
class DictSecrets(SecretSource):
    """Secrets in a dict (no keyring)."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = dict(values or {})

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value


class RecordingKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict; writes appended to a shared event list ("keyring", user, secret)."""

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's classproperty
        raise RuntimeError("tests only: set it with keyring.core.set_keyring")

    def __init__(self, events: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.events = events
        self.data: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        """The secret, or None."""
        with self._lock:
            return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Keep the secret and record the write."""
        with self._lock:
            self.data[(service, username)] = password
            self.events.append(("keyring", username, password))

    def delete_password(self, service: str, username: str) -> None:
        """Forget the secret."""
        with self._lock:
            if (service, username) not in self.data:
                raise PasswordDeleteError("no such secret")
            del self.data[(service, username)]
