"""The AcuInvoice connector against answers written by hand from seed 004 and SERVICES.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from addressbook.connectors.acuinvoice import AcuInvoiceConnector
from addressbook.connectors.base import RemoteContact
from addressbook.errors import (
    AccountError,
    AuthError,
    BadAnswer,
    NotFound,
    ServiceUnavailable,
    ValidationRefused,
)
from addressbook.model import Contact, Email, Phone
from tests.fakes import XML_UTF8, Canned, CannedServer, Recorded, xml_answer

Make = Callable[..., AcuInvoiceConnector]
ENDPOINT = "/api/xml-in"

# Seed 004, verbatim: the contact.get / contact.list answer (one line), and delete's.
SEED_LIST = (
    '<?xml version="1.0" encoding="UTF-8"?> <response status="ok"> <contact> '
    "<contact_id>1</contact_id> <first_name>Jane</first_name> <last_name>Doe</last_name> "
    "<email>janedoe@janedoe.com</email> <phone>(123) 456-7890</phone> "
    "<mobile_phone>(123) 456-7890</mobile_phone> </contact> </response>"
)
SEED_OK = '<?xml version="1.0" encoding="UTF-8"?> <response status="ok"/>'
# contact.create's answer: the seed prints typographic quotes; the wire has plain ones.
SEED_CREATED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<response status="ok">\n'
    "<contact_id>1</contact_id>\n</response>"
)
CLIENTS = (
    "<?xml version='1.0' encoding='UTF-8'?>"
    '<response status="ok"><clients page="1" per_page="100" pages="1" total="2">'
    "<client><client_id>1</client_id><organization>ABC Corp</organization>"
    "<username>janedoe</username><notes/></client>"
    "<client><client_id>2</client_id><organization>Roe &amp; Sons</organization></client>"
    "</clients></response>"
)
EMPTY_LIST = '<?xml version="1.0" encoding="UTF-8"?><response status="ok"/>'


def method_of(request: Recorded) -> str:
    """The method attribute of a recorded <request>."""
    found = re.search(rb'<request method="([^"]+)"', request.body)
    return found.group(1).decode() if found else ""


def page_of(request: Recorded) -> int:
    found = re.search(rb"<page>(\d+)</page>", request.body)
    return int(found.group(1)) if found else 1


def record(cid: int, extra: str = "", **fields: str) -> str:
    values = {
        "first_name": f"Jane{cid}",
        "last_name": "Doe",
        "email": f"jane{cid}@doe.com",
        "client_id": "1",
        **fields,
    }
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return f"<contact><contact_id>{cid}</contact_id>{inner}{extra}</contact>"


def wrapped(page: int, pages: int, per_page: int, ids: range, total: int = 60) -> str:
    items = "".join(record(i) for i in ids)
    return (
        f'<response status="ok"><contacts page="{page}" per_page="{per_page}" '
        f'pages="{pages}" total="{total}">{items}</contacts></response>'
    )


def serve(server: CannedServer, **methods: Callable[[Recorded], str | Canned]) -> None:
    """Route the entry point by the request's method (client.list and contact.get built in)."""
    table: dict[str, Callable[[Recorded], str | Canned]] = {
        "client.list": lambda r: CLIENTS,
        "contact.get": lambda r: SEED_LIST,
        "contact.list": lambda r: SEED_LIST if page_of(r) == 1 else EMPTY_LIST,
        **{name.replace("_", "."): answer for name, answer in methods.items()},
    }

    def answer(request: Recorded) -> Canned:
        made = table.get(method_of(request), lambda r: "<response status='fail'/>")(request)
        return made if isinstance(made, Canned) else xml_answer(made)

    server.route("POST", ENDPOINT, answer)


def pull_all(connector: AcuInvoiceConnector) -> list[RemoteContact]:
    return [r for page in connector.pull(None) for r in page]


def sent_methods(server: CannedServer) -> list[str]:
    return [method_of(r) for r in server.sent("POST", ENDPOINT)]


