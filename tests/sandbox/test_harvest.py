"""The Harvest stand-in against seed 003 and SERVICES.md, over real loopback sockets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.harvest import HarvestService
from tests.fakes import FakeClock

XML = {"Accept": "application/xml", "Content-Type": "application/xml"}
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

# Seed 003, verbatim.
SEED_CREATE = b"""<contact>
  <client-id type="integer">9</client-id>
  <email>Jane@Doe.com</email>
  <first-name>Jane</first-name>
  <last-name>Doe</last-name>
  <phone-office>555.555.5555</phone-office>
  <phone-mobile>555.555.7777</phone-mobile>
  <title>President</title>
  <fax>555.555.9999</fax>
</contact>"""
SEED_UPDATE = b"""<contact>
  <client-id type="integer">9</client-id>
  <email>Jane@JaneDoe.com</email>
  <first-name>Jane</first-name>
  <last-name>Doe</last-name>
  <phone-office>555.555.1111</phone-office>
  <phone-mobile>555.555.2222</phone-mobile>
  <fax>555.555.3333</fax>
</contact>"""
SEED_CONTACT_ELEMENTS = {
    "created-at": "datetime",
    "title": None,
    "updated-at": "datetime",
    "phone-office": None,
    "id": "integer",
    "client-id": "integer",
    "fax": None,
    "last-name": None,
    "email": None,
    "first-name": None,
    "phone-mobile": None,
}


@pytest.fixture
def api(harvest: SandboxServer) -> Iterator[httpx.Client]:
    """A client that does everything Harvest asks: Basic auth, XML media types."""
    service = harvest.service
    assert isinstance(service, HarvestService)
    with httpx.Client(
        base_url=harvest.url, auth=(service.email, service.password), headers=XML, timeout=10
    ) as client:
        yield client


def service_of(server: SandboxServer) -> HarvestService:
    service = server.service
    assert isinstance(service, HarvestService)
    return service


def values(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: None if child.get("nil") == "true" else child.text for child in element}


def check_contact_shape(contact: ET.Element) -> None:
    """Every element of the seed's contact, typed as the seed types it."""
    for name, kind in SEED_CONTACT_ELEMENTS.items():
        element = contact.find(name)
        assert element is not None, name
        assert element.get("type") == kind, name
        if element.get("nil") == "true":
            assert not element.text, name
        elif kind == "datetime":
            assert DATETIME.fullmatch(element.text or ""), element.text
        elif kind == "integer":
            assert (element.text or "").isdigit(), element.text


def test_list_has_the_seed_shape(api: httpx.Client) -> None:
    answer = api.get("/contacts")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "contacts" and root.get("type") == "array"
    assert len(root) == 5
    for contact in root:
        assert contact.tag == "contact"
        check_contact_shape(contact)


@pytest.mark.parametrize("count", [0, 1])
def test_list_of_zero_or_one_is_still_an_array(
    harvest: SandboxServer, api: httpx.Client, count: int
) -> None:
    harvest.service = HarvestService(contacts=count)
    root = ET.fromstring(api.get("/contacts").content)
    assert root.tag == "contacts" and root.get("type") == "array"
    assert [c.tag for c in root] == ["contact"] * count


