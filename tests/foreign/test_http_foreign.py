"""http.py against servers that misbehave at the socket level (over real loopback sockets)."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from addressbook.connectors.http import HttpClient, HttpSettings, parse_retry_after
from addressbook.errors import BadAnswer, RateLimited, ServiceUnavailable
from tests.fakes import Canned, CannedServer, FakeClock


def client(server: CannedServer, clock: FakeClock | None = None, **settings: Any) -> HttpClient:
    """An HttpClient for the canned server with short bounds (waits on `clock` when given)."""
    bounds = {"read_timeout": 2.0, "connect_timeout": 2.0, "give_up_seconds": 3.0, **settings}
    return HttpClient(
        server.url,
        service="Harvest",
        account="work",
        settings=HttpSettings(**bounds),
        auth=("jane@doe.com", "pw"),
        limit_description="100 calls per 15 seconds",
        throttle_statuses=(429, 503),
        clock=clock,
    )


def test_body_slower_than_the_read_timeout(server: CannedServer) -> None:
    server.route(
        "GET", "/slow", Canned(200, chunks=[b"<contacts>", b"</contacts>"], chunk_delay=1.5)
    )
    with client(server, read_timeout=0.3) as http:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="stopped sending its answer for 0.3 seconds"):
            http.request("GET", "/slow")
        assert time.monotonic() - started < 1.2


def test_streamed_body_slower_than_the_read_timeout(server: CannedServer) -> None:
    server.route("GET", "/slow", Canned(200, chunks=[b"<a>", b"</a>"], chunk_delay=1.5))
    http = client(server, read_timeout=0.3)
    with http, http.stream("GET", "/slow") as response, pytest.raises(ServiceUnavailable):
        list(http.iter_bytes(response))


def test_trickled_body_is_cut_at_the_answer_bound(server: CannedServer) -> None:
    # each chunk comes within the read timeout, but the whole would take 20 seconds
    chunks = [b"<a>"] + [b" "] * 200 + [b"</a>"]
    server.route("GET", "/trickle", Canned(200, chunks=chunks, chunk_delay=0.1))
    with client(server, read_timeout=0.5, answer_seconds=0.8) as http:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="too slowly"):
            http.request("GET", "/trickle")
        assert time.monotonic() - started < 2


def test_hang_up_without_answer_read_is_retried(server: CannedServer) -> None:
    server.route("GET", "/x", Canned(close=True), Canned(200, body=b"ok"))
    with client(server, backoff_base=0.05) as http:
        assert http.request("GET", "/x").content == b"ok"
    assert len(server.sent("GET", "/x")) == 2


def test_hang_up_without_answer_write_is_not_retried(server: CannedServer) -> None:
    server.route("POST", "/x", Canned(close=True), Canned(201))
    http = client(server)
    with http, pytest.raises(ServiceUnavailable) as caught:
        http.request("POST", "/x", content=b"<contact/>", safe=False)
    assert len(server.sent("POST", "/x")) == 1
    assert "closed the connection without answering" in str(caught.value)


def test_hang_up_every_time_gives_up_with_a_sentence(server: CannedServer) -> None:
    server.route("GET", "/x", Canned(close=True))
    http = client(server, give_up_seconds=0.6, backoff_base=0.05)
    with http, pytest.raises(ServiceUnavailable, match="tried for") as caught:
        http.request("GET", "/x")
    assert str(caught.value).endswith(".")
    assert len(server.sent("GET", "/x")) >= 2


def test_chunked_body(server: CannedServer) -> None:
    chunks = [b"<contacts>"] + [b"<contact><id>%d</id></contact>" % n for n in range(300)]
    server.route(
        "GET",
        "/c",
        Canned(200, [("Content-Type", "application/xml")], chunks=[*chunks, b"</contacts>"]),
    )
    with client(server) as http:
        assert http.request("GET", "/c").content == b"".join(chunks) + b"</contacts>"


def test_gzip_body(server: CannedServer) -> None:
    body = b"<contacts>" + b"<contact><id>1</id></contact>" * 1000 + b"</contacts>"
    server.route("GET", "/z", Canned(200, [("Content-Encoding", "gzip")], gzip.compress(body)))
    with client(server) as http:
        assert http.request("GET", "/z").content == body
    assert "gzip" in (server.requests[0].header("Accept-Encoding") or "")


def test_corrupt_gzip_is_a_bad_answer(server: CannedServer) -> None:
    server.route(
        "GET",
        "/z",
        Canned(200, [("Content-Encoding", "gzip")], gzip.compress(b"hello")[:10] + b"\xff" * 20),
    )
    with client(server) as http, pytest.raises(BadAnswer, match="could not be decompressed"):
        http.request("GET", "/z")


def test_gzip_bomb_is_capped(server: CannedServer) -> None:
    bomb = gzip.compress(b"\0" * (4 * 1024 * 1024))
    server.route("GET", "/z", Canned(200, [("Content-Encoding", "gzip")], bomb))
    http = client(server, max_answer_bytes=1024 * 1024)
    with http, pytest.raises(BadAnswer, match="larger than 1 MB"):
        http.request("GET", "/z")


def test_redirect_is_not_followed(server: CannedServer) -> None:
    # refused, not followed: a followed POST becomes a GET (302) and credentials would go
    # wherever the answer points; the connectors turn the 3xx into an AccountError sentence.
    server.route("GET", "/a", Canned(302, [("Location", "/b")]))
    server.route("GET", "/b", Canned(200, body=b"moved"))
    with client(server) as http:
        assert http.request("GET", "/a").status_code == 302
    assert not server.sent("GET", "/b")


@pytest.mark.parametrize("retry_after", ["7200", "http-date"])
def test_retry_after_beyond_give_up_fails_at_once(server: CannedServer, retry_after: str) -> None:
    if retry_after == "http-date":
        retry_after = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    server.route("GET", "/x", Canned(503, [("Retry-After", retry_after)]))
    with client(server) as http:
        started = time.monotonic()
        with pytest.raises(RateLimited, match=r"asks to wait 7\d\d\d seconds") as caught:
            http.request("GET", "/x")
        assert caught.value.retry_after is not None and caught.value.retry_after > 7000
        assert "100 calls per 15 seconds" in str(caught.value)
        with pytest.raises(RateLimited, match="wait"):  # later calls: no 2-hour sleep either
            http.request("GET", "/other")
        assert time.monotonic() - started < 1.5
    assert [r.path for r in server.requests] == ["/x"]


def test_short_pause_still_holds_later_calls(server: CannedServer) -> None:
    server.route("GET", "/x", Canned(503, [("Retry-After", "1")]), Canned(200, body=b"ok"))
    clock = FakeClock()
    with client(server, clock=clock) as http:
        assert http.request("GET", "/x").content == b"ok"
    assert clock.slept == [1.0]


@pytest.mark.parametrize("value", ["inf", "nan", "-5", "soon", "1e400", ""])
def test_strange_retry_after_values(value: str) -> None:
    assert parse_retry_after(value) in (None, 0.0)


def test_retry_after_http_date_with_minus_zero_zone_is_gmt() -> None:
    when = datetime.now(UTC) + timedelta(seconds=100)
    value = when.strftime("%a, %d %b %Y %H:%M:%S -0000")
    seconds = parse_retry_after(value)
    assert seconds is not None and 95 <= seconds <= 101


def test_retry_after_in_the_past_is_zero() -> None:
    past = format_datetime(datetime.now(UTC) - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(past) == 0.0


def test_status_line_only_then_close(server: CannedServer) -> None:
    server.route(
        "GET", "/x", Canned(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<contacts>")
    )
    with client(server) as http, pytest.raises(ServiceUnavailable, match="cut off"):
        http.request("GET", "/x")


def test_garbage_instead_of_http(server: CannedServer) -> None:
    server.route("GET", "/x", Canned(raw=b"SSH-2.0-OpenSSH_9.0\r\n"))
    http = client(server, give_up_seconds=0.5, backoff_base=0.05)
    with http, pytest.raises(ServiceUnavailable) as caught:
        http.request("GET", "/x")
    assert str(caught.value).endswith(".")
