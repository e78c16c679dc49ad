"""connectors/http.py against a tiny sandbox service over real loopback sockets."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from addressbook.connectors.base import CancelToken
from addressbook.connectors.http import (
    USER_AGENT,
    HttpClient,
    HttpSettings,
    parse_retry_after,
    require_secure_url,
)
from addressbook.errors import (
    AccountError,
    AuthError,
    BadAnswer,
    Cancelled,
    RateLimited,
    ServiceUnavailable,
)
from addressbook.sandbox.core import Request, Response, SandboxServer, Service
from tests.fakes import FakeClock

SECRET = "s3cr3t-Pa55word+/="
QUERY_SECRET = "xk-9f8e7d6c5b4a"


class EchoService(Service):
    """Answers /echo with the request's method, path and headers; /big with 3 MB."""

    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Request] = []

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.seen.append(request)
        if request.path == "/big":
            return Response.text("x" * (3 * 1024 * 1024))
        if request.path == "/denied":
            return Response.text("no", 401)
        if request.path == "/missing":
            return Response.text("not here", 404)
        return Response.json(
            {"method": request.method, "path": request.path, "ua": request.header("user-agent")}
        )

    def state(self) -> Any:
        return [r.path for r in self.seen]

    def edit(self, record_id: str, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def remove(self, record_id: str) -> None:
        raise NotImplementedError


@pytest.fixture
def echo() -> Iterator[tuple[SandboxServer, EchoService]]:
    service = EchoService()
    with SandboxServer(service) as server:
        yield server, service


def make_client(url: str, **overrides: Any) -> HttpClient:
    settings = HttpSettings(
        connect_timeout=2,
        read_timeout=overrides.pop("read_timeout", 2),
        give_up_seconds=overrides.pop("give_up_seconds", 5),
        connect_give_up_seconds=overrides.pop("connect_give_up_seconds", 10),
        backoff_base=0.05,
        backoff_max=0.2,
        max_calls=overrides.pop("max_calls", None),
        per_seconds=overrides.pop("per_seconds", 1.0),
    )
    options: dict[str, Any] = {"service": "Echo", "account": "work", "settings": settings}
    options.update(overrides)
    return HttpClient(url, **options)


def test_get_sends_user_agent_and_reads_body(echo: tuple[SandboxServer, EchoService]) -> None:
    server, _ = echo
    with make_client(server.url) as client:
        answer = client.request("GET", "/echo").json()
    assert answer == {"method": "GET", "path": "/echo", "ua": USER_AGENT}
    assert USER_AGENT.startswith("addressbook/")


def test_https_required_except_loopback() -> None:
    with pytest.raises(AccountError, match="not https"):
        require_secure_url("http://example.com/api", "Harvest")
    with pytest.raises(AccountError, match="not https"):
        HttpClient("http://10.0.0.1:8080", service="Harvest", account="a")
    assert require_secure_url("https://x.harvestapp.com/") == "https://x.harvestapp.com"
    for url in ("http://127.0.0.1:80", "http://127.5.0.1", "http://localhost:9", "http://[::1]:8"):
        assert require_secure_url(url) == url
    with pytest.raises(AccountError, match="not a web address"):
        require_secure_url("ftp://example.com")


def test_retry_after_honoured_for_get(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", status=503, retry_after=1)
    clock = FakeClock()
    with make_client(server.url, throttle_statuses=(429, 503), clock=clock) as client:
        answer = client.request("GET", "/echo")
    assert answer.status_code == 200
    assert clock.slept == [1.0]  # exactly what Retry-After asked, on the fake clock
    assert service.requests_seen == 2


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now=now) == pytest.approx(10, abs=1)
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_unsafe_request_not_retried(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", status=429, retry_after=1)
    with make_client(server.url, limit_description="60 calls per minute") as client:
        started = time.monotonic()
        with pytest.raises(RateLimited) as caught:
            client.request("POST", "/echo", content=b"<x/>")
        assert time.monotonic() - started < 0.9
    assert service.requests_seen == 1
    assert "60 calls per minute" in str(caught.value)
    assert caught.value.retry_after == 1


def test_write_with_idempotency_is_retried(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", status=429, retry_after=2)
    clock = FakeClock()
    with make_client(server.url, clock=clock) as client:
        assert client.request("POST", "/echo", safe=True).json()["method"] == "POST"
    assert service.requests_seen == 2 and clock.slept == [2.0]


def test_give_up_bound_names_limit_and_wait(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", count=100, status=503, retry_after=1)
    clock = FakeClock()
    with (
        make_client(
            server.url,
            give_up_seconds=2.5,
            throttle_statuses=(429, 503),
            limit_description="100 calls per 15 seconds",
            clock=clock,
        ) as client,
        pytest.raises(RateLimited) as caught,
    ):
        client.request("GET", "/echo")
    message = str(caught.value)
    assert "100 calls per 15 seconds" in message and "after waiting 2 seconds" in message
    assert "account work" in message and caught.value.account == "work"
    assert clock.slept == [1.0, 1.0] and service.requests_seen == 3


def test_retry_after_longer_than_give_up_fails_at_once(
    echo: tuple[SandboxServer, EchoService],
) -> None:
    server, service = echo
    service.add_fault("status", status=503, retry_after=600)
    with make_client(server.url, give_up_seconds=5) as client:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="asks to wait 600 seconds"):
            client.request("GET", "/echo")
        assert time.monotonic() - started < 1


def test_503_without_retry_after_backs_off(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", count=2, status=503)
    with make_client(server.url) as client:
        assert client.request("GET", "/echo").status_code == 200
    assert service.requests_seen == 3


def test_timeout_is_service_unavailable(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("hang", count=10, seconds=1.0)
    client = make_client(server.url, read_timeout=0.3, give_up_seconds=0.8)
    with client, pytest.raises(ServiceUnavailable, match="did not answer within 0.3 seconds"):
        client.request("GET", "/echo")


def test_cut_mid_body_is_service_unavailable(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("cut")
    with make_client(server.url) as client, pytest.raises(ServiceUnavailable, match="cut off"):
        client.request("GET", "/echo")


def test_unreachable_names_service_and_url() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(f"http://127.0.0.1:{port}", give_up_seconds=0.3)
    with client, pytest.raises(ServiceUnavailable) as caught:
        client.request("GET", "/echo")
    assert str(caught.value).startswith(
        f"Echo at http://127.0.0.1:{port} cannot be reached (tried for"
    )
    assert "check your network" in str(caught.value)


def free_port() -> int:
    """A loopback port nobody listens on (closed again at once)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_gives_up_within_the_short_bound() -> None:
    port = free_port()
    client = make_client(
        f"http://127.0.0.1:{port}", give_up_seconds=60, connect_give_up_seconds=0.6
    )
    started = time.monotonic()
    with client, pytest.raises(ServiceUnavailable, match="cannot be reached") as caught:
        client.request("GET", "/echo")
    elapsed = time.monotonic() - started
    assert elapsed < 2  # the connection bound (0.6 s), not give_up_seconds (60 s)
    assert client.calls > 1  # it did retry while the bound lasted
    assert "check your network" in str(caught.value)


def test_a_host_back_within_the_short_bound_is_reached() -> None:
    port = free_port()
    late: list[SandboxServer] = []
    timer = threading.Timer(0.3, lambda: late.append(SandboxServer(EchoService(), port).start()))
    client = make_client(f"http://127.0.0.1:{port}", connect_give_up_seconds=3)
    timer.start()
    try:
        with client:
            assert client.request("GET", "/echo").json()["path"] == "/echo"
        assert client.calls > 1  # refused at first, then answered
    finally:
        timer.join()
        for server in late:
            server.stop()


def test_a_stalled_answer_keeps_the_long_bound(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("hang", count=3, seconds=1.0)
    client = make_client(
        server.url, read_timeout=0.2, give_up_seconds=5, connect_give_up_seconds=0.1
    )
    with client:  # three timeouts on a connection made: longer than 0.1 s, and still retried
        assert client.request("GET", "/echo").status_code == 200
    assert client.calls == 4


def test_retry_after_keeps_the_long_bound(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", status=503, retry_after=5)
    clock = FakeClock()
    client = make_client(
        server.url, connect_give_up_seconds=0.1, throttle_statuses=(429, 503), clock=clock
    )
    with client:
        assert client.request("GET", "/echo").status_code == 200
    assert client.calls == 2 and client.waited_seconds == 5 and clock.slept == [5.0]


def test_connect_give_up_is_an_account_setting() -> None:
    settings = HttpSettings.from_settings({"connect_give_up_seconds": "2.5"})
    assert settings.connect_give_up_seconds == 2.5
    assert settings.give_up_seconds == HttpSettings().give_up_seconds
    assert HttpSettings().connect_give_up_seconds <= 10
    with pytest.raises(AccountError, match="connect_give_up_seconds must be a number"):
        HttpSettings.from_settings({"connect_give_up_seconds": "soon"})


def test_auth_failure_uses_connector_sentence(echo: tuple[SandboxServer, EchoService]) -> None:
    server, _ = echo
    client = make_client(server.url, auth_message="Echo refused the key; enter it again.")
    with client, pytest.raises(AuthError, match="^Echo refused the key; enter it again.$"):
        client.request("GET", "/denied")


def test_other_statuses_are_returned(echo: tuple[SandboxServer, EchoService]) -> None:
    server, _ = echo
    with make_client(server.url) as client:
        assert client.request("GET", "/missing").status_code == 404


def test_answer_size_cap(echo: tuple[SandboxServer, EchoService]) -> None:
    server, _ = echo
    with make_client(server.url) as client:
        with pytest.raises(BadAnswer, match="larger than 1 MB"):
            client.request("GET", "/big", max_bytes=1024 * 1024)
        with client.stream("GET", "/big") as response:  # streaming has no whole-answer cap
            assert sum(len(c) for c in client.iter_bytes(response)) == 3 * 1024 * 1024


def test_secrets_never_logged_or_in_errors(
    echo: tuple[SandboxServer, EchoService], caplog: pytest.LogCaptureFixture
) -> None:
    server, service = echo
    caplog.set_level(logging.DEBUG, logger="addressbook")
    service.add_fault("status", count=3, status=503)
    client = make_client(
        server.url,
        auth=("me@example.com", SECRET),
        params={"xeroKey": QUERY_SECRET},
        give_up_seconds=0.2,
    )
    with client, pytest.raises(ServiceUnavailable) as caught:
        client.request("GET", "/echo", params={"page": "1"})
    assert service.requests_seen >= 1
    text = caplog.text + str(caught.value) + repr(caught.value)
    assert "/echo" in caplog.text and "page=1" in caplog.text
    assert QUERY_SECRET not in text and SECRET not in text
    assert "xeroKey=***" in caplog.text


def test_query_secret_sent_but_not_logged(
    echo: tuple[SandboxServer, EchoService], caplog: pytest.LogCaptureFixture
) -> None:
    server, service = echo
    caplog.set_level(logging.DEBUG, logger="addressbook")
    with make_client(server.url, params={"apiKey": QUERY_SECRET}, auth=("u", SECRET)) as client:
        client.request("GET", "/echo")
    assert service.seen[0].arg("apiKey") == QUERY_SECRET
    assert service.seen[0].header("authorization", "").startswith("Basic ")
    assert QUERY_SECRET not in caplog.text and SECRET not in caplog.text
    assert "GET" in caplog.text and "200" in caplog.text


def test_cancel_during_retry_wait(echo: tuple[SandboxServer, EchoService]) -> None:
    server, service = echo
    service.add_fault("status", status=503, retry_after=30)
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    with make_client(server.url, cancel=cancel, give_up_seconds=60) as client:
        started = time.monotonic()
        with pytest.raises(Cancelled):
            client.request("GET", "/echo")
        assert time.monotonic() - started < 2
    timer.join()


def test_pacing_spaces_calls(echo: tuple[SandboxServer, EchoService]) -> None:
    server, _ = echo
    clock = FakeClock()
    with make_client(server.url, max_calls=3, per_seconds=10, clock=clock) as client:
        for _ in range(7):
            client.request("GET", "/echo")
    # 7 calls at 3 per 10 s: the 4th and the 7th wait for a window to pass
    assert clock.now() - clock.start == pytest.approx(20, abs=0.01)


def test_throttle_pauses_other_requests_of_the_account(
    echo: tuple[SandboxServer, EchoService],
) -> None:
    server, service = echo
    service.add_fault("status", status=503, retry_after=4)
    clock = FakeClock()
    with make_client(server.url, throttle_statuses=(503,), clock=clock) as client:
        with pytest.raises(RateLimited):
            client.request("DELETE", "/echo")  # unsafe: raised at once, but the pause stays
        assert clock.slept == []
        client.request("GET", "/echo")
        assert sum(clock.slept) == pytest.approx(4, abs=0.01)


def test_on_response_hook_sees_headers(echo: tuple[SandboxServer, EchoService]) -> None:
    server, _ = echo
    seen: list[int] = []
    with make_client(server.url, on_response=lambda r: seen.append(r.status_code)) as client:
        client.request("GET", "/echo")
        client.request("GET", "/missing")
    assert seen == [200, 404]


def test_settings_from_account() -> None:
    settings = HttpSettings.from_settings({"read_timeout": "3.5"}, max_calls=95)
    assert settings.read_timeout == 3.5 and settings.max_calls == 95
    with pytest.raises(AccountError, match="read_timeout must be a number"):
        HttpSettings.from_settings({"read_timeout": "soon"})
