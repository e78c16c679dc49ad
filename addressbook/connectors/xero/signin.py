"""Xero's sign-in: OAuth 2.0 with PKCE in the browser, the token endpoint, the tenants.

`XeroSignIn` is the part of `XeroConnector` that talks to Xero's identity service
(login.xero.com, identity.xero.com) and to GET /connections; the API's reads and
writes are in `connector.py`. The token store keeps the refresh token in the keyring
and renews it single-flight (see oauth.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from addressbook.connectors import jsonread
from addressbook.connectors.base import Connector, OpenUrl
from addressbook.connectors.xero.mapping import as_list, as_text
from addressbook.errors import AccountError, AuthError, BadAnswer
from addressbook.i18n import _, ngettext

if TYPE_CHECKING:
    import httpx

    from addressbook.connectors.http import HttpClient
    from addressbook.connectors.oauth import TokenAnswer, TokenStore

SCOPE = "offline_access accounting.contacts"
DEFAULT_SETTINGS = {
    "authorize_url": "https://login.xero.com/identity/connect/authorize",
    "token_url": "https://identity.xero.com/connect/token",
    "connections_url": "https://api.xero.com/connections",
}


class XeroSignIn(Connector):
    """Sign-in, tokens and tenants of one Xero account (the base of XeroConnector)."""

    login_timeout: float
    settings_changed: bool
    _identity: HttpClient | None
    _tokens: TokenStore | None

    @property
    def client(self) -> HttpClient:
        """The API client (XeroConnector's)."""
        raise NotImplementedError

    # --- plumbing ------------------------------------------------------------------------
    def _setting(self, key: str) -> str:
        value = self.account.settings.get(key) or DEFAULT_SETTINGS.get(key, "")
        return value.strip()

    def _client_id(self) -> str:
        client_id = self._setting("client_id")
        if not client_id:
            raise AccountError(
                _(
                    "The Xero account {account} has no client_id; add one with "
                    "`addressbook accounts add {account} --service xero "
                    "--set client_id=…` (your Xero app's Client ID)."
                ).format(account=self.account.name)
            )
        return client_id

    def _relogin_sentence(self) -> str:
        return _(
            "Xero no longer accepts this sign-in; run `addressbook accounts login "
            "{account}` again (your pending edits are kept)."
        ).format(account=self.account.name)

    @property
    def tokens(self) -> TokenStore:
        """The account's token store (refresh token in the keyring, access token in memory)."""
        if self._tokens is None:
            from addressbook.connectors.oauth import TokenStore

            self._tokens = TokenStore(
                self.secrets,
                f"xero:{self.account.name}",
                self._refresh,
                label="Xero",
                account_name=self.account.name,
                cancel=self.cancel,
            )
        return self._tokens

    @property
    def identity(self) -> HttpClient:
        """A client without bearer auth, for the token endpoint."""
        if self._identity is None:
            from addressbook.connectors.http import HttpClient, HttpSettings

            self._identity = HttpClient(
                self._setting("token_url"),
                service="Xero sign-in",
                account=self.account.name,
                settings=HttpSettings.from_settings(self.account.settings),
                headers={"Accept": "application/json"},
                cancel=self.cancel,
                auth_message=self._relogin_sentence(),
                clock=self.clock,
            )
        return self._identity

    # --- sign-in -------------------------------------------------------------------------
    def _token_call(self, body: str) -> TokenAnswer:
        from addressbook.connectors.oauth import parse_token_answer

        response = self.identity.request(
            "POST",
            self._setting("token_url"),
            content=body.encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            safe=False,
        )
        return parse_token_answer(
            response.status_code, response.headers.get("Content-Type", ""), response.content
        )

    def _refresh(self, refresh_token: str) -> TokenAnswer:
        from addressbook.connectors.oauth import refresh_body

        return self._token_call(refresh_body(refresh_token, self._client_id()))

    def login(self, open_url: OpenUrl, tenant: str | None = None) -> str:
        """Sign in through the browser (PKCE), keep the tokens, choose the organisation."""
        from addressbook.connectors import oauth

        client_id = self._client_id()
        verifier, state = oauth.new_code_verifier(), oauth.new_state()
        port = self._redirect_port()
        with oauth.LoopbackListener(state, port) as listener:
            url = oauth.authorize_url(
                self._setting("authorize_url"),
                client_id,
                listener.redirect_uri,
                SCOPE,
                state,
                oauth.code_challenge(verifier),
            )
            open_url(url)
            code = listener.wait_for_code(self.login_timeout, self.cancel)
            redirect_uri = listener.redirect_uri
        try:
            answer = self._token_call(
                oauth.code_exchange_body(code, redirect_uri, client_id, verifier)
            )
        except oauth.TokenRefused as error:
            raise AuthError(
                _(
                    "Xero refused the sign-in ({error}); run `addressbook accounts login "
                    "{account}` again."
                ).format(error=error.error, account=self.account.name)
            )
        if not answer.refresh_token:
            raise AuthError(
                _(
                    "Xero gave no refresh token: the app must ask for offline_access; check "
                    "its settings in the Xero developer portal."
                )
            )
        self.tokens.signed_in(answer)
        chosen = self._choose_tenant(self._connections(), tenant)
        self.account.settings["tenant_id"] = chosen["tenantId"]
        self.account.settings["tenant_name"] = chosen.get("tenantName") or ""
        self.settings_changed = True
        return _("Signed in to Xero: organisation {organisation}.").format(
            organisation=chosen.get("tenantName") or chosen["tenantId"]
        )

    def _redirect_port(self) -> int:
        raw = self._setting("redirect_port") or "0"
        if not raw.isdigit() or int(raw) > 65535:
            raise AccountError(
                _("The setting redirect_port must be a port number, not {value!r}.").format(
                    value=raw
                )
            )
        return int(raw)

    def _connections(self) -> list[dict[str, Any]]:
        """The organisations this sign-in may use (GET /connections)."""
        response = self.client.request("GET", self._setting("connections_url"))
        data = self._json(response, _("its list of organisations"))
        if not isinstance(data, list):
            raise BadAnswer(_("Xero's list of organisations is not a JSON list."))
        tenants = [
            t
            for t in as_list(data)
            if t.get("tenantId")
            and as_text(t.get("tenantType") or "ORGANISATION") == "ORGANISATION"
        ]
        if not tenants:
            raise AuthError(
                _("This Xero sign-in has no organisation connected; sign in again and choose one.")
            )
        return tenants

    def _choose_tenant(self, tenants: list[dict[str, Any]], wanted: str | None) -> dict[str, Any]:
        """The tenant named by id or (unambiguous) name; the only one; else AccountError."""
        if wanted:
            for t in tenants:
                if wanted.strip() == t["tenantId"]:
                    return t
            key = wanted.strip().casefold()
            named = [t for t in tenants if as_text(t.get("tenantName")).strip().casefold() == key]
            if len(named) == 1:
                return named[0]
        elif len(tenants) == 1:
            return tenants[0]
        listing = "; ".join(f"{as_text(t.get('tenantName'))} ({t['tenantId']})" for t in tenants)
        if not wanted:
            sentence = _(
                "Several Xero organisations are connected: {listing}. Run `addressbook accounts "
                "login {account} --tenant NAME-OR-ID` to choose one (the id when names repeat)."
            )
        elif named:  # two organisations may share a name: only the id tells them apart
            sentence = ngettext(
                "{n} connected Xero organisation is called {wanted!r}: {listing}. Run "
                "`addressbook accounts login {account} --tenant NAME-OR-ID` to choose one (the "
                "id when names repeat).",
                "{n} connected Xero organisations are called {wanted!r}: {listing}. Run "
                "`addressbook accounts login {account} --tenant NAME-OR-ID` to choose one (the "
                "id when names repeat).",
                len(named),
            )
        else:
            sentence = _(
                "No connected Xero organisation is called {wanted!r}: {listing}. Run "
                "`addressbook accounts login {account} --tenant NAME-OR-ID` to choose one (the "
                "id when names repeat)."
            )
        raise AccountError(
            sentence.format(
                n=len(named) if wanted else 0,
                wanted=wanted,
                listing=listing,
                account=self.account.name,
            )
        )

    def _json(self, response: httpx.Response, what: str, records: str | None = None) -> Any:
        """The answer's JSON, within the size and depth caps (jsonread)."""
        return jsonread.loads(response.content, service="Xero", what=what, records=records)
