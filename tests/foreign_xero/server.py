"""A canned-answer server for foreign-answer tests: a route table, every request recorded.

Nothing here knows Xero: each test writes the answers by hand (from the seeds and
SERVICES.md) and the server plays them back over a real loopback socket, so the
connectors meet service behaviour our own sandbox never produces.

    with CannedServer() as server:
        server.answer("GET", "/api.xro/1.0/contacts", 200, SEED_001, content_type=XML)
        server.answer("GET", "/x", 429, "", {"Retry-After": "1"}, then=(200, "{}", {}))
        ...
        server.requests            # every Request (method, path, query, headers, body)

A route holds a queue of answers: each request takes the next one, and the last one
repeats. A request no route matches gets 599 with a sentence (the test then fails
with that sentence in the connector's error, not with a hang).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from addressbook.sandbox.core import Request, Response, SandboxServer, Service

XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Canned:
    """One answer: status, headers and body bytes."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def canned(
    status: int,
    body: bytes | str = b"",
    headers: Mapping[str, str] | None = None,
    content_type: str | None = None,
) -> Canned:
    """A Canned answer; str bodies are UTF-8, content_type sets Content-Type."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    all_headers = dict(headers or {})
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    return Canned(status, data, all_headers)


class CannedService(Service):
    """Answers from a route table of (method, path) → queue of Canned; records requests."""

    name = "canned"

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[tuple[str, str], list[Canned]] = {}
        self.requests: list[Request] = []
        self.times: list[float] = []  # time.monotonic() of each request, in order
        self.on_request: Callable[[Request], None] | None = None
        self._routes_lock = threading.Lock()

    def set_route(self, method: str, path: str, answers: list[Canned]) -> None:
        """Replace the answers of one route (played in order, the last repeats)."""
        with self._routes_lock:
            self.routes[(method.upper(), path)] = list(answers)

    def handle(self, request: Request) -> Response:
        """The next canned answer of the request's route."""
        with self._routes_lock:
            self.requests.append(request)
            self.times.append(time.monotonic())
            queue = self.routes.get((request.method, request.path))
            if not queue:
                return Response.text(f"no canned answer for {request.method} {request.path}", 599)
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if self.on_request is not None:
            self.on_request(request)
        return Response(answer.status, answer.body, dict(answer.headers))

    def state(self) -> Any:
        """The routes and how many requests came (the admin endpoint's view)."""
        return {"routes": [f"{m} {p}" for m, p in self.routes], "requests": len(self.requests)}

    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        """Canned answers have no records to edit."""
        raise KeyError(record_id)

    def remove(self, record_id: str) -> None:
        """Canned answers have no records to remove."""
        raise KeyError(record_id)


class CannedServer:
    """A CannedService served on 127.0.0.1 (a context manager)."""

    def __init__(self) -> None:
        self.service = CannedService()
        self._server = SandboxServer(self.service)

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return self._server.url

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in order."""
        return self.service.requests

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
        self.service.set_route(method, path, [canned(status, body, headers, content_type)])

    def answers(self, method: str, path: str, answers: list[Canned]) -> None:
        """Make the route answer these in order (the last one repeats)."""
        self.service.set_route(method, path, answers)

    def requests_to(self, method: str, path: str) -> list[Request]:
        """The requests received on one route."""
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def __enter__(self) -> CannedServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
