"""The Xero identity service stand-in: OAuth 2.0 authorization code with PKCE.

    GET  /identity/connect/authorize   consent page (Allow / Deny, a form POST back);
                                       `prompt=none` (or auto_approve=True) redirects at once
    POST /identity/connect/authorize   the consent form's answer → 302 to redirect_uri
    POST /connect/token                form-encoded: authorization_code (S256 verified) or
                                       refresh_token (rotated: a used refresh token is dead)
    POST /connect/revocation           form-encoded token + client_id: the consent ends

`XeroIdentity` is the part of `XeroService` (sandbox/xero.py) that signs people in and
mints tokens; the API there asks it who a bearer token belongs to (`_grant_of`). A
public client: no secret. Written from SERVICES.md alone; nothing here imports
addressbook.connectors.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from addressbook.sandbox.core import Request, Response, Service

SCOPES = frozenset(
    {
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.contacts",
        "accounting.contacts.read",
        "accounting.settings",
        "accounting.settings.read",
        "accounting.transactions",
        "accounting.transactions.read",
        "accounting.attachments",
        "accounting.attachments.read",
        "accounting.reports.read",
        "accounting.journals.read",
    }
)


_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of `verifier`."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def problem(status: int, title: str, detail: str, **headers: str) -> Response:
    """Xero's problem-details JSON (used for 401/403/404/429 and the like)."""
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return Response.json(body, status, **headers)


def _is_loopback_redirect(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in ("localhost", "127.0.0.1")
        and port is not None
        and not parts.fragment
    )


