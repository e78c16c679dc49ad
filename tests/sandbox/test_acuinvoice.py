"""The AcuInvoice stand-in against seed 004 and SERVICES.md, over real loopback sockets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from addressbook.sandbox.acuinvoice import AcuInvoiceService
from addressbook.sandbox.core import SandboxServer

# Seed 004's requests, with the document's typographic quotes made plain and its
# annotations ("//mandatory", "# Filter by client (Optional)") left out: they are prose.
SEED_CREATE = """<?xml version="1.0" encoding="UTF-8"?>
<request method="contact.create">
<contact>
<client_id>1</client_id>
<first_name>Jane</first_name>
<last_name>Doe</last_name>
<email>janedoe@janedoe.com</email>
<phone>(123) 456-7890</phone>
<mobile_phone>(123) 456-7890</mobile_phone>
</contact>
</request>"""
SEED_UPDATE = """<?xml version="1.0" encoding="UTF-8"?>
<request method="contact.update">
<contact>
<contact_id>{id}</contact_id>
<email>jane@example.org</email>
</contact>
</request>"""
SEED_GET = '<?xml version="1.0" encoding="UTF-8"?> <request method="contact.get"> <contact_id>{id}</contact_id> </request>'
SEED_DELETE = '<?xml version="1.0" encoding="UTF-8"?> <request method="contact.delete"> <contact_id>{id}</contact_id> </request>'
SEED_LIST = """<?xml version="1.0" encoding="UTF-8"?> <request method="contact.list"> <client_id>1</client_id>
<email>janedoe@janedoe.com</email> <page>1</page> <per_page>15</per_page> </request>"""
SEED_GET_FIELDS = ("contact_id", "first_name", "last_name", "email", "phone", "mobile_phone")


def service_of(server: SandboxServer) -> AcuInvoiceService:
    service = server.service
    assert isinstance(service, AcuInvoiceService)
    return service


@pytest.fixture
def api(acuinvoice: SandboxServer) -> Iterator[httpx.Client]:
    """A client with the key as the Basic user name and the usual X password."""
    with httpx.Client(
        base_url=acuinvoice.url, auth=(service_of(acuinvoice).api_key, "X"), timeout=10
    ) as client:
        yield client


def call(api: httpx.Client, body: str) -> ET.Element:
    """POST one request; the HTTP answer must be 200 with a <response>."""
    answer = api.post("/api/xml-in", content=body.encode("utf-8"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    assert answer.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(answer.content)
    assert root.tag == "response"
    return root


def request(method: str, inner: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><request method="{method}">{inner}</request>'


def assert_fail(root: ET.Element, *words: str) -> str:
    assert root.get("status") == "fail"
    error = root.findtext("error") or ""
    for word in words:
        assert word in error, (word, error)
    return error


def test_seed_create_answers_the_new_contact_id(
    acuinvoice: SandboxServer, api: httpx.Client
) -> None:
    root = call(api, SEED_CREATE)
    assert root.get("status") == "ok"
    assert [child.tag for child in root] == ["contact_id"]
    contact_id = root.findtext("contact_id") or ""
    assert contact_id.isdigit()
    stored = next(
        c for c in service_of(acuinvoice).state()["contacts"] if c["contact_id"] == contact_id
    )
    assert stored["first_name"] == "Jane" and stored["client_id"] == "1"
    assert stored["phone"] == stored["mobile_phone"] == "(123) 456-7890"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", stored["updated"])


def test_seed_get_has_the_seed_shape(api: httpx.Client) -> None:
    contact_id = call(api, SEED_CREATE).findtext("contact_id")
    root = call(api, SEED_GET.format(id=contact_id))
    assert root.get("status") == "ok"
    contact = root.find("contact")
    assert contact is not None and len(root) == 1
    tags = [child.tag for child in contact]
    assert set(SEED_GET_FIELDS) <= set(tags)
    assert contact.findtext("contact_id") == contact_id
    assert contact.findtext("email") == "janedoe@janedoe.com"
    assert contact.findtext("mobile_phone") == "(123) 456-7890"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", contact.findtext("updated") or "")
    assert contact.findtext("notify") in ("0", "1")


def test_seed_update_leaves_unnamed_fields_unchanged(
    acuinvoice: SandboxServer, api: httpx.Client
) -> None:
    contact_id = call(api, SEED_CREATE).findtext("contact_id")
    service_of(acuinvoice).utcnow = lambda: datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)
    root = call(api, SEED_UPDATE.format(id=contact_id))
    assert root.get("status") == "ok" and len(root) == 0
    contact = call(api, SEED_GET.format(id=contact_id)).find("contact")
    assert contact is not None
    assert contact.findtext("email") == "jane@example.org"
    assert (
        contact.findtext("first_name") == "Jane" and contact.findtext("phone") == "(123) 456-7890"
    )
    assert contact.findtext("updated") == "2031-03-04 05:06:07"


def test_update_can_empty_an_optional_field_but_not_a_required_one(api: httpx.Client) -> None:
    emptied = call(
        api, request("contact.update", "<contact><contact_id>1</contact_id><fax/></contact>")
    )
    assert emptied.get("status") == "ok"
    contact = call(api, SEED_GET.format(id=1)).find("contact")
    assert contact is not None and contact.findtext("fax") in ("", None)
    refused = call(
        api, request("contact.update", "<contact><contact_id>1</contact_id><email/></contact>")
    )
    assert_fail(refused, "email")


def test_seed_delete(api: httpx.Client) -> None:
    root = call(api, SEED_DELETE.format(id=2))
    assert root.get("status") == "ok" and len(root) == 0
    assert_fail(call(api, SEED_GET.format(id=2)), "not found")
    assert_fail(call(api, SEED_DELETE.format(id=2)), "not found")


def test_seed_list_filters_by_client_and_email(
    acuinvoice: SandboxServer, api: httpx.Client
) -> None:
    service = service_of(acuinvoice)
    call(api, SEED_CREATE)
    root = call(api, SEED_LIST)
    assert root.get("status") == "ok"
    contacts = root.find("contacts")
    assert contacts is not None
    assert contacts.attrib == {"page": "1", "per_page": "15", "pages": "1", "total": "1"}
    assert [c.findtext("email") for c in contacts] == ["janedoe@janedoe.com"]
    by_client = call(api, request("contact.list", "<client_id>1</client_id>")).find("contacts")
    expected = [c["contact_id"] for c in service.state()["contacts"] if c["client_id"] == "1"]
    assert by_client is not None and [c.findtext("contact_id") for c in by_client] == expected


def test_seed_list_shape_bare(acuinvoice: SandboxServer, api: httpx.Client) -> None:
    acuinvoice.service = AcuInvoiceService(contacts=3, wrapped_lists=False)
    root = call(api, request("contact.list"))
    assert root.get("status") == "ok"
    assert [child.tag for child in root] == ["contact"] * 3
    contact = root[0]
    assert [c.tag for c in contact][:1] == ["contact_id"]
    assert set(SEED_GET_FIELDS) <= {c.tag for c in contact}
    clients = call(api, request("client.list"))
    assert [child.tag for child in clients] == ["client"]


@pytest.mark.parametrize(
    ("count", "page", "per_page", "expected", "pages"),
    [
        (0, None, None, 0, 0),
        (1, None, None, 1, 1),
        (25, None, None, 25, 1),
        (26, None, None, 25, 2),
        (26, 2, None, 1, 2),
        (26, 3, None, 0, 2),
        (26, 1, 10, 10, 3),
        (26, 3, 10, 6, 3),
    ],
)
def test_contact_list_paging(
    acuinvoice: SandboxServer,
    api: httpx.Client,
    count: int,
    page: int | None,
    per_page: int | None,
    expected: int,
    pages: int,
) -> None:
    acuinvoice.service = AcuInvoiceService(contacts=count)
    inner = (f"<page>{page}</page>" if page else "") + (
        f"<per_page>{per_page}</per_page>" if per_page else ""
    )
    contacts = call(api, request("contact.list", inner)).find("contacts")
    assert contacts is not None
    assert len(contacts) == expected
    assert contacts.get("total") == str(count)
    assert contacts.get("pages") == str(pages)
    assert contacts.get("page") == str(page or 1)
    assert contacts.get("per_page") == str(per_page or 25)


def test_paging_walks_every_contact_once(acuinvoice: SandboxServer, api: httpx.Client) -> None:
    acuinvoice.service = AcuInvoiceService(contacts=60)
    seen: list[str] = []
    page = 1
    while True:
        contacts = call(api, request("contact.list", f"<page>{page}</page>")).find("contacts")
        assert contacts is not None
        seen += [c.findtext("contact_id") or "" for c in contacts]
        if len(contacts) < 25:
            break
        page += 1
    assert seen == [str(i) for i in range(1, 61)]


def test_per_page_is_capped_at_100(acuinvoice: SandboxServer, api: httpx.Client) -> None:
    acuinvoice.service = AcuInvoiceService(contacts=120)
    contacts = call(api, request("contact.list", "<per_page>500</per_page>")).find("contacts")
    assert contacts is not None and len(contacts) == 100 and contacts.get("per_page") == "100"


@pytest.mark.parametrize("inner", ["<page>0</page>", "<page>x</page>", "<per_page>-3</per_page>"])
def test_bad_paging_fails(api: httpx.Client, inner: str) -> None:
    assert_fail(call(api, request("contact.list", inner)))


def test_client_list_shape(api: httpx.Client) -> None:
    root = call(api, request("client.list"))
    clients = root.find("clients")
    assert clients is not None
    assert clients.attrib == {"page": "1", "per_page": "25", "pages": "1", "total": "1"}
    client = clients[0]
    assert client.tag == "client"
    assert client.findtext("client_id") == "1"
    assert client.findtext("organization")
    one = call(api, request("client.get", "<client_id>1</client_id>")).find("client")
    assert one is not None and one.findtext("organization") == client.findtext("organization")


@pytest.mark.parametrize("missing", ["client_id", "first_name", "last_name", "email"])
def test_create_names_the_missing_field(
    acuinvoice: SandboxServer, api: httpx.Client, missing: str
) -> None:
    fields = {
        "client_id": "1",
        "first_name": "Mere",
        "last_name": "Tūhoe",
        "email": "mere@example.nz",
    }
    del fields[missing]
    inner = "<contact>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</contact>"
    assert_fail(call(api, request("contact.create", inner)), missing)
    assert len(service_of(acuinvoice).state()["contacts"]) == 5


def test_create_refuses_unknown_client(api: httpx.Client) -> None:
    inner = "<contact><client_id>77</client_id><first_name>A</first_name><last_name>B</last_name><email>a@b.example</email></contact>"
    assert_fail(call(api, request("contact.create", inner)), "77")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (request("contact.explode"), ("contact.explode",)),
        ('<request method="contact.get"><contact_id>1</request>', ("Malformed",)),
        ("<hello/>", ("request",)),
        ("<request/>", ("request",)),
        ("", ("Empty",)),
        (request("contact.get"), ("contact_id",)),
        (request("contact.get", "<contact_id>abc</contact_id>"), ("contact_id",)),
        (request("contact.update", "<contact><email>x@y.z</email></contact>"), ("contact_id",)),
        (request("contact.create"), ("contact",)),
        (request("contact.get", "<contact_id>999</contact_id>"), ("999", "not found")),
    ],
)
def test_anything_wrong_is_a_fail_with_an_error(
    api: httpx.Client, body: str, words: tuple[str, ...]
) -> None:
    assert_fail(call(api, body), *words)


def test_utf8_round_trip(api: httpx.Client) -> None:
    names = ("Nguyễn Thị Minh Khai", "Āperahama Tūhoe 🌿", "Müller & <Straße>")
    inner = (
        f"<contact><client_id>1</client_id><first_name>{names[0]}</first_name>"
        f"<last_name>{names[1]}</last_name><email>n@example.vn</email>"
        "<phone>Müller &amp; &lt;Straße&gt;</phone></contact>"
    )
    contact_id = call(api, request("contact.create", inner)).findtext("contact_id")
    contact = call(api, SEED_GET.format(id=contact_id)).find("contact")
    assert contact is not None
    assert (
        contact.findtext("first_name"),
        contact.findtext("last_name"),
        contact.findtext("phone"),
    ) == names


@pytest.mark.parametrize("auth", [None, ("wrong-key", "X"), ("", "sandbox-acuinvoice-key-5f2b9c")])
def test_bad_key_answers_401(acuinvoice: SandboxServer, auth: tuple[str, str] | None) -> None:
    answer = httpx.post(
        acuinvoice.url + "/api/xml-in", content=request("contact.list").encode(), auth=auth
    )
    assert answer.status_code == 401
    assert ET.fromstring(answer.content).get("status") == "fail"


def test_any_password_is_fine(acuinvoice: SandboxServer) -> None:
    key = service_of(acuinvoice).api_key
    for password in ("X", "", "anything at all"):
        answer = httpx.post(
            acuinvoice.url + "/api/xml-in",
            content=request("client.list").encode(),
            auth=(key, password),
        )
        assert ET.fromstring(answer.content).get("status") == "ok"


def test_only_post_to_the_entry_point(api: httpx.Client) -> None:
    assert api.get("/api/xml-in").status_code == 405
    assert api.post("/api/other", content=b"<request method='contact.list'/>").status_code == 404


def test_state_edit_remove_on_the_service_side(
    acuinvoice: SandboxServer, api: httpx.Client
) -> None:
    service = service_of(acuinvoice)
    state = httpx.get(acuinvoice.url + "/_sandbox/state").json()
    assert state == service.state()
    assert [c["contact_id"] for c in state["contacts"]] == ["1", "2", "3", "4", "5"]
    service.utcnow = lambda: datetime(2033, 1, 1, tzinfo=UTC)
    service.edit("1", {"first_name": "Rāwiri"})
    contact = call(api, SEED_GET.format(id=1)).find("contact")
    assert contact is not None
    assert (
        contact.findtext("first_name") == "Rāwiri"
        and contact.findtext("updated") == "2033-01-01 00:00:00"
    )
    assert (
        httpx.post(
            acuinvoice.url + "/_sandbox/edit", json={"id": "2", "changes": {"phone": "+64 4 123"}}
        ).status_code
        == 200
    )
    assert call(api, SEED_GET.format(id=2)).findtext("contact/phone") == "+64 4 123"
    service.remove("3")
    assert httpx.post(acuinvoice.url + "/_sandbox/delete", json={"id": 4}).status_code == 200
    left = [c["contact_id"] for c in service.state()["contacts"]]
    assert left == ["1", "2", "5"]
    with pytest.raises(KeyError):
        service.remove("3")


def test_sample_data_is_deterministic_and_reset_works() -> None:
    service = AcuInvoiceService(contacts=20, seed=2)
    assert service.state() == AcuInvoiceService(contacts=20, seed=2).state()
    service.reset(contacts=3, seed=9)
    assert len(service.state()["contacts"]) == 3