# --- the seed's answers --------------------------------------------------------------------
def test_seed_list_verbatim(server: CannedServer, acu: Make) -> None:
    serve(server)
    [jane] = pull_all(acu())
    assert jane.remote_id == "1"
    assert jane.contact == Contact(
        given_name="Jane",
        family_name="Doe",
        emails=[Email(address="janedoe@janedoe.com")],
        phones=[
            Phone(number="(123) 456-7890", kind="work"),
            Phone(number="(123) 456-7890", kind="mobile"),
        ],
    )


def test_seed_create_update_delete(server: CannedServer, acu: Make) -> None:
    serve(
        server,
        contact_create=lambda r: SEED_CREATED,
        contact_update=lambda r: SEED_OK,
        contact_delete=lambda r: SEED_OK,
    )
    connector = acu()
    new = Contact(
        given_name="Jane",
        family_name="Doe",
        organization="ABC Corp",
        emails=[Email(address="janedoe@janedoe.com")],
        phones=[Phone(number="(123) 456-7890", kind="work")],
    )
    created = connector.create(new, "k")
    assert created.remote_id == "1"
    edited = replace(
        created.contact,
        phones=[Phone(number="(123) 456-0000", kind="work"), *created.contact.phones[1:]],
    )
    connector.update(created, edited, "k")
    assert connector.delete(created, "k") is None
    create, update, delete = (
        r
        for r in server.sent()
        if method_of(r) in ("contact.create", "contact.update", "contact.delete")
    )
    assert (
        b"<client_id>1</client_id>" in create.body and b"<email>janedoe@janedoe.com" in create.body
    )
    assert update.body.endswith(
        b"<contact><contact_id>1</contact_id><phone>(123) 456-0000</phone></contact></request>"
    )
    assert delete.body.endswith(b"<contact_id>1</contact_id></request>")


def test_wrapped_list_reads_every_page(server: CannedServer, acu: Make) -> None:
    def listing(r: Recorded) -> str:
        page = page_of(r)
        return wrapped(page, 3, 25, range(page * 100, page * 100 + (25 if page < 3 else 10)))

    serve(server, contact_list=listing)
    records = pull_all(acu())
    assert len(records) == 60
    assert [page_of(r) for r in server.sent() if method_of(r) == "contact.list"] == [1, 2, 3]


def test_wrapped_list_whose_service_caps_per_page(server: CannedServer, acu: Make) -> None:
    # we ask 100 a page; the service gives 25 and says so only through `pages`
    def listing(r: Recorded) -> str:
        page = page_of(r)
        items = "".join(record(i) for i in range(page * 100, page * 100 + 25))
        return (
            f'<response status="ok"><contacts page="{page}" pages="2">{items}</contacts></response>'
        )

    serve(server, contact_list=listing)
    assert len(pull_all(acu())) == 50


def test_wrapped_list_without_attributes_reads_until_short(server: CannedServer, acu: Make) -> None:
    def listing(r: Recorded) -> str:
        page = page_of(r)
        items = "".join(record(i) for i in range(page * 100, page * 100 + (25 if page < 3 else 3)))
        return f'<response status="ok"><contacts>{items}</contacts></response>'

    serve(server, contact_list=listing)
    assert len(pull_all(acu())) == 53


def test_wrapped_pages_says_two_but_page_two_is_empty(server: CannedServer, acu: Make) -> None:
    def listing(r: Recorded) -> str:
        if page_of(r) == 1:
            return wrapped(1, 2, 25, range(1, 26), total=50)
        return '<response status="ok"><contacts page="2" per_page="25" pages="2" total="50"/></response>'

    serve(server, contact_list=listing)
    assert len(pull_all(acu())) == 25
    assert [page_of(r) for r in server.sent() if method_of(r) == "contact.list"] == [1, 2]


