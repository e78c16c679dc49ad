"""Xero Accounting API 2.0 (service `xero`): OAuth 2.0 with PKCE, JSON contacts.

The package: `mapping` (JSON ⇄ model, what Xero cannot hold, batch keys; no I/O),
`signin` (PKCE sign-in, tokens, tenants), `connector` (XeroConnector: pacing, reads,
writes). Xero's HTTP policy (503 explanations, the limits' names) is http.py's.
Everything is importable from here, as before the split.

Glossary (see also SERVICES.md, "Xero Accounting API 2.0"):
- *tenant*: the Xero organisation an account works on; every call carries
  `xero-tenant-id`. Chosen at sign-in and kept in the account's settings.
- *Name*: Xero's one name of a contact, unique among active contacts. It is the model's
  `display_name`. When the contact also has FirstName/LastName that differ from Name,
  Name is the organisation, so it is ALSO the model's `organization` (else that is
  empty). Going back, a contact whose display name is just its person's name but which
  has an organisation sends the organisation as Name (Xero's Name is the organisation).
- *ContactPersons*: their emails are the contact's extra emails (kind 'other'); their
  names have no place in the model and stay in the raw record.
- *phone*: Xero splits a number in PhoneCountryCode / PhoneAreaCode / PhoneNumber; the
  model keeps it as typed ("+64 4 1234567"). An unchanged number keeps Xero's split.
- *read-only*: ContactStatus GDPRREQUEST (redacted; Xero refuses every edit).
- Delete means archive (ContactStatus ARCHIVED): `can_delete` is False.

Limits: at most 5 calls in flight and 60 a minute per organisation (HttpSettings), slowed
further when `X-MinLimit-Remaining` runs low; a 429 for the minute waits `Retry-After`
(http.py), a 429 for the day stops at once with a sentence.
"""

from addressbook.connectors.http import (
    DEFAULT_THROTTLE_WAIT,
    LIMIT_NAMES,
    explained_503,
)
from addressbook.connectors.xero.connector import XeroConnector
from addressbook.connectors.xero.mapping import (
    ADDRESS_KINDS,
    ADDRESS_LINES,
    ADDRESS_TYPES,
    BATCH_SIZE,
    MAX_CONTACT_PERSONS,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    PHONE_KINDS,
    PHONE_TYPES,
    READ_ONLY_SENTENCE,
    STATUS_FROM_XERO,
    STATUS_TO_XERO,
    address_entry,
    as_list,
    as_text,
    batch_key,
    changed_parts,
    compose_phone,
    contact_from_json,
    contact_from_parts,
    contact_persons,
    idempotency_header,
    is_read_only,
    json_changes,
    modified_since_header,
    parse_xero_date,
    phone_entry,
    remote_from_json,
    split_phone,
    validation_messages,
    xero_name,
    xero_problems,
)
from addressbook.connectors.xero.signin import DEFAULT_SETTINGS, SCOPE, XeroSignIn

__all__ = [
    "ADDRESS_KINDS",
    "ADDRESS_LINES",
    "ADDRESS_TYPES",
    "BATCH_SIZE",
    "DEFAULT_SETTINGS",
    "DEFAULT_THROTTLE_WAIT",
    "LIMIT_NAMES",
    "MAX_CONTACT_PERSONS",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "PHONE_KINDS",
    "PHONE_TYPES",
    "READ_ONLY_SENTENCE",
    "SCOPE",
    "STATUS_FROM_XERO",
    "STATUS_TO_XERO",
    "XeroConnector",
    "XeroSignIn",
    "address_entry",
    "as_list",
    "as_text",
    "batch_key",
    "changed_parts",
    "compose_phone",
    "contact_from_json",
    "contact_from_parts",
    "contact_persons",
    "explained_503",
    "idempotency_header",
    "is_read_only",
    "json_changes",
    "modified_since_header",
    "parse_xero_date",
    "phone_entry",
    "remote_from_json",
    "split_phone",
    "validation_messages",
    "xero_name",
    "xero_problems",
]
