"""What every sandbox service shares: a threaded HTTP server on loopback, fault switches,
and the admin endpoint.

A service subclasses `Service` and implements `handle(request) -> Response`. The server
applies the fault switches around it, so a service module only speaks its API.

Admin endpoint (same port, outside the API's paths, no authentication):
    GET  /_sandbox/state            the service's records as JSON (`Service.state()`)
    POST /_sandbox/faults           JSON {"kind": …, "count": 1, "status": 503,
                                    "retry_after": 2, "seconds": 1.0} (see FAULT_KINDS)
    POST /_sandbox/edit             JSON {"id": …, "changes": {…}} a change "on the service side"
    POST /_sandbox/delete           JSON {"id": …} a delete on the service side
    POST /_sandbox/limits           JSON {"enabled": false} switch the rate limits (benchmarks)
    POST /_sandbox/clear-faults     disarm every fault switch
    POST /_sandbox/reset            JSON {"contacts": 5, "seed": 1} fresh sample data (if the
                                    service has `reset`); also clears faults, limits back on
    GET  /_sandbox/faults           the armed faults, as JSON
    GET  /_sandbox/requests         the request log: [{"method", "path", "query"}, …] of
                                    every API request (secrets in the query are not kept)
    POST /_sandbox/clear-requests   empty the request log

Bad admin input answers 400 with one sentence; an unknown record id answers 404.

Time: `Service.clock` (monotonic seconds, for rate limits) and `Service.utcnow` (aware UTC
datetime, for record stamps) are plain attributes, so tests swap in a fake clock instead
of sleeping.

This module imports nothing from addressbook.connectors or addressbook.sync.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = (
    "status",  # answer `status` (with Retry-After if retry_after is set) instead of the real answer
    "hang",  # wait `seconds` before answering (longer than the client's timeout: a timeout)
    "cut",  # send the headers and half the body, then close the connection
    "truncate",  # a complete HTTP answer whose body is the first half of the real one
    "malformed",  # a complete answer whose body is not well-formed XML/JSON
    "entity_bomb",  # an XML body with an entity-expansion bomb ("billion laughs")
    "external_entity",  # an XML body that references an external entity (file:///etc/passwd)
    "huge",  # a 50 MB answer: one text field of 50 MB
    "gzip_bomb",  # a 1 MiB gzip answer that expands to 1 GiB (Content-Encoding: gzip)
)


@dataclass
class Request:
    """One HTTP request as a service sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    """One HTTP answer. `chunks` streams a large body instead of `body`."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None

    @classmethod
    def xml(cls, text: str | bytes, status: int = 200, **headers: str) -> Response:
        """An XML answer (UTF-8)."""
        body = text.encode("utf-8") if isinstance(text, str) else text
        return cls(status, body, {"Content-Type": "application/xml; charset=utf-8", **headers})

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Response:
        """A JSON answer (UTF-8, non-ASCII kept as is)."""
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})

    @classmethod
    def text(cls, text: str, status: int = 200, **headers: str) -> Response:
        """A plain-text answer (UTF-8)."""
        return cls(
            status, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8", **headers}
        )


@dataclass
class Fault:
    """One armed fault switch; it fires on the next `count` API requests."""

    kind: str
    count: int = 1
    status: int = 503
    retry_after: float | None = None
    seconds: float = 30.0
    body: str | None = None  # for 'status': the body to send (else a short text)
    content_type: str | None = None  # for 'status': the body's Content-Type (else text/plain)
    # Only requests this says yes to trip the switch (None: every API request).
    when: Callable[[Request], bool] | None = None


class Service(ABC):
    """An in-memory service. Subclasses hold their records under `self.lock`."""

    name: str = "service"
    content_type: str = "xml"  # 'xml' or 'json': how hostile/malformed bodies are shaped

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: deque[Fault] = deque()
        self.limits_enabled = True
        self.requests_seen = 0  # API requests (not admin ones), for tests
        # The request log: (method, path, query) of every API request, for call counts.
        self.request_log: list[tuple[str, str, dict[str, list[str]]]] = []
        # Swappable clocks: tests drive rate limits and stamps without sleeping.
        self.clock: Callable[[], float] = time.monotonic
        self.utcnow: Callable[[], datetime] = _utcnow
        # Set by SandboxServer.stop(): a 'hang' fault ends early instead of holding a thread.
        self.stopping = threading.Event()

    # --- the API -----------------------------------------------------------------------
    @abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer one API request."""

    # --- the admin side ------------------------------------------------------------------
    @abstractmethod
    def state(self) -> Any:
        """The service's current records, JSON-compatible (to check pushes)."""

    @abstractmethod
    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        """Change a record as if a user of the service did (to make conflicts)."""

    @abstractmethod
    def remove(self, record_id: str) -> None:
        """Delete a record as if a user of the service did."""

    # --- fault switches ------------------------------------------------------------------
    def add_fault(self, kind: str, count: int = 1, **options: Any) -> None:
        """Arm a fault for the next `count` API requests (see FAULT_KINDS)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        with self.lock:
            self.faults.append(Fault(kind=kind, count=count, **options))

    def clear_faults(self) -> None:
        """Disarm every fault switch."""
        with self.lock:
            self.faults.clear()

    def reset_switches(self) -> None:
        """Faults off and limits on, as a fresh service starts (clocks are left alone)."""
        self.clear_faults()
        self.limits_enabled = True

    def take_fault(self, request: Request | None = None) -> Fault | None:
        """The fault that fires on this request, if any."""
        with self.lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            if fault.when is not None and (request is None or not fault.when(request)):
                return None
            fault.count -= 1
            if fault.count <= 0:
                self.faults.popleft()
            return fault


def _utcnow() -> datetime:
    return datetime.now(UTC)


def retry_after_text(seconds: float) -> str:
    """A Retry-After value: whole seconds, rounded up (HTTP allows no fractions)."""
    return str(max(0, math.ceil(seconds - 1e-9)))


def hostile_body(kind: str, content_type: str, real: bytes) -> bytes:
    """The body a fault sends in place of the real one."""
    if kind == "truncate":
        return real[: max(1, len(real) // 2)]
    if kind == "malformed":
        if content_type == "json":
            return b'{"Contacts": [{"ContactID": "x", "Name": '
        return b"<?xml version='1.0'?><response><contact><id>1</id><name>Broken</contact></reponse>"
    if kind == "entity_bomb":
        lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", '<!ENTITY lol "lol">']
        previous = "lol"
        for i in range(1, 10):
            lines.append(f'<!ENTITY lol{i} "' + f"&{previous};" * 10 + '">')
            previous = f"lol{i}"
        lines.append("]>")
        lines.append(
            f"<contacts><contact><first-name>&{previous};</first-name></contact></contacts>"
        )
        return "\n".join(lines).encode()
    if kind == "external_entity":
        return (
            b'<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b"<contacts><contact><first-name>&xxe;</first-name></contact></contacts>"
        )
    raise ValueError(kind)


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(expanded: int = 1024 * 1024 * 1024) -> bytes:
    """A gzip body of about 1 MiB that expands to `expanded` bytes of spaces.

    Made of identical gzip members of 8 MiB each (a gzip stream may hold several, and
    every decoder must read them all), so it is made in milliseconds.
    """
    if expanded not in _BOMBS:
        import zlib

        member_size = min(expanded, 8 * 1024 * 1024)
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
        member = packer.compress(b" " * member_size) + packer.flush()
        _BOMBS[expanded] = member * (expanded // member_size)
    return _BOMBS[expanded]


def _huge_chunks(content_type: str, size: int = 50 * 1024 * 1024) -> Iterable[bytes]:
    if content_type == "json":
        yield b'{"Contacts":[{"ContactID":"huge","Name":"'
    else:
        yield b'<?xml version="1.0" encoding="UTF-8"?><contacts><contact><first-name>'
    block = b"A" * (1024 * 1024)
    for _ in range(size // len(block)):
        yield block
    yield b'"}]}' if content_type == "json" else b"</first-name></contact></contacts>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, each answer waits for
    # the client's delayed ACK (about 40 ms on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # quiet: tests read answers, not logs

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )

    def _dispatch(self) -> None:
        request = self._read_request()
        service = self.server.service
        try:
            if request.path.startswith("/_sandbox/"):
                response = _admin(service, request)
                fault = None
            else:
                with service.lock:
                    service.requests_seen += 1
                    query = {k: v for k, v in request.query.items() if "key" not in k.lower()}
                    service.request_log.append((request.method, request.path, query))
                fault = service.take_fault(request)
                response = self._with_fault(service, request, fault)
        except Exception as error:  # a sandbox bug: answer 500 so the test sees it
            response = Response.text(f"sandbox error: {error!r}", 500)
            fault = None
        if fault is not None and fault.kind == "cut":
            self._send_cut(response)
            return
        self._send(response)

    def _with_fault(self, service: Service, request: Request, fault: Fault | None) -> Response:
        if fault is None:
            return service.handle(request)
        if fault.kind == "status":
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = retry_after_text(float(fault.retry_after))
            answer = Response.text(
                fault.body or f"sandbox fault {fault.status}", fault.status, **headers
            )
            if fault.content_type:
                answer.headers["Content-Type"] = fault.content_type
            return answer
        if fault.kind == "hang":
            service.stopping.wait(fault.seconds)
            return service.handle(request)
        real = service.handle(request)
        if fault.kind == "cut":
            return real
        if fault.kind == "gzip_bomb":
            headers = {k: v for k, v in real.headers.items() if k.lower() != "content-length"}
            headers["Content-Encoding"] = "gzip"
            return Response(200, gzip_bomb(), headers)
        if fault.kind == "huge":
            headers = {k: v for k, v in real.headers.items() if k.lower() != "content-length"}
            return Response(200, b"", headers, chunks=_huge_chunks(service.content_type))
        body = real.body if real.chunks is None else b"".join(real.chunks)
        return Response(
            real.status if real.status < 300 else 200,
            hostile_body(fault.kind, service.content_type, body),
            real.headers,
        )

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if response.chunks is not None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for chunk in response.chunks:
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _send_cut(self, response: Response) -> None:
        body = response.body if response.chunks is None else b"".join(response.chunks)
        if len(body) < 2:
            body = b"<contacts>" + b" " * 64 + b"</contacts>"
        self.send_response(response.status)
        for key, value in response.headers.items():
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch  # noqa: N815


def _admin(service: Service, request: Request) -> Response:
    command = request.path.removeprefix("/_sandbox/")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return Response.text("admin: the body is not JSON", 400)
    if not isinstance(data, dict):
        return Response.text("admin: the body must be a JSON object", 400)
    if request.method == "GET" and command in ("state", "faults", "requests"):
        with service.lock:
            if command == "requests":
                return Response.json(
                    [{"method": m, "path": p, "query": q} for m, p, q in service.request_log]
                )
            if command == "faults":
                return Response.json([asdict(fault) for fault in service.faults])
            return Response.json(service.state())
    if request.method != "POST":
        return Response.text("admin: use POST (or GET for state and faults)", 405)
    try:
        return _admin_command(service, command, data)
    except KeyError as error:
        return Response.text(f"admin: no record {error}", 404)
    except (ValueError, TypeError) as error:
        return Response.text(f"admin: {error}", 400)


def _admin_command(service: Service, command: str, data: dict[str, Any]) -> Response:
    if command == "faults":
        options = {
            k: v
            for k, v in data.items()
            if k in ("status", "retry_after", "seconds", "body", "content_type")
        }
        service.add_fault(str(data.get("kind", "status")), int(data.get("count", 1)), **options)
    elif command == "clear-faults":
        service.clear_faults()
    elif command == "clear-requests":
        with service.lock:
            service.request_log.clear()
    elif command in ("edit", "delete"):
        if "id" not in data:
            raise ValueError("the body needs an 'id'")
        with service.lock:
            if command == "edit":
                service.edit(str(data["id"]), dict(data.get("changes", {})))
            else:
                service.remove(str(data["id"]))
    elif command == "limits":
        service.limits_enabled = bool(data.get("enabled", True))
    elif command == "reset":
        reset = getattr(service, "reset", None)
        if reset is None:
            return Response.text(f"admin: {service.name} cannot reset", 404)
        service.reset_switches()
        with service.lock:
            reset(**{k: int(v) for k, v in data.items() if k in ("contacts", "seed")})
    else:
        return Response.text(f"admin: unknown command {command!r}", 404)
    return Response.json({"ok": True})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, service: Service, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.service = service

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up mid-answer (tests cancel and cut on purpose)."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class SandboxServer:
    """A service served on 127.0.0.1 in a background thread.

    with SandboxServer(HarvestService(...)) as server:
        server.url  # 'http://127.0.0.1:PORT'
    """

    def __init__(self, service: Service, port: int = 0) -> None:
        self._server = _Server(service, port)
        self._thread: threading.Thread | None = None

    @property
    def service(self) -> Service:
        """The service answering; assign a fresh one to reset a running server."""
        return self._server.service

    @service.setter
    def service(self, service: Service) -> None:
        self._server.service = service

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.service.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (a hanging answer is cut short)."""
        self.service.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        """Start serving."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RateWindow:
    """A sliding-window counter: at most `limit` events per `seconds` (thread-safe)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._events: deque[float] = deque()
        self._lock = threading.Lock()

    def hit(self, now: float | None = None) -> float | None:
        """Count one event; return None if allowed, else the seconds until one is free."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._events and self._events[0] <= now - self.seconds:
                self._events.popleft()
            if len(self._events) >= self.limit:
                return self._events[0] + self.seconds - now
            self._events.append(now)
            return None

    def remaining(self, now: float | None = None) -> int:
        """How many events the window still allows now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._events and self._events[0] <= now - self.seconds:
                self._events.popleft()
            return max(0, self.limit - len(self._events))
