"""Every fault switch, armed from Python and from the admin endpoint (on the Harvest stand-in)."""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from addressbook.sandbox.core import FAULT_KINDS, SandboxServer
from addressbook.sandbox.harvest import HarvestService

Arm = Callable[..., None]


@pytest.fixture
def api(harvest: SandboxServer) -> Iterator[httpx.Client]:
    """A well-behaved Harvest client."""
    service = harvest.service
    assert isinstance(service, HarvestService)
    with httpx.Client(
        base_url=harvest.url,
        auth=(service.email, service.password),
        headers={"Accept": "application/xml"},
        timeout=10,
    ) as client:
        yield client


@pytest.fixture(params=["python", "admin"])
def arm(request: pytest.FixtureRequest, harvest: SandboxServer) -> Arm:
    """Arms a fault one of two ways: `arm(kind, count=1, **options)`."""

    def from_python(kind: str, count: int = 1, **options: Any) -> None:
        harvest.service.add_fault(kind, count, **options)

    def from_admin(kind: str, count: int = 1, **options: Any) -> None:
        answer = httpx.post(
            harvest.url + "/_sandbox/faults", json={"kind": kind, "count": count, **options}
        )
        assert answer.status_code == 200, answer.text

    return from_python if request.param == "python" else from_admin


def assert_healthy(api: httpx.Client) -> None:
    answer = api.get("/contacts")
    assert answer.status_code == 200
    assert len(ET.fromstring(answer.content)) == 5


def test_status_with_retry_after_for_the_next_n(arm: Arm, api: httpx.Client) -> None:
    arm("status", count=2, status=503, retry_after=7)
    for _ in range(2):
        answer = api.get("/contacts")
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "7"
    assert_healthy(api)


def test_status_with_a_body_and_no_retry_after(arm: Arm, api: httpx.Client) -> None:
    arm("status", status=500, body="Internal error: try later")
    answer = api.get("/contacts")
    assert answer.status_code == 500 and answer.text == "Internal error: try later"
    assert "retry-after" not in answer.headers
    assert_healthy(api)


def test_fractional_retry_after_is_rounded_up(arm: Arm, api: httpx.Client) -> None:
    arm("status", status=429, retry_after=1.2)
    assert api.get("/contacts").headers["retry-after"] == "2"


