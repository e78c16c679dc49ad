"""The Xero Accounting API 2.0 connector: pacing by Xero's limits, reads and writes.

Reads: GET /Contacts in pages of up to 1000 (`pageSize`; 100 where it is refused),
stopping on `pagination.pageCount` or a short page; GET /Contacts?IDs= for up to 50
known records at once (`get_many`). Writes: PUT /Contacts creates, POST /Contacts
updates — 50 contacts a call with `summarizeErrors=false`, so each element's
ValidationErrors land on their own contact — every call with an Idempotency-Key
derived from the outbox keys, so a retried batch is the same request.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from addressbook.connectors import jsonread
from addressbook.connectors.base import (
    HTTP_SETTINGS,
    AccountConfig,
    CancelToken,
    RemoteContact,
    SecretSource,
)
from addressbook.connectors.http import (
    DEFAULT_THROTTLE_WAIT,
    LIMIT_NAMES,
    explained_503,
    limit_name,
)
from addressbook.connectors.service import FieldRules, SecretSpec, ServiceDescription, SettingSpec
from addressbook.connectors.xero.mapping import (
    BATCH_SIZE,
    MAX_CONTACT_PERSONS,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    READ_ONLY_SENTENCE,
    as_list,
    as_text,
    batch_key,
    idempotency_header,
    is_read_only,
    json_changes,
    modified_since_header,
    remote_from_json,
    validation_messages,
    xero_name,
    xero_problems,
)
from addressbook.connectors.xero.signin import XeroSignIn
from addressbook.errors import (
    AuthError,
    BadAnswer,
    ConnectorError,
    NotFound,
    RateLimited,
    ValidationRefused,
)
from addressbook.i18n import N_, _, ngettext
from addressbook.model import Contact, clean

if TYPE_CHECKING:
    import httpx

    from addressbook.connectors.http import HttpClient
    from addressbook.connectors.oauth import TokenStore

log = logging.getLogger("addressbook.connectors.xero")

_GONE = N_("The contact is no longer in Xero.")


def _number(data: dict[str, Any] | None, key: str) -> int | None:
    """A positive whole number of a `pagination` object, or None."""
    value = data.get(key) if data else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def redirect_of(response: httpx.Response) -> str:
    from addressbook.connectors.http import redirect_target

    return redirect_target(response)


class XeroConnector(XeroSignIn):
    """One Xero organisation over the Accounting API 2.0.

    After `login()` the chosen tenant is in `account.settings['tenant_id']` (and
    'tenant_name') and `settings_changed` is True: the caller saves the settings.
    """

    description: ClassVar[ServiceDescription] = ServiceDescription(
        name="xero",
        label="Xero",
        icon="xero",
        default_url="https://api.xero.com/api.xro/2.0",
        url_hint="https://api.xero.com/api.xro/2.0",
        secrets=(
            SecretSpec(
                "refresh_token",
                N_("Sign-in"),
                N_("Written by the browser sign-in (accounts login); never typed."),
                asked=False,
            ),
        ),
        settings=(
            SettingSpec(
                "client_id",
                N_("Client ID"),
                N_("Your Xero app's Client ID (developer.xero.com, My Apps)."),
            ),
            SettingSpec("tenant_id", N_("Organisation id"), N_("Chosen at sign-in."), True),
            SettingSpec("tenant_name", N_("Organisation"), N_("Chosen at sign-in."), True),
            SettingSpec("authorize_url", N_("Sign-in page address"), advanced=True),
            SettingSpec("token_url", N_("Token address"), advanced=True),
            SettingSpec("connections_url", N_("Organisations address"), advanced=True),
            SettingSpec(
                "redirect_port",
                N_("Sign-in return port"),
                N_("The localhost port registered as your app's redirect URI."),
                advanced=True,
            ),
            *HTTP_SETTINGS,
        ),
        can_delete=False,
        has_modified_since=True,
        needs_login=True,
        has_idempotency=True,
        batch_create=True,
        rules=FieldRules(
            required=("name",),
            read_only_statuses=("read-only",),
            holds=(
                "display_name",
                "given_name",
                "family_name",
                "organization",
                "emails",
                "phones",
                "addresses",
                "urls",
                "status",
            ),
            phone_kinds=("work", "ddi", "mobile", "fax", "default"),
            max_emails=1 + MAX_CONTACT_PERSONS,
            max_urls=1,  # Website
            address_kinds=("street", "postal"),
            one_name=True,
            settable_statuses=("active", "archived"),
        ),
    )
    cursor_margin_seconds: ClassVar[int] = 5
    page_size: int = MAX_PAGE_SIZE  # GET /Contacts' pageSize (PAGE_SIZE once refused)
    minute_limit: ClassVar[int] = 60
    minute_seconds: ClassVar[float] = 61.0  # a second over Xero's minute: our clock leads theirs
    max_in_flight: ClassVar[int] = 5
    low_remaining: ClassVar[int] = 5  # below this X-MinLimit-Remaining, slow down

    def __init__(
        self, account: AccountConfig, secrets: SecretSource, cancel: CancelToken | None = None
    ) -> None:
        super().__init__(account, secrets, cancel)
        self.login_timeout = 300.0  # seconds to wait for the browser (`--timeout`)
        self.settings_changed = False  # True after login() changed account.settings
        self._client: HttpClient | None = None
        self._identity: HttpClient | None = None
        self._tokens: TokenStore | None = None

    @property
    def client(self) -> HttpClient:
        """The API client: bearer auth with refresh, Xero's limits, paced by its headers."""
        if self._client is None:
            from addressbook.connectors.http import HttpClient, HttpSettings
            from addressbook.connectors.oauth import BearerAuth
            from addressbook.logs import quiet_libraries

            quiet_libraries()  # httpx's own log lines carry whole URLs

            settings = HttpSettings.from_settings(
                self.account.settings,
                max_calls=self.minute_limit,
                per_seconds=self.minute_seconds,
                max_in_flight=self.max_in_flight,
            )
            self._client = HttpClient(
                self.account.url or str(self.default_url),
                service="Xero",
                account=self.account.name,
                settings=settings,
                auth=BearerAuth(self.tokens),
                headers={"Accept": "application/json"},
                cancel=self.cancel,
                auth_message=self._relogin_sentence(),
                limit_description=LIMIT_NAMES["minute"],
                on_response=self._on_response,
                clock=self.clock,
            )
        return self._client

    def close(self) -> None:
        """Release the HTTP clients."""
        for client in (self._client, self._identity):
            if client is not None:
                client.close()
        self._client = self._identity = None

    def _on_response(self, response: httpx.Response) -> None:
        """Name the limit hit, stop at the day limit, and pace by Xero's headers."""
        explained = explained_503(response, "Xero", self.account.name)
        if explained is not None:
            raise explained
        if response.status_code == 429:
            self._throttled(response)
        else:
            self._pace(response.headers.get("X-MinLimit-Remaining"))

    def _throttled(self, response: httpx.Response) -> None:
        """A 429: the day limit ends here; otherwise wait as Xero asks (or a default)."""
        from addressbook.connectors.http import parse_retry_after

        problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if problem == "day":
            response.close()
            hours = max(1, math.ceil(wait / 3600)) if wait is not None else None
            if hours:
                sentence = ngettext(
                    "Xero's daily limit is reached; try again in {n} hour.",
                    "Xero's daily limit is reached; try again in {n} hours.",
                    hours,
                ).format(n=hours)
            else:
                sentence = _("Xero's daily limit is reached; try again tomorrow.")
            raise RateLimited(sentence, retry_after=wait, limit="day")
        if self._client is None:
            return
        # http.py names the limit in its sentences: name the one Xero says was hit.
        self._client.limit_description = limit_name(problem)
        if wait is None:
            # No Retry-After: http.py's first backoff (half a second) would only meet the
            # same limit again; hold this account's calls a few seconds first.
            self._client.pause(DEFAULT_THROTTLE_WAIT)

    def _pace(self, remaining: str | None) -> None:
        """Slow down when the minute's remaining calls run low (others share the minute)."""
        if remaining is None or not remaining.strip().lstrip("-").isdigit():
            return
        left = int(remaining)
        if left < self.low_remaining and self._client is not None:
            pause = (self.low_remaining - left) * self.minute_seconds / self.minute_limit
            log.info("Xero: %d calls left this minute; pausing %.1f s", left, pause)
            self._client.pause(pause)

    def _tenant_headers(self) -> dict[str, str]:
        tenant = self._setting("tenant_id")
        if not tenant:
            raise AuthError(
                _(
                    "The Xero account {account} has no organisation chosen yet; run "
                    "`addressbook accounts login {account}`."
                ).format(account=self.account.name)
            )
        return {"xero-tenant-id": tenant}

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {**self._tenant_headers(), **(headers or {})}
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        # Writes carry an Idempotency-Key: retrying them after a 429 or a cut is safe.
        return self.client.request(
            method, path, params=params, content=content, headers=all_headers, safe=True
        )

    # --- reading ---------------------------------------------------------------------------
    def _contacts_of(
        self, response: httpx.Response, what: str, missing: str | None = None
    ) -> list[dict[str, Any]]:
        """The Contacts of an answer; `missing`: the sentence for a 404 (one contact asked)."""
        return self._page_of(response, what, missing)[0]

    def _page_of(
        self, response: httpx.Response, what: str, missing: str | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """(the Contacts, the `pagination` object or None) of an answer."""
        status = response.status_code
        if status == 304:
            return [], None
        if status == 404 and missing is not None:
            raise NotFound(missing)
        if status >= 300:
            raise self._error(response, what)
        data = self._json(response, what, records="Contacts")
        if not isinstance(data, dict):
            raise BadAnswer(_("Xero's answer ({what}) is not a JSON object.").format(what=what))
        contacts = data.get("Contacts")
        if contacts is None:
            contacts = []
        if not isinstance(contacts, list):
            raise BadAnswer(_("Xero's answer ({what}) has no list of contacts.").format(what=what))
        pagination = data.get("pagination")
        return as_list(contacts), pagination if isinstance(pagination, dict) else None

    def _error(self, response: httpx.Response, what: str) -> ConnectorError:
        """The refusal of a request, with its context (this account, `what`)."""
        return self._refusal(response, what).with_context(self.account.name, what)

    def _refusal(self, response: httpx.Response, what: str) -> ConnectorError:
        """The sentence for a refused request: Xero's own words, from whatever body came."""
        from addressbook.connectors.http import reason_of

        status = response.status_code
        if 300 <= status < 400:
            return ConnectorError(
                _(
                    "Xero answered with a redirect (HTTP {status}, {what}) to {target}; check "
                    "the account's URL."
                ).format(what=what, status=status, target=redirect_of(response))
            )
        if status == 404:
            return ConnectorError(
                _(
                    "Xero has nothing at {url} (HTTP 404, {what}); check the URL of account "
                    "{account}."
                ).format(url=self.client.base_url, what=what, account=self.account.name)
            )
        try:
            data = jsonread.loads(response.content, service="Xero", what=what)
        except BadAnswer:
            data = None
        if isinstance(data, dict) and data.get("Type") == "ValidationException":
            messages = [m for e in as_list(data.get("Elements")) for m in validation_messages(e)]
            message = as_text(data.get("Message")) or f"HTTP {status}"
            return ValidationRefused("; ".join(messages) or message, messages or [message])
        message = (
            as_text(data.get("Message") or data.get("Detail") or "")
            if isinstance(data, dict)
            else ""
        )
        said = message or reason_of(response.content, response.headers.get("Content-Type"))
        if said:
            return ConnectorError(
                _("Xero refused the request ({what}, HTTP {status}: {said}).").format(
                    what=what, status=status, said=said
                )
            )
        return ConnectorError(
            _("Xero refused the request ({what}, HTTP {status}).").format(what=what, status=status)
        )

    def check(self) -> str:
        """Fetch the organisations and one page of contacts; describe the connection."""
        tenant = self._tenant_headers()["xero-tenant-id"]
        names = {t["tenantId"]: as_text(t.get("tenantName")) for t in self._connections()}
        if tenant not in names:
            raise AuthError(
                _(
                    "This Xero sign-in no longer reaches the organisation {tenant}; run "
                    "`addressbook accounts login {account}`."
                ).format(tenant=tenant, account=self.account.name)
            )
        self._contacts_of(self._call("GET", "/Contacts", params={"page": "1"}), _("contacts"))
        return _("Xero organisation {organisation}").format(organisation=names[tenant] or tenant)

    def pull(self, since: datetime | None) -> Iterator[list[RemoteContact]]:
        """Pages of up to 1000 contacts (archived included), changed since `since` when given.

        `pageSize=1000` where Xero takes it; an organisation or proxy that refuses it (a
        400) or ignores it (a page of 100 without `pagination`) is read by pages of 100.
        The listing ends at `pagination.pageCount`, or on a short page.
        """
        headers = {}
        if since is not None:
            headers["If-Modified-Since"] = modified_since_header(since, self.cursor_margin_seconds)
        page, size = 1, self.page_size
        while True:
            self.cancel.check()
            params = {"page": str(page), "includeArchived": "true"}
            if size != PAGE_SIZE:
                params["pageSize"] = str(size)
            what = _("page {page} of the contacts").format(page=page)
            try:
                response = self._call("GET", "/Contacts", params=params, headers=headers)
            except ConnectorError as error:
                raise error.with_context(self.account.name, f"reading {what}")
            if response.status_code == 400 and size != PAGE_SIZE:
                log.info("Xero refused pageSize=%d: reading pages of %d", size, PAGE_SIZE)
                size = self.page_size = PAGE_SIZE
                continue  # the same page again, at the default size
            records, pagination = self._page_of(response, what)
            yield [remote_from_json(raw) for raw in records]
            count = _number(pagination, "pageCount")
            if count is not None:
                if page >= count:
                    return
                size = _number(pagination, "pageSize") or size
            elif len(records) < size:
                if not (size > PAGE_SIZE and len(records) == PAGE_SIZE):
                    return
                # pageSize ignored (a full page of 100, no pagination): go on by 100s
                log.info("Xero ignored pageSize=%d: reading pages of %d", size, PAGE_SIZE)
                size = self.page_size = PAGE_SIZE
            page += 1

    def get(self, remote_id: str) -> RemoteContact:
        """The contact as Xero has it now."""
        records = self._contacts_of(
            self._call("GET", f"/Contacts/{remote_id}"), _("a contact"), missing=_(_GONE)
        )
        if not records:
            raise NotFound(_(_GONE))
        return remote_from_json(records[0])

    def get_many(self, remote_ids: list[str]) -> dict[str, RemoteContact | Exception]:
        """The records, 50 a call (GET /Contacts?IDs=…); NotFound for each one gone."""
        results: dict[str, RemoteContact | Exception] = {}
        wanted = list(dict.fromkeys(remote_ids))
        for start in range(0, len(wanted), BATCH_SIZE):
            self.cancel.check()
            chunk = wanted[start : start + BATCH_SIZE]
            params = {"IDs": ",".join(chunk), "includeArchived": "true"}
            response = self._call("GET", "/Contacts", params=params)
            records = self._contacts_of(
                response,
                ngettext("{n} contact by its ID", "{n} contacts by their IDs", len(chunk)).format(
                    n=len(chunk)
                ),
            )
            found = {as_text(raw.get("ContactID")).lower(): raw for raw in records}
            for remote_id in chunk:
                raw = found.get(remote_id.lower())
                if raw is None:
                    results[remote_id] = NotFound(_(_GONE))
                    continue
                try:
                    results[remote_id] = remote_from_json(raw)
                except BadAnswer as error:
                    results[remote_id] = error
        return results

    # --- writing ---------------------------------------------------------------------------
    def validate(self, contact: Contact, base: RemoteContact | None) -> list[str]:
        """What Xero would refuse or could not hold, found before sending."""
        if is_read_only(base):
            return [_(READ_ONLY_SENTENCE)]
        problems = xero_problems(contact)
        emails = len(contact.emails)
        if emails > 1 + MAX_CONTACT_PERSONS:
            problems.append(
                ngettext(
                    "Xero keeps at most {most} emails per contact (one plus {persons} contact "
                    "persons); this one has {n}.",
                    "Xero keeps at most {most} emails per contact (one plus {persons} contact "
                    "persons); this one has {n}.",
                    emails,
                ).format(most=1 + MAX_CONTACT_PERSONS, persons=MAX_CONTACT_PERSONS, n=emails)
            )
        return problems

    def _refuse_if_invalid(self, contact: Contact, base: RemoteContact | None) -> None:
        problems = self.validate(contact, base)
        if problems:
            raise ValidationRefused(" ".join(problems), problems)

    def create(self, contact: Contact, idempotency_key: str) -> RemoteContact:
        """Create one contact (PUT /Contacts)."""
        result = self.create_many([(contact, idempotency_key)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def create_many(self, items: list[tuple[Contact, str]]) -> list[RemoteContact | Exception]:
        """Create in batches of 50; each refused contact gets its own ValidationRefused."""
        results: list[RemoteContact | Exception | None] = [None] * len(items)
        sendable: list[int] = []
        for index, (contact, _key) in enumerate(items):
            problems = self.validate(contact, None)
            if problems:
                results[index] = ValidationRefused(" ".join(problems), problems)
            else:
                sendable.append(index)
        for start in range(0, len(sendable), BATCH_SIZE):
            chunk = sendable[start : start + BATCH_SIZE]
            answers = self._put_batch([items[i] for i in chunk])
            for index, answer in zip(chunk, answers, strict=True):
                results[index] = answer
        return [
            r if r is not None else BadAnswer(_("Xero gave no answer for it.")) for r in results
        ]

    def _put_batch(self, batch: list[tuple[Contact, str]]) -> list[RemoteContact | Exception]:
        body = {"Contacts": [json_changes(None, contact) for contact, _ in batch]}
        return self._send_batch("PUT", body, [k for _, k in batch], _("the created contacts"))

    def _send_batch(
        self, method: str, body: dict[str, Any], keys: list[str], what: str
    ) -> list[RemoteContact | Exception]:
        """PUT/POST /Contacts?summarizeErrors=false: one result per element sent, in order."""
        response = self._call(
            method,
            "/Contacts",
            params={"summarizeErrors": "false"},
            body=body,
            headers={"Idempotency-Key": idempotency_header(batch_key(keys))},
        )
        if response.status_code >= 300:
            error = self._error(response, what)
            if not isinstance(error, ValidationRefused) or len(keys) != 1:
                raise error
            return [error]
        data = self._json(response, what, records="Contacts")
        elements = as_list(data.get("Contacts")) if isinstance(data, dict) else []
        sent = body["Contacts"]
        if len(elements) != len(sent):
            raise BadAnswer(
                _(
                    "Xero answered {got} contacts for the {sent} sent; look in Xero before "
                    "sending them again."
                ).format(got=len(elements), sent=len(sent))
            )
        return [self._element_result(element) for element in elements]

    def _send_batch_in_context(
        self, method: str, body: dict[str, Any], keys: list[str], what: str
    ) -> list[RemoteContact | Exception]:
        try:
            return self._send_batch(method, body, keys, what)
        except ConnectorError as error:
            raise error.with_context(self.account.name, f"sending {what}")

    def _element_result(self, element: dict[str, Any]) -> RemoteContact | Exception:
        messages = validation_messages(element)
        if element.get("HasValidationErrors") or messages:
            messages = messages or [_("Xero refused this contact.")]
            if any("was not found" in m for m in messages):
                return NotFound(_(_GONE))
            return ValidationRefused("; ".join(messages), messages)
        try:
            return remote_from_json(element)
        except BadAnswer as error:
            return error

    def find_created(self, contact: Contact, idempotency_key: str) -> RemoteContact | None:
        """The contact a lost create made, found by its Name (unique among Xero's contacts)."""
        name = xero_name(contact).casefold()
        page = 1
        while True:
            params = {
                "page": str(page),
                "includeArchived": "true",
                "searchTerm": xero_name(contact),
            }
            records = self._contacts_of(
                self._call("GET", "/Contacts", params=params), _("a search")
            )
            for raw in records:
                if clean(as_text(raw.get("Name"))).casefold() == name:
                    return remote_from_json(raw)
            if len(records) < PAGE_SIZE:
                return None
            page += 1

    def update(self, base: RemoteContact, local: Contact, idempotency_key: str) -> RemoteContact:
        """POST /Contacts/{ContactID} with only the changed fields."""
        self._refuse_if_invalid(local, base)
        changes = json_changes(base, local)
        if not changes:
            return base
        return self._post_one(base.remote_id, changes, idempotency_key)

    def update_many(
        self, items: list[tuple[RemoteContact, Contact, str]]
    ) -> list[RemoteContact | Exception]:
        """POST /Contacts?summarizeErrors=false, 50 a call, only the changed fields of each.

        One result per item, in order: the record as Xero now has it, or the item's own
        error (ValidationRefused with its ValidationErrors; NotFound if it is gone). The
        Idempotency-Key of a call is derived from the items' keys: the same batch again
        is the same request.
        """
        results: list[RemoteContact | Exception | None] = [None] * len(items)
        sendable: list[tuple[int, dict[str, Any], str]] = []
        for index, (base, local, key) in enumerate(items):
            problems = self.validate(local, base)
            if problems:
                results[index] = ValidationRefused(" ".join(problems), problems)
                continue
            changes = json_changes(base, local)
            if not changes:
                results[index] = base
                continue
            sendable.append((index, {"ContactID": base.remote_id, **changes}, key))
        for start in range(0, len(sendable), BATCH_SIZE):
            self.cancel.check()
            chunk = sendable[start : start + BATCH_SIZE]
            if len(chunk) == 1:  # one contact: its own endpoint, as `update` sends it
                index, element, key = chunk[0]
                changes = {k: v for k, v in element.items() if k != "ContactID"}
                try:
                    results[index] = self._post_one(str(element["ContactID"]), changes, key)
                except (ValidationRefused, NotFound) as error:
                    results[index] = error
                continue
            answers = self._send_batch_in_context(
                "POST",
                {"Contacts": [element for _, element, _ in chunk]},
                [key for *_, key in chunk],
                ngettext("the {n} updated contact", "the {n} updated contacts", len(chunk)).format(
                    n=len(chunk)
                ),
            )
            for (index, element, _key), answer in zip(chunk, answers, strict=True):
                if (
                    isinstance(answer, RemoteContact)
                    and answer.remote_id.lower() != str(element["ContactID"]).lower()
                ):
                    answer = BadAnswer(
                        _(
                            "Xero answered another contact in this one's place; look in Xero "
                            "before sending it again."
                        )
                    )
                results[index] = answer
        return [
            r if r is not None else BadAnswer(_("Xero gave no answer for it.")) for r in results
        ]

    def _post_one(self, remote_id: str, changes: dict[str, Any], key: str) -> RemoteContact:
        body = {"Contacts": [{"ContactID": remote_id, **changes}]}
        response = self._call(
            "POST",
            f"/Contacts/{remote_id}",
            body=body,
            headers={"Idempotency-Key": idempotency_header(key)},
        )
        records = self._contacts_of(response, _("the updated contact"), missing=_(_GONE))
        if len(records) != 1:
            raise BadAnswer(_("Xero's answer to an update does not hold the contact."))
        result = self._element_result(records[0])
        if isinstance(result, Exception):
            raise result
        return result

    def delete(self, base: RemoteContact, idempotency_key: str) -> RemoteContact | None:
        """Archive the contact (Xero cannot delete contacts)."""
        if is_read_only(base):
            raise ValidationRefused(_(READ_ONLY_SENTENCE))
        return self._post_one(base.remote_id, {"ContactStatus": "ARCHIVED"}, idempotency_key)