def _with_query(uri: str, values: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(values)


@dataclass
class Grant:
    """One user consent: what the tokens minted from it may do."""

    client_id: str
    scope: str


@dataclass
class RefreshToken:
    """A refresh token's life: single use, replaced by `successor`."""

    grant: Grant
    issued_at: float
    used_at: float | None = None
    successor: str | None = None
    revoked: bool = False


@dataclass
class AuthCode:
    """An authorization code waiting for its exchange (single use, 5 minutes)."""

    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    expires_at: float
    used: bool = False


class Refused(Exception):
    """Carries the Response a request ends with."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _error_page(message: str) -> Response:
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Error</title></head>"
        f"<body><h1>Sign-in error</h1><p id='error'>{html.escape(message)}</p></body></html>"
    )
    return Response(400, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})


def _authorize_problem(params: dict[str, str]) -> tuple[str, str] | None:
    """(error, description) for a bad authorize request that may be redirected back."""
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code."
    if not params.get("code_challenge"):
        return "invalid_request", "code_challenge is required (PKCE)."
    if params.get("code_challenge_method") != "S256":
        return "invalid_request", "code_challenge_method must be S256."
    scopes = params.get("scope", "").split()
    if not scopes:
        return "invalid_scope", "scope is required."
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        return "invalid_scope", f"Unknown scope: {' '.join(unknown)}."
    return None


def _basic_user(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except ValueError:
        return None
    return decoded.split(":", 1)[0]


class XeroIdentity(Service):
    """Sign-in, consent and tokens (the base of XeroService)."""

    client_id: str
    auto_approve: bool
    access_token_lifetime: float
    refresh_token_lifetime: float
    refresh_grace_seconds: float
    form_encoded_token_errors: bool
    codes: dict[str, AuthCode]
    consents: dict[str, dict[str, str]]
    refresh_tokens: dict[str, RefreshToken]
    access_tokens: dict[str, tuple[Grant, float]]
    tenants: list[Any]  # the organisations a consent may connect (XeroService's Tenants)

    def issue_tokens(self, scope: str = "offline_access accounting.contacts") -> dict[str, Any]:
        """A token answer for a new consent, without the browser (tests and the demo)."""
        with self.lock:
            return self._token_answer(Grant(self.client_id, scope))

    # --- identity: authorize --------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        if request.method == "POST":
            return self._consent_answer(request)
        if request.method != "GET":
            return Response.text("Use GET.", 405)
        params = {key: values[0] for key, values in request.query.items()}
        if params.get("client_id") != self.client_id:
            return _error_page("Unknown client_id: this app is not registered.")
        redirect_uri = params.get("redirect_uri", "")
        if not _is_loopback_redirect(redirect_uri):
            return _error_page(
                "Invalid redirect_uri: it must be http://localhost:PORT/… or "
                "http://127.0.0.1:PORT/…"
            )
        problem_text = _authorize_problem(params)
        if problem_text is not None:
            error, description = problem_text
            values = {"error": error, "error_description": description}
            if "state" in params:
                values["state"] = params["state"]
            return Response(302, b"", {"Location": _with_query(redirect_uri, values)})
        if params.get("prompt") == "none" or self.auto_approve:
            return self._approve(params)
        ticket = secrets.token_urlsafe(16)
        with self.lock:
            self.consents[ticket] = params
        return self._consent_page(params, ticket)

    def _consent_page(self, params: dict[str, str], ticket: str) -> Response:
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params["scope"].split())
        orgs = "".join(f"<li>{html.escape(t.name)}</li>" for t in self.tenants)
        page = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Xero sandbox: allow access</title></head><body>"
            "<h1>Allow the address book to use your Xero data?</h1>"
            f"<p>It asks for:</p><ul>{scopes}</ul><p>Organisations:</p><ul>{orgs}</ul>"
            "<form method='post' action='/identity/connect/authorize'>"
            f"<input type='hidden' name='ticket' value='{html.escape(ticket)}'>"
            "<button type='submit' name='decision' value='allow' id='allow'>Allow access</button> "
            "<button type='submit' name='decision' value='deny' id='deny'>Cancel</button>"
            "</form></body></html>"
        )
        return Response(200, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})

    def _consent_answer(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        with self.lock:
            params = self.consents.pop(form.get("ticket", ""), None)
        if params is None:
            return _error_page("This sign-in page has expired: start again from the app.")
        if form.get("decision") != "allow":
            values = {"error": "access_denied"}
            if "state" in params:
                values["state"] = params["state"]
            return Response(302, b"", {"Location": _with_query(params["redirect_uri"], values)})
        return self._approve(params)

    def _approve(self, params: dict[str, str]) -> Response:
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = AuthCode(
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                challenge=params["code_challenge"],
                scope=params["scope"],
                expires_at=self.clock() + 300,
            )
        values = {"code": code, "scope": params["scope"]}
        if "state" in params:
            values["state"] = params["state"]
        return Response(302, b"", {"Location": _with_query(params["redirect_uri"], values)})

    # --- identity: token ----------------------------------------------------------------
    def _token_error(self, error: str, description: str, status: int = 400) -> Refused:
        if self.form_encoded_token_errors:
            body = urlencode({"error": error, "error_description": description}).encode()
            return Refused(
                Response(status, body, {"Content-Type": "application/x-www-form-urlencoded"})
            )
        return Refused(Response.json({"error": error, "error_description": description}, status))

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            raise self._token_error("invalid_request", "Use POST.", 405)
        if "x-www-form-urlencoded" not in (request.header("content-type") or ""):
            raise self._token_error("invalid_request", "The body must be form-encoded.")
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id = form.get("client_id") or _basic_user(request.header("authorization"))
        if client_id != self.client_id:
            raise self._token_error("invalid_client", "Unknown client_id.", 400)
        grant_type = form.get("grant_type")
        with self.lock:
            parent = None
            if grant_type == "authorization_code":
                grant = self._redeem_code(form)
            elif grant_type == "refresh_token":
                parent = self._redeem_refresh(form.get("refresh_token", ""))
                grant = parent.grant
            else:
                raise self._token_error(
                    "unsupported_grant_type", f"{grant_type!r} is not supported."
                )
            answer = self._token_answer(grant, parent)
        response = Response.json(answer)
        response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        return response

    def _revoke(self, request: Request) -> Response:
        """RFC 7009 revocation: the refresh token and every token of its consent die."""
        if request.method != "POST":
            raise self._token_error("invalid_request", "Use POST.", 405)
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id = form.get("client_id") or _basic_user(request.header("authorization"))
        if client_id != self.client_id:
            raise self._token_error("invalid_client", "Unknown client_id.", 400)
        with self.lock:
            record = self.refresh_tokens.get(form.get("token", ""))
            if record is not None:
                grant = record.grant
                for other in self.refresh_tokens.values():
                    if other.grant is grant:
                        other.revoked = True
                for access in [k for k, v in self.access_tokens.items() if v[0] is grant]:
                    del self.access_tokens[access]
        return Response(200, b"", {"Content-Type": "text/plain"})

    def _redeem_code(self, form: dict[str, str]) -> Grant:
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                raise self._token_error("invalid_request", f"{name} is required.")
        code = self.codes.get(form["code"])
        if code is None or code.used or code.expires_at < self.clock():
            raise self._token_error("invalid_grant", "The code is unknown, used or expired.")
        code.used = True
        if code.redirect_uri != form["redirect_uri"] or code.client_id != form.get(
            "client_id", code.client_id
        ):
            raise self._token_error(
                "invalid_grant", "redirect_uri does not match the authorize request."
            )
        verifier = form["code_verifier"]
        if not _VERIFIER.fullmatch(verifier) or s256(verifier) != code.challenge:
            raise self._token_error(
                "invalid_grant", "The code_verifier does not match the code_challenge."
            )
        return Grant(code.client_id, code.scope)

    def _redeem_refresh(self, token: str) -> RefreshToken:
        now = self.clock()
        record = self.refresh_tokens.get(token)
        if record is None or record.revoked or now > record.issued_at + self.refresh_token_lifetime:
            raise self._token_error("invalid_grant", "The refresh token is unknown or expired.")
        if record.used_at is not None:
            successor = self.refresh_tokens.get(record.successor or "")
            in_grace = now - record.used_at < self.refresh_grace_seconds
            if not in_grace or successor is None or successor.used_at is not None:
                raise self._token_error("invalid_grant", "The refresh token was already used.")
            successor.revoked = True  # the lost answer's token must not live on beside the new one
        record.used_at = now
        return record

    def _token_answer(self, grant: Grant, parent: RefreshToken | None = None) -> dict[str, Any]:
        """Mint an access token (and a refresh token with offline_access); lock held."""
        now = self.clock()
        access = secrets.token_urlsafe(48)
        self.access_tokens[access] = (grant, now + self.access_token_lifetime)
        answer: dict[str, Any] = {
            "access_token": access,
            "expires_in": int(self.access_token_lifetime),
            "token_type": "Bearer",
            "scope": grant.scope,
        }
        if "offline_access" in grant.scope.split():
            refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = RefreshToken(grant, now)
            if parent is not None:
                parent.successor = refresh
            answer["refresh_token"] = refresh
        return answer

    def _grant_of(self, request: Request) -> Grant:
        """The grant behind the request's bearer token, or Refused 401."""
        header = request.header("authorization") or ""
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        with self.lock:
            entry = self.access_tokens.get(token) if token else None
        if entry is None:
            raise Refused(
                problem(401, "Unauthorized", "AuthenticationUnsuccessful",
                        **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
            )  # fmt: skip
        grant, expires_at = entry
        now = self.clock()
        if now >= expires_at:
            when = self.utcnow() - timedelta(seconds=now - expires_at)
            raise Refused(
                problem(
                    401,
                    "Unauthorized",
                    f"TokenExpired: token expired at {when:%m/%d/%Y %H:%M:%S}",
                    **{
                        "WWW-Authenticate": 'Bearer error="invalid_token", '
                        f"error_description=\"The token expired at '{when:%m/%d/%Y %H:%M:%S}'\""
                    },
                )
            )
        return grant