def test_hang_makes_the_client_time_out(arm: Arm, api: httpx.Client) -> None:
    arm("hang", seconds=5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        api.get("/contacts", timeout=0.3)
    assert time.monotonic() - started < 3
    assert_healthy(api)  # another connection; the hung thread is ended by the fixture


def test_short_hang_still_answers(arm: Arm, api: httpx.Client) -> None:
    arm("hang", seconds=0.2)
    started = time.monotonic()
    assert_healthy(api)
    assert time.monotonic() - started >= 0.2


def test_cut_closes_the_connection_mid_body(arm: Arm, api: httpx.Client) -> None:
    arm("cut")
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/contacts")
    assert_healthy(api)


def test_truncate_sends_half_a_body(arm: Arm, api: httpx.Client) -> None:
    whole = api.get("/contacts").content
    arm("truncate")
    answer = api.get("/contacts")
    assert answer.status_code == 200
    assert answer.content == whole[: len(whole) // 2]
    with pytest.raises(ET.ParseError):
        ET.fromstring(answer.content)
    assert_healthy(api)


def test_malformed_is_not_well_formed(arm: Arm, api: httpx.Client) -> None:
    arm("malformed")
    answer = api.get("/contacts")
    assert answer.status_code == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(answer.content)


def test_entity_bomb(arm: Arm, api: httpx.Client) -> None:
    arm("entity_bomb")
    answer = api.get("/contacts")
    assert answer.status_code == 200
    assert b"<!DOCTYPE" in answer.content and b"<!ENTITY lol9" in answer.content
    assert len(answer.content) < 10_000  # small on the wire, a billion "lol"s expanded


def test_external_entity(arm: Arm, api: httpx.Client) -> None:
    arm("external_entity")
    answer = api.get("/contacts")
    assert b'SYSTEM "file:///etc/passwd"' in answer.content
    assert b"&xxe;" in answer.content


def test_huge_answer_is_50_mb_of_one_field(arm: Arm, api: httpx.Client) -> None:
    arm("huge")
    size = 0
    with api.stream("GET", "/contacts") as answer:
        assert answer.status_code == 200
        first = b""
        for chunk in answer.iter_raw():
            if not first:
                first = chunk
            size += len(chunk)
    assert size >= 50 * 1024 * 1024
    assert b"<first-name>" in first
    assert_healthy(api)


def test_gzip_bomb_is_a_small_gzip_body_that_expands_to_a_gibibyte(
    arm: Arm, api: httpx.Client
) -> None:
    import zlib

    arm("gzip_bomb")
    with api.stream("GET", "/contacts") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-encoding"] == "gzip"
        raw = b"".join(answer.iter_raw())
    assert len(raw) < 2 * 1024 * 1024
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    first = inflater.decompress(raw)  # stops at the end of the first gzip member
    assert inflater.eof and first == b" " * (8 * 1024 * 1024)
    member = raw[: len(raw) - len(inflater.unused_data)]
    assert raw == member * 128  # 128 members of 8 MiB: a gibibyte
    assert_healthy(api)


def test_status_with_a_content_type(arm: Arm, api: httpx.Client) -> None:
    page = "<html><head><title>Down for maintenance</title></head><body>soon</body></html>"
    arm("status", status=503, body=page, content_type="text/html; charset=utf-8")
    answer = api.get("/contacts")
    assert answer.status_code == 503 and answer.headers["content-type"].startswith("text/html")
    assert answer.text == page
    assert_healthy(api)


def test_every_kind_is_tested_here() -> None:
    tested = {
        "status",
        "hang",
        "cut",
        "truncate",
        "malformed",
        "entity_bomb",
        "external_entity",
        "huge",
        "gzip_bomb",
    }
    assert tested == set(FAULT_KINDS)


def test_faults_fire_in_order_and_clear(harvest: SandboxServer, api: httpx.Client) -> None:
    harvest.service.add_fault("status", status=502)
    harvest.service.add_fault("status", status=504)
    listed = httpx.get(harvest.url + "/_sandbox/faults").json()
    assert [f["status"] for f in listed] == [502, 504]
    assert api.get("/contacts").status_code == 502
    assert httpx.post(harvest.url + "/_sandbox/clear-faults").status_code == 200
    assert httpx.get(harvest.url + "/_sandbox/faults").json() == []
    assert_healthy(api)


def test_admin_calls_are_never_faulted(harvest: SandboxServer) -> None:
    harvest.service.add_fault("status", status=500)
    assert httpx.get(harvest.url + "/_sandbox/state").status_code == 200
    assert len(harvest.service.faults) == 1


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_sandbox/faults", b'{"kind": "explode"}', 400),
        ("/_sandbox/faults", b"not json", 400),
        ("/_sandbox/faults", b"[1, 2]", 400),
        ("/_sandbox/faults", b'{"kind": "status", "count": "many"}', 400),
        ("/_sandbox/whatever", b"{}", 404),
    ],
)
def test_admin_refuses_bad_input(
    harvest: SandboxServer, path: str, body: bytes, status: int
) -> None:
    answer = httpx.post(harvest.url + path, content=body)
    assert answer.status_code == status
    assert answer.text.startswith("admin:")
    assert not harvest.service.faults


def test_admin_wants_post(harvest: SandboxServer) -> None:
    assert httpx.get(harvest.url + "/_sandbox/edit").status_code == 405


def test_python_refuses_unknown_fault() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        HarvestService().add_fault("explode")


def test_swapping_the_service_of_a_running_server(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    harvest.service = HarvestService(contacts=2)
    assert len(ET.fromstring(api.get("/contacts").content)) == 2


def test_stop_closes_the_port() -> None:
    server = SandboxServer(HarvestService()).start()
    port = server.port
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_stop_ends_a_hanging_answer() -> None:
    server = SandboxServer(HarvestService()).start()
    server.service.add_fault("hang", seconds=60)
    with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get(server.url + "/contacts")
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