def test_seed_create_answers_201_location_and_no_body(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    service_of(harvest).add_client("Doe Holdings", client_id=9)
    answer = api.post("/contacts", content=SEED_CREATE)
    assert answer.status_code == 201
    assert answer.content == b""
    location = answer.headers["location"]
    assert re.fullmatch(r"/contacts/\d+", location)
    contact = ET.fromstring(api.get(location).content)
    assert contact.tag == "contact"
    check_contact_shape(contact)
    got = values(contact)
    assert got["id"] == location.rsplit("/", 1)[1]
    assert got["client-id"] == "9"
    assert (got["first-name"], got["last-name"], got["email"]) == ("Jane", "Doe", "Jane@Doe.com")
    assert (got["phone-office"], got["phone-mobile"], got["fax"]) == (
        "555.555.5555",
        "555.555.7777",
        "555.555.9999",
    )
    assert got["title"] == "President"
    assert got["created-at"] == got["updated-at"]


def test_seed_update_changes_only_the_fields_sent(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    service = service_of(harvest)
    service.add_client("Doe Holdings", client_id=9)
    location = api.post("/contacts", content=SEED_CREATE).headers["location"]
    service.utcnow = lambda: datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    answer = api.put(location, content=SEED_UPDATE)
    assert answer.status_code == 200
    assert answer.headers["location"] == location
    got = values(ET.fromstring(api.get(location).content))
    assert got["email"] == "Jane@JaneDoe.com"
    assert (got["phone-office"], got["phone-mobile"], got["fax"]) == (
        "555.555.1111",
        "555.555.2222",
        "555.555.3333",
    )
    assert got["title"] == "President"  # not in the update: unchanged
    assert got["updated-at"] == "2030-05-06T07:08:09Z"
    assert got["created-at"] != got["updated-at"]


def test_put_of_one_field_keeps_the_rest(harvest: SandboxServer, api: httpx.Client) -> None:
    before = values(ET.fromstring(api.get("/contacts/1001").content))
    answer = api.put("/contacts/1001", content=b"<contact><title>Kaiwhakahaere</title></contact>")
    assert answer.status_code == 200
    after = values(ET.fromstring(api.get("/contacts/1001").content))
    assert after["title"] == "Kaiwhakahaere"
    for name in (
        "first-name",
        "last-name",
        "email",
        "phone-office",
        "phone-mobile",
        "fax",
        "client-id",
    ):
        assert after[name] == before[name], name


def test_put_stores_unknown_elements_and_nil(harvest: SandboxServer, api: httpx.Client) -> None:
    body = (
        '<contact><fax nil="true"></fax><custom-flag type="boolean">true</custom-flag>'
        "<nickname>Āpe</nickname></contact>"
    ).encode()
    assert api.put("/contacts/1001", content=body).status_code == 200
    contact = ET.fromstring(api.get("/contacts/1001").content)
    fax = contact.find("fax")
    assert fax is not None and fax.get("nil") == "true" and not fax.text
    flag = contact.find("custom-flag")
    assert flag is not None and flag.get("type") == "boolean" and flag.text == "true"
    assert values(contact)["nickname"] == "Āpe"
    stored = next(c for c in service_of(harvest).state()["contacts"] if c["id"] == 1001)
    assert stored["nickname"] == "Āpe" and stored["fax"] is None


def test_put_ignores_read_only_elements(api: httpx.Client) -> None:
    body = b'<contact><id type="integer">5</id><created-at type="datetime">2001-01-01T00:00:00Z</created-at></contact>'
    before = values(ET.fromstring(api.get("/contacts/1001").content))
    assert api.put("/contacts/1001", content=body).status_code == 200
    after = values(ET.fromstring(api.get("/contacts/1001").content))
    assert after["id"] == "1001" and after["created-at"] == before["created-at"]


def test_delete_then_404(api: httpx.Client) -> None:
    answer = api.delete("/contacts/1002")
    assert answer.status_code == 200
    assert api.get("/contacts/1002").status_code == 404
    assert api.delete("/contacts/1002").status_code == 404
    ids = [values(c)["id"] for c in ET.fromstring(api.get("/contacts").content)]
    assert "1002" not in ids and len(ids) == 4


@pytest.mark.parametrize(("method", "path"), [("GET", "/contacts/999"), ("PUT", "/contacts/999"),
                                              ("DELETE", "/contacts/999"), ("GET", "/clients/1/contacts"),
                                              ("GET", "/nowhere")])  # fmt: skip
def test_unknown_ids_answer_404(api: httpx.Client, method: str, path: str) -> None:
    answer = api.request(method, path, content=b"<contact><title>x</title></contact>")
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "auth",
    [None, ("demo@example.com", "wrong"), ("someone@example.com", "sandbox-harvest-password")],
)
def test_bad_credentials_answer_401(harvest: SandboxServer, auth: tuple[str, str] | None) -> None:
    answer = httpx.get(harvest.url + "/contacts", headers=XML, auth=auth)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Basic")


def test_garbage_authorization_answers_401(harvest: SandboxServer) -> None:
    headers = {**XML, "Authorization": "Basic !!!not-base64"}
    assert httpx.get(harvest.url + "/contacts", headers=headers).status_code == 401


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html"])
def test_missing_accept_answers_406(harvest: SandboxServer, accept: str | None) -> None:
    service = service_of(harvest)
    headers = {"Accept": accept} if accept else {"Accept": ""}
    answer = httpx.get(
        harvest.url + "/contacts", headers=headers, auth=(service.email, service.password)
    )
    assert answer.status_code == 406


def test_accept_with_parameters_and_alternatives_is_fine(harvest: SandboxServer) -> None:
    service = service_of(harvest)
    headers = {"Accept": "text/html, application/xml; charset=utf-8"}
    answer = httpx.get(
        harvest.url + "/contacts", headers=headers, auth=(service.email, service.password)
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json"])
def test_body_without_xml_content_type_answers_415(
    harvest: SandboxServer, content_type: str | None
) -> None:
    service = service_of(harvest)
    headers = {"Accept": "application/xml"}
    if content_type:
        headers["Content-Type"] = content_type
    with httpx.Client(base_url=harvest.url, auth=(service.email, service.password)) as client:
        assert client.post("/contacts", content=SEED_CREATE, headers=headers).status_code == 415
        assert client.put("/contacts/1001", content=SEED_UPDATE, headers=headers).status_code == 415
    assert service.state()["contacts"][0]["email"] != "Jane@JaneDoe.com"


@pytest.mark.parametrize("missing", ["client-id", "first-name", "last-name"])
def test_create_without_a_required_field_answers_422_naming_it(
    api: httpx.Client, missing: str
) -> None:
    fields = {"client-id": "11072", "first-name": "Mere", "last-name": "Tūhoe"}
    del fields[missing]
    body = "<contact>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</contact>"
    answer = api.post("/contacts", content=body.encode())
    assert answer.status_code == 422
    error = ET.fromstring(answer.content).findtext("error") or ""
    assert missing.replace("-id", "").replace("-", " ") in error.lower()
    assert "can't be blank" in error
    assert len(ET.fromstring(api.get("/contacts").content)) == 5


def test_create_for_an_unknown_client_is_refused(api: httpx.Client) -> None:
    body = b"<contact><client-id>424242</client-id><first-name>A</first-name><last-name>B</last-name></contact>"
    answer = api.post("/contacts", content=body)
    assert answer.status_code == 422
    assert "424242" in answer.text


def test_update_to_an_unknown_client_or_blank_name_is_refused(api: httpx.Client) -> None:
    assert (
        api.put(
            "/contacts/1001", content=b"<contact><client-id>1</client-id></contact>"
        ).status_code
        == 422
    )
    assert (
        api.put("/contacts/1001", content=b"<contact><last-name></last-name></contact>").status_code
        == 422
    )


def test_malformed_body_answers_400_with_a_hint(api: httpx.Client) -> None:
    answer = api.post("/contacts", content=b"<contact><first-name>Jane</contact>")
    assert answer.status_code == 400
    assert "Malformed XML" in answer.text
    assert answer.headers["hint"]
    wrong_root = api.post("/contacts", content=b"<person><first-name>Jane</first-name></person>")
    assert wrong_root.status_code == 400


def test_utf8_round_trip(harvest: SandboxServer, api: httpx.Client) -> None:
    names = ("Āperahama 🌿", "Nguyễn Thị Minh Khai", "Müller-Straße <&> \"'")
    body = (
        "<contact><client-id>11072</client-id>"
        f"<first-name>{names[0]}</first-name><last-name>{names[1]}</last-name>"
        f"<title>{names[2].replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</title></contact>"
    ).encode()
    location = api.post("/contacts", content=body).headers["location"]
    got = values(ET.fromstring(api.get(location).content))
    assert (got["first-name"], got["last-name"], got["title"]) == names


# --- updated_since and per-client listing -------------------------------------------------


def _stamp_contacts(service: HarvestService, moments: dict[int, datetime]) -> None:
    for contact_id, moment in moments.items():
        service.utcnow = lambda moment=moment: moment  # type: ignore[misc]
        service.edit(str(contact_id), {"title": f"edited {contact_id}"})


def test_updated_since_is_inclusive_at_minute_precision(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    service = service_of(harvest)
    _stamp_contacts(
        service,
        {
            1001: datetime(2030, 9, 25, 18, 29, 59, tzinfo=UTC),
            1002: datetime(2030, 9, 25, 18, 30, 0, tzinfo=UTC),
            1003: datetime(2030, 9, 25, 18, 30, 59, tzinfo=UTC),
            1004: datetime(2030, 9, 26, 1, 0, 0, tzinfo=UTC),
        },
    )
    answer = api.get("/contacts?updated_since=2030-09-25+18%3A30")
    ids = [values(c)["id"] for c in ET.fromstring(answer.content)]
    assert ids == ["1002", "1003", "1004"]
    later = api.get("/contacts", params={"updated_since": "2030-09-25 18:31"})
    assert [values(c)["id"] for c in ET.fromstring(later.content)] == ["1004"]


def test_seed_updated_since_example_is_accepted(api: httpx.Client) -> None:
    answer = api.get("/contacts?updated_since=2010-09-25+18%3A30")
    assert answer.status_code == 200
    assert len(ET.fromstring(answer.content)) == 5  # the sample data is newer than 2010


@pytest.mark.parametrize("since", ["2010-09-25T18:30:00Z", "yesterday", "2010-13-45 18:30", ""])
def test_bad_updated_since_answers_400(api: httpx.Client, since: str) -> None:
    answer = api.get("/contacts", params={"updated_since": since})
    assert answer.status_code == 400
    assert "updated_since" in answer.text


def test_contacts_of_one_client(harvest: SandboxServer, api: httpx.Client) -> None:
    service = service_of(harvest)
    state = service.state()["contacts"]
    client_id = state[0]["client-id"]
    expected = [str(c["id"]) for c in state if c["client-id"] == client_id]
    answer = api.get(f"/clients/{client_id}/contacts")
    root = ET.fromstring(answer.content)
    assert root.tag == "contacts" and root.get("type") == "array"
    assert [values(c)["id"] for c in root] == expected
    empty_client = service.add_client("Nobody Ltd")
    empty = ET.fromstring(api.get(f"/clients/{empty_client}/contacts").content)
    assert empty.tag == "contacts" and len(empty) == 0


def test_contacts_of_one_client_with_updated_since(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    service = service_of(harvest)
    client_id = service.state()["contacts"][0]["client-id"]
    _stamp_contacts(service, {1001: datetime(2031, 1, 1, tzinfo=UTC)})
    url = f"/clients/{client_id}/contacts?updated_since=2030-12-31+23%3A59"
    assert [values(c)["id"] for c in ET.fromstring(api.get(url).content)] == ["1001"]


# --- clients and the account ----------------------------------------------------------------


def test_clients_list_shape(api: httpx.Client) -> None:
    root = ET.fromstring(api.get("/clients").content)
    assert root.tag == "clients" and root.get("type") == "array"
    assert len(root) == 1  # company_count(5)
    client = root[0]
    for name, kind in (
        ("id", "integer"),
        ("name", None),
        ("active", "boolean"),
        ("updated-at", "datetime"),
    ):
        element = client.find(name)
        assert element is not None and element.get("type") == kind and element.text, name
    assert client.findtext("active") in ("true", "false")
    one = ET.fromstring(api.get(f"/clients/{client.findtext('id')}").content)
    assert one.tag == "client" and one.findtext("name") == client.findtext("name")


def test_who_am_i(api: httpx.Client) -> None:
    root = ET.fromstring(api.get("/account/who_am_i").content)
    assert root.tag == "hash"
    assert root.findtext("user/email") == "demo@example.com"
    assert root.findtext("company/name")
    assert (root.findtext("company/base-uri") or "").startswith("https://")
    user_id = root.find("user/id")
    assert user_id is not None and user_id.get("type") == "integer"


def test_rate_limit_status_counts_calls_but_not_itself(api: httpx.Client) -> None:
    for _ in range(3):
        api.get("/contacts")
    root = ET.fromstring(api.get("/account/rate_limit_status").content)
    assert root.tag == "hash"
    assert root.findtext("count") == "3"
    assert root.findtext("max-calls") == "100"
    assert root.findtext("timeframe-limit") == "15"
    assert root.findtext("lockout-seconds") == "0"
    root = ET.fromstring(api.get("/account/rate_limit_status").content)
    assert root.findtext("count") == "3"


# --- the throttle -------------------------------------------------------------------------


def test_the_101st_call_in_15_seconds_is_throttled(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    clock = FakeClock()
    service_of(harvest).clock = clock
    for _ in range(100):
        assert api.get("/contacts/1001").status_code == 200
        clock.advance(0.1)
    answer = api.get("/contacts/1001")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "15"
    status = ET.fromstring(api.get("/account/rate_limit_status").content)
    assert status.findtext("lockout-seconds") == "15"


def test_a_call_while_throttled_restarts_the_wait(
    harvest: SandboxServer, api: httpx.Client
) -> None:
    clock = FakeClock()
    service_of(harvest).clock = clock
    for _ in range(100):
        api.get("/contacts/1001")
    assert api.get("/contacts/1001").status_code == 503  # locked until now + 15
    clock.advance(10)
    again = api.get("/contacts/1001")  # restarts: locked until now + 15
    assert again.status_code == 503 and again.headers["retry-after"] == "15"
    clock.advance(14)
    assert api.get("/contacts/1001").status_code == 503  # would have been free without restart
    clock.advance(15)
    assert api.get("/contacts/1001").status_code == 200


def test_the_window_slides(harvest: SandboxServer, api: httpx.Client) -> None:
    clock = FakeClock()
    service_of(harvest).clock = clock
    for _ in range(100):
        api.get("/contacts/1001")
    clock.advance(15.01)
    assert api.get("/contacts/1001").status_code == 200


def test_limits_off_never_throttles(harvest: SandboxServer, api: httpx.Client) -> None:
    service = service_of(harvest)
    service.clock = FakeClock()
    service.limits_enabled = False
    assert all(api.get("/contacts/1001").status_code == 200 for _ in range(110))


def test_limits_switch_via_admin(harvest: SandboxServer, api: httpx.Client) -> None:
    answer = httpx.post(harvest.url + "/_sandbox/limits", json={"enabled": False})
    assert answer.status_code == 200
    assert service_of(harvest).limits_enabled is False


# --- the service side ---------------------------------------------------------------------


def test_state_lists_every_record(harvest: SandboxServer) -> None:
    state = httpx.get(harvest.url + "/_sandbox/state").json()
    assert state == service_of(harvest).state()
    assert [c["id"] for c in state["contacts"]] == [1001, 1002, 1003, 1004, 1005]
    assert {"first-name", "last-name", "email", "client-id", "updated-at", "created-at"} <= set(
        state["contacts"][0]
    )
    assert state["clients"][0]["id"] == 11072


def test_edit_on_the_service_side(harvest: SandboxServer, api: httpx.Client) -> None:
    service = service_of(harvest)
    service.utcnow = lambda: datetime(2032, 2, 2, 2, 2, 2, tzinfo=UTC)
    service.edit("1001", {"first-name": "Hēmi", "fax": None})
    got = values(ET.fromstring(api.get("/contacts/1001").content))
    assert got["first-name"] == "Hēmi" and got["fax"] is None
    assert got["updated-at"] == "2032-02-02T02:02:02Z"
    answer = httpx.post(
        harvest.url + "/_sandbox/edit", json={"id": 1002, "changes": {"email": "x@example.org"}}
    )
    assert answer.status_code == 200
    assert values(ET.fromstring(api.get("/contacts/1002").content))["email"] == "x@example.org"


def test_remove_on_the_service_side(harvest: SandboxServer, api: httpx.Client) -> None:
    service_of(harvest).remove("1001")
    assert api.get("/contacts/1001").status_code == 404
    assert httpx.post(harvest.url + "/_sandbox/delete", json={"id": "1002"}).status_code == 200
    assert api.get("/contacts/1002").status_code == 404
    assert httpx.post(harvest.url + "/_sandbox/delete", json={"id": "1002"}).status_code == 404


def test_admin_refuses_bad_edits(harvest: SandboxServer) -> None:
    assert (
        httpx.post(harvest.url + "/_sandbox/edit", json={"id": 999, "changes": {}}).status_code
        == 404
    )
    read_only = httpx.post(harvest.url + "/_sandbox/edit", json={"id": 1001, "changes": {"id": 3}})
    assert read_only.status_code == 400
    assert httpx.post(harvest.url + "/_sandbox/edit", json={"changes": {}}).status_code == 400


def test_reset_and_reset_via_admin(harvest: SandboxServer, api: httpx.Client) -> None:
    service = service_of(harvest)
    service.reset(contacts=12, seed=4)
    assert len(ET.fromstring(api.get("/contacts").content)) == 12
    service.add_fault("status", status=500)
    answer = httpx.post(harvest.url + "/_sandbox/reset", json={"contacts": 2, "seed": 1})
    assert answer.status_code == 200
    assert len(ET.fromstring(api.get("/contacts").content)) == 2  # the fault was cleared too


def test_sample_data_is_deterministic() -> None:
    assert (
        HarvestService(contacts=30, seed=3).state() == HarvestService(contacts=30, seed=3).state()
    )
    assert (
        HarvestService(contacts=30, seed=3).state() != HarvestService(contacts=30, seed=4).state()
    )
