"""The Xero 2.0 sandbox's identity side: PKCE sign-in, token rotation, expiry, tenants."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero import XeroService, s256
from tests.fakes import FakeClock

REDIRECT = "http://localhost:53682/callback"

# One client for the module: a new httpx.Client per call costs ~100 ms (TLS set-up), and
# without keep-alive no server thread is left waiting on a stopped sandbox's connection.
HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


class Identity:
    """A running Xero sandbox and the sign-in steps a desktop app takes."""

    def __init__(self, server: SandboxServer, clock: FakeClock) -> None:
        self.service: XeroService = server.service  # type: ignore[assignment]
        self.settings = self.service.account_settings(server.url)
        self.clock = clock
        self.base = server.url

    def authorize(self, verifier: str, **extra: str) -> httpx.Response:
        params = {
            "response_type": "code",
            "client_id": self.service.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid offline_access accounting.contacts",
            "state": "st-" + verifier[:6],
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
            **extra,
        }
        return HTTP.get(self.settings["authorize_url"], params=params)

    def token(self, **form: str) -> httpx.Response:
        return HTTP.post(
            self.settings["token_url"], data={"client_id": self.service.client_id, **form}
        )

    def exchange(self, code: str, verifier: str) -> httpx.Response:
        return self.token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
            code_verifier=verifier,
        )

    def refresh(self, refresh_token: str) -> httpx.Response:
        return self.token(grant_type="refresh_token", refresh_token=refresh_token)

    def sign_in(self) -> dict[str, Any]:
        verifier = secrets.token_urlsafe(48)
        code = _redirect_query(self.authorize(verifier, prompt="none"))["code"]
        answer = self.exchange(code, verifier)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def contacts(self, access_token: str) -> httpx.Response:
        return HTTP.get(
            self.settings["url"] + "/Contacts",
            headers={
                "Authorization": f"Bearer {access_token}",
                "xero-tenant-id": self.service.tenants[0].tenant_id,
                "Accept": "application/json",
            },
        )


def _redirect_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _serve(clock: FakeClock, **options: Any) -> Iterator[Identity]:
    service = XeroService(contacts=3, clock=clock, utcnow=clock.utcnow, **options)
    with SandboxServer(service) as server:
        yield Identity(server, clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def identity(clock: FakeClock) -> Iterator[Identity]:
    yield from _serve(clock)


# --- authorize ------------------------------------------------------------------------------
def test_consent_page_allow_gives_a_code_that_exchanges(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    page = identity.authorize(verifier)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Allow access" in page.text and "value='deny'" in page.text
    ticket = re.search(r"name='ticket' value='([^']+)'", page.text)
    assert ticket is not None
    answer = HTTP.post(
        identity.settings["authorize_url"], data={"ticket": ticket.group(1), "decision": "allow"}
    )
    query = _redirect_query(answer)
    assert query["state"] == "st-" + verifier[:6]
    tokens = identity.exchange(query["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["scope"] == "openid offline_access accounting.contacts"
    assert body["access_token"] and body["refresh_token"]
    assert identity.contacts(body["access_token"]).status_code == 200


def test_consent_page_deny_redirects_access_denied_with_state(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    page = identity.authorize(verifier)
    ticket = re.search(r"name='ticket' value='([^']+)'", page.text)
    assert ticket is not None
    answer = HTTP.post(
        identity.settings["authorize_url"], data={"ticket": ticket.group(1), "decision": "deny"}
    )
    assert _redirect_query(answer) == {"error": "access_denied", "state": "st-" + verifier[:6]}
    again = HTTP.post(
        identity.settings["authorize_url"], data={"ticket": ticket.group(1), "decision": "allow"}
    )
    assert again.status_code == 400  # a consent ticket is single use


def test_prompt_none_redirects_at_once_and_echoes_state(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    query = _redirect_query(identity.authorize(verifier, prompt="none", state="a b&c"))
    assert query["state"] == "a b&c" and len(query["code"]) > 20


def test_auto_approve_flag_skips_the_page(clock: FakeClock) -> None:
    for identity in _serve(clock, auto_approve=True):
        verifier = secrets.token_urlsafe(48)
        assert "code" in _redirect_query(identity.authorize(verifier))


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example.com/cb", "http://localhost/cb", "myapp://cb", "http://10.0.0.1:80/cb"],
)
def test_a_redirect_uri_off_loopback_gets_an_error_page(
    identity: Identity, redirect_uri: str
) -> None:
    response = identity.authorize(secrets.token_urlsafe(48), redirect_uri=redirect_uri)
    assert response.status_code == 400 and "redirect_uri" in response.text
    assert "Location" not in response.headers


def test_an_unknown_client_gets_an_error_page(identity: Identity) -> None:
    response = identity.authorize(secrets.token_urlsafe(48), client_id="NOT-REGISTERED")
    assert response.status_code == 400 and "client_id" in response.text


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "accounting.everything"}, "invalid_scope"),
    ],
)
def test_bad_authorize_requests_redirect_an_error(
    identity: Identity, extra: dict[str, str], error: str
) -> None:
    query = _redirect_query(identity.authorize(secrets.token_urlsafe(48), **extra))
    assert query["error"] == error and "code" not in query


# --- code exchange --------------------------------------------------------------------------
def test_a_wrong_verifier_is_refused_and_burns_the_code(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    code = _redirect_query(identity.authorize(verifier, prompt="none"))["code"]
    wrong = identity.exchange(code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert identity.exchange(code, verifier).json()["error"] == "invalid_grant"


def test_a_code_is_single_use(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    code = _redirect_query(identity.authorize(verifier, prompt="none"))["code"]
    assert identity.exchange(code, verifier).status_code == 200
    again = identity.exchange(code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_code_expires_after_five_minutes(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    code = _redirect_query(identity.authorize(verifier, prompt="none"))["code"]
    identity.clock.advance(301)
    assert identity.exchange(code, verifier).json()["error"] == "invalid_grant"


def test_the_redirect_uri_must_match_at_exchange(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    code = _redirect_query(identity.authorize(verifier, prompt="none"))["code"]
    answer = identity.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://localhost:1/other",
        code_verifier=verifier,
    )
    assert answer.json()["error"] == "invalid_grant"


def test_token_endpoint_errors_are_json(identity: Identity) -> None:
    assert identity.token(grant_type="password").json()["error"] == "unsupported_grant_type"
    unknown = HTTP.post(
        identity.settings["token_url"], data={"client_id": "X", "grant_type": "refresh_token"}
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    as_json = HTTP.post(
        identity.settings["token_url"],
        json={"client_id": identity.service.client_id, "grant_type": "refresh_token"},
    )
    assert as_json.json()["error"] == "invalid_request"
    missing = identity.token(grant_type="authorization_code", code="x")
    assert missing.json()["error"] == "invalid_request"


def test_token_errors_can_be_form_encoded(clock: FakeClock) -> None:
    for identity in _serve(clock, form_encoded_token_errors=True):
        answer = identity.refresh("no-such-token")
        assert answer.status_code == 400
        assert answer.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert parse_qs(answer.text)["error"] == ["invalid_grant"]


# --- refresh rotation -----------------------------------------------------------------------
def test_every_refresh_rotates_and_the_used_token_dies(identity: Identity) -> None:
    first = identity.sign_in()
    second = identity.refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    new = second.json()
    assert new["refresh_token"] != first["refresh_token"]
    assert new["access_token"] != first["access_token"]
    old = identity.refresh(first["refresh_token"])
    assert old.status_code == 400 and old.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token was already used.",
    }
    assert identity.refresh(new["refresh_token"]).status_code == 200
    assert identity.contacts(new["access_token"]).status_code == 200


def test_grace_window_lets_a_lost_answer_be_retried_once(clock: FakeClock) -> None:
    for identity in _serve(clock, refresh_grace_seconds=1800):
        first = identity.sign_in()["refresh_token"]
        lost = identity.refresh(first).json()["refresh_token"]  # the answer "never arrived"
        retried = identity.refresh(first)
        assert retried.status_code == 200
        kept = retried.json()["refresh_token"]
        assert identity.refresh(lost).json()["error"] == "invalid_grant"
        assert identity.refresh(kept).status_code == 200
        assert identity.refresh(first).json()["error"] == "invalid_grant"  # successor used


def test_grace_window_ends_after_its_time(clock: FakeClock) -> None:
    for identity in _serve(clock, refresh_grace_seconds=1800):
        first = identity.sign_in()["refresh_token"]
        identity.refresh(first)
        clock.advance(1801)
        assert identity.refresh(first).json()["error"] == "invalid_grant"


def test_an_unused_refresh_token_expires_after_60_days(identity: Identity) -> None:
    token = identity.sign_in()["refresh_token"]
    identity.clock.advance(60 * 86400 + 1)
    assert identity.refresh(token).json()["error"] == "invalid_grant"


def test_without_offline_access_there_is_no_refresh_token(identity: Identity) -> None:
    verifier = secrets.token_urlsafe(48)
    code = _redirect_query(
        identity.authorize(verifier, prompt="none", scope="accounting.contacts.read")
    )["code"]
    body = identity.exchange(code, verifier).json()
    assert "refresh_token" not in body and body["scope"] == "accounting.contacts.read"
    assert identity.contacts(body["access_token"]).status_code == 200


def test_revocation_ends_the_consent(identity: Identity) -> None:
    tokens = identity.sign_in()
    url = identity.settings["token_url"].replace("/token", "/revocation")
    answer = HTTP.post(
        url, data={"token": tokens["refresh_token"], "client_id": identity.service.client_id}
    )
    assert answer.status_code == 200
    assert identity.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert identity.contacts(tokens["access_token"]).status_code == 401
    assert HTTP.post(url, data={"token": "x", "client_id": "nobody"}).status_code == 400


def test_credentials_give_a_working_refresh_token(identity: Identity) -> None:
    token = identity.service.credentials()["refresh_token"]
    assert identity.refresh(token).status_code == 200


# --- access tokens and tenants --------------------------------------------------------------
def test_access_tokens_expire(clock: FakeClock) -> None:
    for identity in _serve(clock, access_token_lifetime=1):
        access = identity.sign_in()["access_token"]
        assert identity.contacts(access).status_code == 200
        clock.advance(2)
        expired = identity.contacts(access)
        assert expired.status_code == 401
        body = expired.json()
        assert body["Title"] == "Unauthorized" and body["Status"] == 401
        assert body["Type"] is None
        assert body["Detail"] == "TokenExpired: token expired at 05/01/2024 12:00:01"
        assert expired.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic dXNlcjpwdw=="])
def test_the_api_wants_a_valid_bearer_token(identity: Identity, header: str | None) -> None:
    headers = {"xero-tenant-id": identity.service.tenants[0].tenant_id}
    if header:
        headers["Authorization"] = header
    response = HTTP.get(identity.settings["url"] + "/Contacts", headers=headers)
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    assert response.json()["Title"] == "Unauthorized"


def test_connections_list_every_tenant(clock: FakeClock) -> None:
    for identity in _serve(clock, tenants=3):
        access = identity.sign_in()["access_token"]
        response = HTTP.get(
            identity.settings["connections_url"], headers={"Authorization": f"Bearer {access}"}
        )
        assert response.status_code == 200
        tenants = response.json()
        assert len(tenants) == 3
        assert len({t["tenantId"] for t in tenants}) == 3
        for tenant in tenants:
            assert tenant["tenantType"] == "ORGANISATION"
            for key in ("id", "tenantId", "tenantName", "createdDateUtc", "updatedDateUtc"):
                assert isinstance(tenant[key], str) and tenant[key]
        assert HTTP.get(identity.settings["connections_url"]).status_code == 401
        second = tenants[1]["tenantId"]
        listing = HTTP.get(
            identity.settings["url"] + "/Contacts",
            headers={"Authorization": f"Bearer {access}", "xero-tenant-id": second},
        )
        assert listing.status_code == 200 and len(listing.json()["Contacts"]) >= 1


def test_the_account_settings_name_every_endpoint(identity: Identity) -> None:
    settings = identity.settings
    assert settings == {
        "url": identity.base + "/api.xro/2.0",
        "client_id": identity.service.client_id,
        "authorize_url": identity.base + "/identity/connect/authorize",
        "token_url": identity.base + "/connect/token",
        "connections_url": identity.base + "/connections",
    }
    assert re.fullmatch(r"[0-9A-F]{32}", identity.service.client_id)