@pytest.mark.parametrize("shape", ["bare", "wrapped"])
def test_list_of_one_in_both_shapes(server: CannedServer, acu: Make, shape: str) -> None:
    one = (
        f'<response status="ok">{record(7)}</response>'
        if shape == "bare"
        else '<response status="ok"><contacts page="1" per_page="100" pages="1" total="1">'
        f"{record(7)}</contacts></response>"
    )
    serve(server, contact_list=lambda r: one if page_of(r) == 1 else EMPTY_LIST)
    [only] = pull_all(acu())
    assert only.remote_id == "7" and only.contact.organization == "ABC Corp"


def test_bare_list_repeated_by_a_service_ignoring_page(server: CannedServer, acu: Make) -> None:
    serve(server, contact_list=lambda r: SEED_LIST)  # the same page, whatever page is asked
    assert [r.remote_id for r in pull_all(acu())] == ["1"]


def test_fail_with_nested_error(server: CannedServer, acu: Make) -> None:
    fail = (
        '<response status="fail"><error><code>40010</code>'
        "<message>Contact not found</message></error></response>"
    )
    serve(server, contact_get=lambda r: fail)
    with pytest.raises(NotFound, match="no longer on AcuInvoice"):
        acu().get("5")


def test_fail_with_several_errors(server: CannedServer, acu: Make) -> None:
    fail = (
        '<response status="fail"><error>Email is not valid.</error>'
        "<error>Last name is required.</error></response>"
    )
    serve(server, contact_create=lambda r: fail)
    new = Contact(
        given_name="Ana", family_name="Lima", organization="ABC Corp", emails=[Email(address="a@b")]
    )
    with pytest.raises(ValidationRefused) as caught:
        acu().create(new, "k")
    message = str(caught.value)
    assert "Email is not valid" in message and "Last name is required" in message


def test_fail_with_nested_error_on_a_write(server: CannedServer, acu: Make) -> None:
    fail = (
        '<response status="fail"><error><field>email</field>'
        "<message>Email already in use</message></error></response>"
    )
    serve(server, contact_create=lambda r: fail)
    new = Contact(
        given_name="Ana",
        family_name="Lima",
        organization="ABC Corp",
        emails=[Email(address="a@b.c")],
    )
    with pytest.raises(ValidationRefused, match="email: Email already in use"):
        acu().create(new, "k")


def test_200_html_login_page(server: CannedServer, acu: Make) -> None:
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>Proxy sign-in</title></head>"
        "<body><form><input name=user></form></body></html>"
    )
    server.route("POST", ENDPOINT, Canned(200, [("Content-Type", "text/html")], page))
    with pytest.raises(BadAnswer, match="web page") as caught:
        pull_all(acu())
    assert "<" not in str(caught.value)


def test_200_xhtml_page_without_doctype(server: CannedServer, acu: Make) -> None:
    page = '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Log in</p></body></html>'
    server.route("POST", ENDPOINT, Canned(200, [("Content-Type", "text/html")], page))
    with pytest.raises(BadAnswer, match="web page"):
        pull_all(acu())


def test_unknown_elements_kept_and_not_resent(server: CannedServer, acu: Make) -> None:
    extra = "<language>en</language><custom><level>gold</level></custom><updated>2024-01-31 09:15:00</updated>"
    body = f'<response status="ok">{record(3, extra)}</response>'
    serve(server, contact_get=lambda r: body, contact_update=lambda r: SEED_OK)
    connector = acu()
    base = connector.get("3")
    assert base.raw["custom"] == {"level": "gold"} and base.stamp == "2024-01-31 09:15:00"
    edited = replace(base.contact, family_name="Dough", display_name="")
    connector.update(base, edited, "k")
    [update] = [r for r in server.sent() if method_of(r) == "contact.update"]
    assert b"custom" not in update.body and b"language" not in update.body
    assert b"<last_name>Dough</last_name>" in update.body


