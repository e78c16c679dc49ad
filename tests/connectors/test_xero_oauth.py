"""Xero sign-in and tokens: PKCE, the loopback listener, rotation, single-flight refresh.

Everything runs against the Xero sandbox over real loopback sockets; the browser is
tests/connectors/browser_follow.py reached through `$BROWSER` and `webbrowser`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from addressbook.accounts import KeyringSecrets
from addressbook.connectors import oauth
from addressbook.connectors.base import CancelToken, SecretSource
from addressbook.connectors.xero import XeroConnector
from addressbook.errors import AccountError, AuthError, BadAnswer, Cancelled, ServiceUnavailable
from addressbook.sandbox.core import SandboxServer
from addressbook.sandbox.xero import XeroService
from tests.connectors.xero_helpers import (  # noqa: F401 - close_connectors: fixture
    browser_command,
    child_env,
    close_connectors,
    signed_in_xero,
    track,
    xero_config,
)
from tests.keyring_backend import keyring_file, stored_secrets  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("keyring_file")


def _open_with_browser(url: str) -> None:
    """What the CLI's open_url does: hand the URL to `webbrowser` ($BROWSER honoured)."""
    assert webbrowser.open(url)


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$BROWSER = the stand-in browser; returns the file it logs to."""
    log = tmp_path / "browser.log"
    monkeypatch.setenv("BROWSER", browser_command(tmp_path))
    monkeypatch.setenv("BROWSER_FOLLOW_LOG", str(log))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # re-read $BROWSER in this process
    monkeypatch.setattr(webbrowser, "_browsers", {})
    return log


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --- PKCE pieces ---------------------------------------------------------------------------
def test_verifier_and_s256_challenge() -> None:
    verifier = oauth.new_code_verifier()
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert oauth.code_challenge(verifier) == expected.decode()
    assert oauth.new_code_verifier() != verifier


def test_authorize_url_carries_pkce_state_and_scope() -> None:
    url = oauth.authorize_url(
        "https://login.xero.com/identity/connect/authorize",
        "CID",
        "http://localhost:5000/callback",
        "offline_access accounting.contacts",
        "st4te",
        "ch4llenge",
    )
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.netloc == "login.xero.com"
    assert query == {
        "response_type": "code",
        "client_id": "CID",
        "redirect_uri": "http://localhost:5000/callback",
        "scope": "offline_access accounting.contacts",
        "state": "st4te",
        "code_challenge": "ch4llenge",
        "code_challenge_method": "S256",
    }


# --- the loopback listener -----------------------------------------------------------------
def test_listener_takes_the_code_and_answers_the_browser() -> None:
    with oauth.LoopbackListener("good-state") as listener:
        assert listener.redirect_uri == f"http://localhost:{listener.port}/callback"
        status, page = _get(f"http://127.0.0.1:{listener.port}/favicon.ico")
        assert status == 404
        status, page = _get(listener.redirect_uri + "?code=the-code&state=good-state")
        assert status == 200 and "You can close this window" in page
        assert listener.wait_for_code(5) == "the-code"


def test_listener_refuses_a_foreign_state() -> None:
    with oauth.LoopbackListener("good-state") as listener:
        status, _ = _get(listener.redirect_uri + "?code=x&state=forged")
        assert status == 400
        with pytest.raises(AuthError, match="does not belong to this sign-in"):
            listener.wait_for_code(5)


def test_listener_reports_a_denied_sign_in() -> None:
    with oauth.LoopbackListener("s") as listener:
        _get(listener.redirect_uri + "?error=access_denied&state=s")
        with pytest.raises(AuthError, match="You declined"):
            listener.wait_for_code(5)


def test_listener_times_out_with_a_sentence() -> None:
    with oauth.LoopbackListener("s") as listener:
        started = time.monotonic()
        with pytest.raises(AuthError, match=r"No answer from the browser within 0.3 s"):
            listener.wait_for_code(0.3)
        assert time.monotonic() - started < 3


def test_listener_wait_can_be_cancelled() -> None:
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    with oauth.LoopbackListener("s") as listener, pytest.raises(Cancelled):
        listener.wait_for_code(30, cancel)


# --- token answers -------------------------------------------------------------------------
def test_token_answers_and_their_errors() -> None:
    answer = oauth.parse_token_answer(
        200, "application/json", b'{"access_token":"at","refresh_token":"rt","expires_in":1800}'
    )
    assert (answer.access_token, answer.refresh_token, answer.expires_in) == ("at", "rt", 1800)
    with pytest.raises(oauth.TokenRefused) as refused:
        oauth.parse_token_answer(400, "application/json", b'{"error":"invalid_grant"}')
    assert refused.value.error == "invalid_grant"
    with pytest.raises(oauth.TokenRefused) as refused:
        oauth.parse_token_answer(
            400, "application/x-www-form-urlencoded", b"error=invalid_grant&error_description=x"
        )
    assert refused.value.error == "invalid_grant"
    with pytest.raises(ServiceUnavailable):
        oauth.parse_token_answer(503, "text/plain", b"down for maintenance")
    with pytest.raises(BadAnswer):
        oauth.parse_token_answer(200, "application/json", b"{not json")
    with pytest.raises(BadAnswer):
        oauth.parse_token_answer(200, "application/json", b'{"token_type":"Bearer"}')


# --- the whole sign-in through the sandbox -------------------------------------------------
def test_login_end_to_end_through_the_browser(xero: SandboxServer, browser: Path) -> None:
    connector = track(XeroConnector(xero_config(xero), KeyringSecrets("books")))
    described = connector.login(_open_with_browser)
    service: Any = xero.service
    tenant = service.tenants[0]
    assert tenant.name in described
    assert connector.account.settings["tenant_id"] == tenant.tenant_id
    assert connector.settings_changed
    refresh = KeyringSecrets("books").get("refresh_token")
    assert refresh in service.refresh_tokens and service.refresh_tokens[refresh].used_at is None
    opened = browser.read_text("utf-8")
    assert (
        "code_challenge_method=S256" in opened and "redirect_uri=http%3A%2F%2Flocalhost" in opened
    )
    assert "You can close this window" in opened
    pages = list(connector.pull(None))
    assert sum(len(p) for p in pages) == len(tenant.contacts)


def test_login_denied_in_the_browser(
    xero: SandboxServer, browser: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_FOLLOW_DECISION", "deny")
    connector = track(XeroConnector(xero_config(xero), KeyringSecrets("books")))
    with pytest.raises(AuthError, match="You declined"):
        connector.login(_open_with_browser)
    assert KeyringSecrets("books").get("refresh_token") is None
    assert "tenant_id" not in connector.account.settings


def test_login_times_out_when_the_browser_never_answers(
    xero: SandboxServer, browser: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_FOLLOW_DECISION", "ignore")
    connector = track(XeroConnector(xero_config(xero), KeyringSecrets("books")))
    connector.login_timeout = 0.5
    with pytest.raises(AuthError, match="No answer from the browser within 0.5 s"):
        connector.login(_open_with_browser)


def test_several_tenants_are_offered_then_chosen(xero: SandboxServer, browser: Path) -> None:
    service = XeroService(contacts=3, seed=4, tenants=2, auto_approve=True)
    xero.service = service
    connector = track(XeroConnector(xero_config(xero), KeyringSecrets("books")))
    with pytest.raises(AccountError) as refused:
        connector.login(_open_with_browser)
    message = str(refused.value)
    assert all(t.name in message and t.tenant_id in message for t in service.tenants)
    assert "--tenant" in message
    second = service.tenants[1]
    connector.login(_open_with_browser, second.name.upper())
    assert connector.account.settings["tenant_id"] == second.tenant_id
    assert connector.check() == f"Xero organisation {second.name}"
    with pytest.raises(AccountError, match="No connected Xero organisation is called"):
        connector.login(_open_with_browser, "Nobody Ltd")


def test_login_without_client_id_says_how_to_add_it(xero: SandboxServer) -> None:
    config = xero_config(xero)
    del config.settings["client_id"]
    with pytest.raises(AccountError, match="client_id"):
        XeroConnector(config, KeyringSecrets("books")).login(_open_with_browser)


def test_cli_add_login_sync(xero: SandboxServer, tmp_path: Path) -> None:
    """`accounts add` asks no secret for Xero; `accounts login` signs in through $BROWSER."""
    config = xero_config(xero, "cli-books")
    env = child_env(
        {"BROWSER": browser_command(tmp_path), "BROWSER_FOLLOW_LOG": str(tmp_path / "b")}
    )
    sets = [f"--set={k}={v}" for k, v in config.settings.items()]
    run = [sys.executable, "-m", "addressbook"]
    added = subprocess.run(
        [*run, "accounts", "add", "cli-books", "--service", "xero", "--url", config.url, *sets],
        env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    login = subprocess.run(
        [*run, "accounts", "login", "cli-books", "--timeout", "30"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    service: Any = xero.service
    assert service.tenants[0].name in login.stdout
    assert "http://127.0.0.1" in login.stderr  # the URL is printed for a browserless machine
    saved = json.loads((Path(env["ADDRESSBOOK_HOME"]) / "config" / "accounts.json").read_text())
    assert saved["accounts"][0]["settings"]["tenant_id"] == service.tenants[0].tenant_id
    assert "refresh_token" not in json.dumps(saved)
    assert stored_secrets()["cli-books:refresh_token"] in service.refresh_tokens
    synced = subprocess.run(
        [*run, "sync", "cli-books"], env=env, capture_output=True, text=True, timeout=60
    )
    assert synced.returncode == 0, synced.stderr
    listed = subprocess.run(
        [*run, "list", "--account", "cli-books", "--json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    names = {c["display_name"] for c in json.loads(listed.stdout)}
    assert names == {str(c["Name"]) for c in service.state()["contacts"]}


# --- tokens: rotation, single flight, failures ---------------------------------------------
def _refreshes(service: XeroService) -> int:
    return sum(1 for t in service.refresh_tokens.values() if t.used_at is not None)


def test_refresh_rotates_and_never_reuses_a_token(xero: SandboxServer) -> None:
    service: Any = xero.service
    connector = signed_in_xero(xero)
    first = KeyringSecrets("books").get("refresh_token")
    connector.check()
    second = KeyringSecrets("books").get("refresh_token")
    assert second != first
    connector.tokens.expire_now()
    connector.check()
    third = KeyringSecrets("books").get("refresh_token")
    assert len({first, second, third}) == 3
    assert all(service.refresh_tokens[t].used_at is not None for t in (first, second))
    assert service.refresh_tokens[third].used_at is None
    refused = httpx.post(
        xero.url + "/connect/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first,
            "client_id": service.client_id,
        },
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_a_second_connector_rereads_the_rotated_token(xero: SandboxServer) -> None:
    service: Any = xero.service
    one = signed_in_xero(xero)
    two = track(XeroConnector(one.account, KeyringSecrets("books")))
    one.check()
    two.check()  # its first refresh must use the token `one` rotated in
    one.tokens.expire_now()
    two.tokens.expire_now()
    one.check()
    two.check()
    assert _refreshes(service) == 4


def test_threads_refresh_once(xero: SandboxServer) -> None:
    service: Any = xero.service
    connector = signed_in_xero(xero)
    connector.check()
    stale = connector.tokens.access_token()
    before = _refreshes(service)
    tokens: list[str] = []
    threads = [
        threading.Thread(target=lambda: tokens.append(connector.tokens.refresh(stale)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _refreshes(service) == before + 1
    assert len(set(tokens)) == 1 and tokens[0] != stale


class FailingSave(SecretSource):
    """The keyring refuses to keep the rotated token."""

    def __init__(self, inner: SecretSource) -> None:
        self.inner = inner

    def get(self, key: str) -> str | None:
        return self.inner.get(key)

    def set(self, key: str, value: str) -> None:
        raise OSError("keyring locked")


def test_new_access_token_is_not_used_before_the_refresh_token_is_saved(
    xero: SandboxServer,
) -> None:
    service: Any = xero.service
    connector = signed_in_xero(xero)
    connector.secrets = FailingSave(KeyringSecrets("books"))
    connector.tokens.secrets = connector.secrets
    seen = service.requests_seen
    with pytest.raises(OSError, match="keyring locked"):
        connector.check()
    assert service.requests_seen == seen + 1  # the token call only: no API call went out
    assert connector.tokens._access is None


def test_superseded_sign_in_asks_to_log_in_again(xero: SandboxServer) -> None:
    connector = signed_in_xero(xero)
    KeyringSecrets("books").set("refresh_token", "a-token-xero-no-longer-knows")
    with pytest.raises(AuthError) as refused:
        connector.check()
    assert str(refused.value) == (
        "Xero no longer accepts this sign-in; run `addressbook accounts login books` again "
        "(your pending edits are kept)."
    )


def test_not_signed_in(xero: SandboxServer) -> None:
    connector = track(XeroConnector(xero_config(xero, tenant_id="x"), KeyringSecrets("books")))
    with pytest.raises(AuthError, match="accounts login books"):
        list(connector.pull(None))


def test_expired_access_token_is_renewed_transparently(xero: SandboxServer) -> None:
    offset = [0.0]
    service = XeroService(contacts=150, seed=2, clock=lambda: time.time() + offset[0])
    xero.service = service
    connector = signed_in_xero(xero)
    connector.page_size = 100  # pages of 100 (what this test counts in)
    pages = connector.pull(None)
    assert len(next(pages)) == 100
    offset[0] += 1801  # the sandbox's access token expires; the connector does not know yet
    assert len(next(pages)) == 50
    assert connector.tokens.refresh_count == 2  # first use, then after the 401


def test_two_processes_pull_the_same_account(xero: SandboxServer, tmp_path: Path) -> None:
    """Each process renews the token 4 times while the other does too: no invalid_grant."""
    service: Any = xero.service
    connector = signed_in_xero(xero, "shared")
    config = {"url": connector.account.url, "settings": connector.account.settings}
    script = textwrap.dedent(
        """
        import json, sys
        from addressbook.accounts import KeyringSecrets
        from addressbook.connectors.base import AccountConfig
        from addressbook.connectors.xero import XeroConnector
        config = json.loads(sys.argv[1])
        account = AccountConfig("shared", "xero", config["url"], config["settings"])
        connector = XeroConnector(account, KeyringSecrets("shared"))
        for _ in range(4):
            connector.tokens.expire_now()
            count = sum(len(page) for page in connector.pull(None))
        print(count)
        """
    )
    env = child_env()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, json.dumps(config)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == str(len(service.tenants[0].contacts))
    assert _refreshes(service) == 8


def test_no_token_or_code_in_the_logs(
    xero: SandboxServer, browser: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service: Any = xero.service
    connector = track(XeroConnector(xero_config(xero), KeyringSecrets("books")))
    connector.login(_open_with_browser)
    list(connector.pull(None))
    connector.tokens.expire_now()
    list(connector.pull(None))
    text = caplog.text
    assert "GET" in text  # the requests were logged…
    secrets = [*service.refresh_tokens, *service.access_tokens, *service.codes]
    assert secrets and not [s for s in secrets if s in text]  # …without a secret