def test_empty_elements_booleans_and_dates(server: CannedServer, acu: Make) -> None:
    body = (
        '<response status="ok">'
        + record(
            4,
            "<phone/><mobile_phone></mobile_phone><fax> </fax><active>1</active>"
            "<deleted>0</deleted><updated>2009-08-12 00:00:00</updated>",
        )
        + "</response>"
    )
    serve(server, contact_get=lambda r: body)
    got = acu().get("4")
    assert list(got.contact.phones) == [] and got.stamp == "2009-08-12 00:00:00"
    assert got.raw["active"] == "1" and got.raw["deleted"] == "0"


def test_single_quoted_declaration_and_crlf(server: CannedServer, acu: Make) -> None:
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>\r\n<response status='ok'>\r\n"
        + record(5, first_name="Zoë")
        + "\r\n</response>\r\n"
    )
    serve(server, contact_get=lambda r: body)
    assert acu().get("5").contact.given_name == "Zoë"


def test_typographic_quotes_are_a_clear_bad_answer(server: CannedServer, acu: Make) -> None:
    body = "<?xml version=“1.0” encoding=“UTF-8”?>\n<response status=“ok”/>"
    serve(server, contact_get=lambda r: body)
    with pytest.raises(BadAnswer, match="not well-formed"):
        acu().get("5")


def test_401_asks_for_the_key_again(server: CannedServer, acu: Make) -> None:
    server.route("POST", ENDPOINT, Canned(401, [("Content-Type", "text/plain")], "Unauthorized"))
    with pytest.raises(AuthError, match="enter the new key"):
        acu().check()
    assert len(server.requests) == 1  # a 401 is not retried


def test_500_is_a_sentence(server: CannedServer, acu: Make) -> None:
    server.route("POST", ENDPOINT, Canned(500, [("Content-Type", "text/html")], "<h1>Oops</h1>"))
    with pytest.raises(ServiceUnavailable, match="500"):
        acu().check()


def test_4xx_with_plain_text_is_a_sentence(server: CannedServer, acu: Make) -> None:
    server.route(
        "POST", ENDPOINT, Canned(400, [("Content-Type", "text/plain")], "Bad request body")
    )
    with pytest.raises(BadAnswer, match="HTTP 400.*Bad request body"):
        acu().check()


def test_redirect_is_refused_with_a_sentence(server: CannedServer, acu: Make) -> None:
    server.route("POST", ENDPOINT, Canned(302, [("Location", f"{server.url}/login?next=api")]))
    with pytest.raises(AccountError, match="redirect") as caught:
        acu().check()
    assert "/login" in str(caught.value) and "next=api" not in str(caught.value)
    assert len(server.requests) == 1


def test_requests_are_utf8_xml_with_key_x_basic_auth(server: CannedServer, acu: Make) -> None:
    serve(server, contact_create=lambda r: SEED_CREATED)
    connector = acu()
    connector.check()
    pull_all(connector)
    new = Contact(
        given_name="Hēmi",
        family_name="Straße-Müller",
        organization="Roe & Sons",
        emails=[Email(address="hemi@example.com")],
    )
    connector.create(new, "k")
    assert server.requests
    for request in server.requests:
        assert request.method == "POST" and request.path == ENDPOINT
        assert request.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<request method="')
        assert request.basic_auth() == ("k3y-abc123", "X")
        assert request.header("Content-Type") == "application/xml"
    create = next(r for r in server.requests if method_of(r) == "contact.create")
    assert "<first_name>Hēmi</first_name>".encode() in create.body
    assert b"<client_id>2</client_id>" in create.body
    listing = next(r for r in server.requests if method_of(r) == "contact.list")
    assert b"<page>1</page>" in listing.body and b"<per_page>" in listing.body


def test_status_missing_is_a_bad_answer(server: CannedServer, acu: Make) -> None:
    serve(server, contact_get=lambda r: Canned(200, [XML_UTF8], "<response><contact/></response>"))
    with pytest.raises(BadAnswer, match="status"):
        acu().get("1")
