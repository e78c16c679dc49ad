"""What an edit may be, for this contact on this service: the one check every path asks.

A change is a `Patch` (model.py). Before it lands, the window's editor, the command line
(`new`, `edit`, `delete`, `import --account`, `edit --everywhere`) and the sync engine ask
this module, which reads the service's `FieldRules` from its connector's description
(connectors/service.py) and answers with `Problem`s: one sentence each, naming the field
and what to do. An empty list means the change may be made.

Glossary:
- *refusal*: a problem the service would refuse, or that would lose data (checked here,
  so nothing waits in the outbox to be refused at push).
- *stays here*: a field the service has no place for (a nickname in Harvest); it is kept
  on this computer and the push preview says so. Not a refusal.
- *clients*: the names of an account's clients (Harvest, AcuInvoice), cached by each
  pull; None while unknown (then the engine checks at push, with the service's list).

This module imports the model, the service descriptions and the translations; the
`Checker` also reads the store and the account settings. No Qt.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from addressbook.i18n import _, ngettext
from addressbook.kinds import phone_label
from addressbook.model import FIELDS, Contact, Patch, valid_birthday
from addressbook.wording import client_listing, field_label

if TYPE_CHECKING:
    from addressbook.connectors.service import FieldRules, ServiceDescription
    from addressbook.store import Store

# One '@', no spaces, a dot in the domain: what every service of ours accepts.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
# The fields a service's `holds` may leave out without a refusal: they stay here.
_KEPT_HERE = ("nickname", "birthday", "urls", "categories", "extra")
# What the sync cache keeps of an account's clients (Store.sync_state(account).extra).
CLIENTS_KEY = "clients"


@dataclass(frozen=True)
class Problem:
    """One reason a change cannot be made as it is (or, for stays_here, a note)."""

    field: str  # model field name; '' for the contact as a whole
    sentence: str  # translated: names the field and says what to do
    fix: str = ""  # what a button could do: 'edit', 'accounts', 'login' or ''


def sentences(problems: Sequence[Problem]) -> str:
    """The problems as one line (the command line's message)."""
    return " ".join(problem.sentence for problem in problems)


# -- the pure checks ---------------------------------------------------------------------------


def check_patch(
    contact: Contact,
    patch: Patch,
    service: ServiceDescription | None,
    clients: Sequence[str] | None = None,
) -> list[Problem]:
    """What is wrong with applying `patch` to `contact` (of an account of `service`, or local)."""
    if not patch:
        return []
    rules = service.rules if service is not None else None
    if rules is not None and contact.status in rules.read_only_statuses:
        return [_read_only(service)]
    after = patch.apply(contact)
    return _check(after, set(patch.fields), service, clients, before=contact)


def check_new(
    contact: Contact, service: ServiceDescription | None, clients: Sequence[str] | None = None
) -> list[Problem]:
    """What is wrong with a new contact (on this computer, or for an account of `service`)."""
    return _check(contact, set(FIELDS), service, clients, before=None)


def check_delete(contact: Contact, service: ServiceDescription | None) -> list[Problem]:
    """What forbids deleting the contact (a read-only record of a service)."""
    if service is not None and contact.status in service.rules.read_only_statuses:
        return [_read_only(service)]
    return []


def stays_here(contact: Contact, service: ServiceDescription | None) -> list[Problem]:
    """The fields of `contact` that the service has no place for: kept on this computer."""
    if service is None or not service.rules.holds:
        return []
    notes = []
    for name in _KEPT_HERE:
        if name not in service.rules.holds and contact.get(name):
            notes.append(
                Problem(
                    name,
                    _("{service} has no place for the {field}; it stays on this computer.").format(
                        service=service.label, field=field_label(name)
                    ),
                )
            )
    return notes


def kept_here_fields(service: ServiceDescription) -> list[str]:
    """The fields of the model a service has no place for: they stay on this computer."""
    if not service.rules.holds:
        return []
    return [name for name in _KEPT_HERE if name not in service.rules.holds]


def _read_only(service: ServiceDescription | None) -> Problem:
    label = service.label if service is not None else ""
    return Problem(
        "",
        _(
            "This contact is read-only in {service}: its owner asked for their data to be "
            "protected (a data-protection request), so it cannot be changed or deleted."
        ).format(service=label),
    )


def _check(
    after: Contact,
    touched: set[str],
    service: ServiceDescription | None,
    clients: Sequence[str] | None,
    before: Contact | None,
) -> list[Problem]:
    problems = _everywhere(after, touched, before)
    if service is not None:
        problems += _service_rules(after, touched, service, clients, before)
    return problems


def _everywhere(after: Contact, touched: set[str], before: Contact | None) -> list[Problem]:
    """The rules of every contact, on this computer or on any service."""
    problems = []
    names = {"display_name", "given_name", "family_name", "organization", "emails"}
    if touched & names and not (
        after.display_name or after.given_name or after.family_name or after.organization
    ):
        problems.append(
            Problem(
                "display_name",
                _(
                    "A contact needs a name: fill in the name, the given or family name, or "
                    "the organisation."
                ),
            )
        )
    if "emails" in touched:
        known = {e.address for e in before.emails} if before is not None else set()
        for email in after.emails:
            if email.address not in known and not EMAIL_PATTERN.match(email.address):
                problems.append(
                    Problem(
                        "emails",
                        _(
                            "{address!r} is not an email address: write it as name@example.com."
                        ).format(address=email.address),
                    )
                )
    if "birthday" in touched and not valid_birthday(after.birthday):
        problems.append(
            Problem(
                "birthday",
                _(
                    "{value!r} is not a date: write the birthday as YYYY-MM-DD, or --MM-DD "
                    "without a year."
                ).format(value=after.birthday),
            )
        )
    return problems


def _service_rules(
    after: Contact,
    touched: set[str],
    service: ServiceDescription,
    clients: Sequence[str] | None,
    before: Contact | None,
) -> list[Problem]:
    rules, label = service.rules, service.label
    problems = _required(after, touched, service)
    if rules.client_field and rules.client_field in touched:
        problem = client_problem(getattr(after, rules.client_field), clients, label)
        if problem is not None:
            problems.append(problem)
    if "status" in touched and after.status not in rules.settable_statuses:
        problems.append(
            Problem(
                "status",
                _("{service} cannot make a contact {status}; choose one of: {choices}.").format(
                    service=label, status=after.status, choices=", ".join(rules.settable_statuses)
                ),
            )
        )
    if rules.holds:
        problems += _cannot_hold(after, touched, service, before)
    naming = touched & {"organization", "display_name", "given_name", "family_name"}
    if (
        rules.one_name
        and naming
        and after.organization
        and after.organization.casefold() != after.display_name.casefold()
    ):
        problems.append(
            Problem(
                "organization",
                _(
                    "{service} keeps one name per contact: the organisation {org!r} differs "
                    "from the name {name!r}; make the name the organisation, or clear the "
                    "organisation."
                ).format(service=label, org=after.organization, name=after.display_name),
            )
        )
    return problems + _schema(after, touched, rules, label)


def _required(after: Contact, touched: set[str], service: ServiceDescription) -> list[Problem]:
    problems = []
    for name in service.rules.required:
        if name == "name":
            continue  # every contact needs one: checked for all (_everywhere)
        field = "emails" if name == "email" else name
        if field not in touched:
            continue
        if not after.get(field):
            problems.append(
                Problem(
                    field,
                    _("{service} needs the {field} of every contact: fill it in.").format(
                        service=service.label, field=field_label(field)
                    ),
                )
            )
    return problems


def client_problem(value: str, clients: Sequence[str] | None, label: str) -> Problem | None:
    """A sentence when `value` names none of the account's clients (None: clients unknown)."""
    if clients is None:
        return None  # not pulled yet: the engine checks against the service's list at push
    listing = client_listing(clients, value)
    if not value.strip():
        return Problem(
            "organization",
            _(
                "{service} needs a client for every contact: set the organisation to one of: "
                "{clients}."
            ).format(service=label, clients=listing),
        )
    if value.strip().casefold() not in {c.strip().casefold() for c in clients}:
        return Problem(
            "organization",
            _("{service} has no client named {name!r}; its clients are: {clients}.").format(
                service=label, name=value, clients=listing
            ),
        )
    return None


def _cannot_hold(
    after: Contact, touched: set[str], service: ServiceDescription, before: Contact | None
) -> list[Problem]:
    """Refusals for what the service would lose of the fields it has (emails, phones…)."""
    rules, label = service.rules, service.label
    problems = []
    for name in sorted(touched - set(rules.holds) - set(_KEPT_HERE) - {"status"}):
        if after.get(name) and name != "display_name":
            problems.append(
                Problem(
                    name,
                    _(
                        "{service} has no place for the {field}; clear it, or keep this "
                        "contact on this computer."
                    ).format(service=label, field=field_label(name)),
                )
            )
    if "emails" in touched and len(after.emails) > rules.max_emails:
        problems.append(
            Problem(
                "emails",
                ngettext(
                    "{service} keeps {n} email per contact; remove the others.",
                    "{service} keeps {n} emails per contact; remove the others.",
                    rules.max_emails,
                ).format(service=label, n=rules.max_emails),
            )
        )
    if "urls" in touched and "urls" in rules.holds and len(after.urls) > rules.max_urls:
        problems.append(
            Problem(
                "urls",
                ngettext(
                    "{service} keeps {n} web address per contact; remove the others.",
                    "{service} keeps {n} web addresses per contact; remove the others.",
                    rules.max_urls,
                ).format(service=label, n=rules.max_urls),
            )
        )
    if "phones" in touched:
        seen: set[str] = set()
        for phone in after.phones:
            if phone.kind not in rules.phone_kinds:
                problems.append(
                    Problem(
                        "phones",
                        _(
                            "{service} has no place for a number of this kind ({kind}); {number} "
                            "would be lost: give it another kind or remove it."
                        ).format(service=label, kind=phone_label(phone.kind), number=phone.number),
                    )
                )
            elif phone.kind in seen:
                problems.append(
                    Problem(
                        "phones",
                        _(
                            "{service} keeps one number of each kind ({kind}); {number} would be "
                            "lost: give it another kind or remove it."
                        ).format(service=label, kind=phone_label(phone.kind), number=phone.number),
                    )
                )
            seen.add(phone.kind)
    if "addresses" in touched and rules.address_kinds:
        kinds = [a.kind for a in after.addresses]
        if len(kinds) != len(set(kinds)):
            problems.append(
                Problem(
                    "addresses",
                    _("{service} keeps one address of each kind; remove the others.").format(
                        service=label
                    ),
                )
            )
    return problems


def _schema(after: Contact, touched: set[str], rules: FieldRules, label: str) -> list[Problem]:
    """What the service's request schema refuses (Xero 1.0: digits, a small postcode)."""
    problems = []
    if rules.phone_digits_only and "phones" in touched:
        for phone in after.phones:
            digits = _PHONE_SEPARATORS.sub("", phone.number).removeprefix("+")
            if not (digits.isascii() and digits.isdigit()):
                problems.append(
                    Problem(
                        "phones",
                        _(
                            "{service} takes phone numbers of digits only; {number!r} would be "
                            "refused: write it with digits, spaces and a leading +."
                        ).format(service=label, number=phone.number),
                    )
                )
    if rules.postcode_max is not None and "addresses" in touched:
        for address in after.addresses:
            code = address.postcode
            if code and not (code.isascii() and code.isdigit() and int(code) <= rules.postcode_max):
                problems.append(
                    Problem(
                        "addresses",
                        _(
                            "{service} takes postcodes of digits up to {largest}; {code!r} would "
                            "be refused: correct the postcode or clear it."
                        ).format(service=label, largest=rules.postcode_max, code=code),
                    )
                )
    return problems


# -- the checker: the checks above for contacts of the store ----------------------------------


class Checker:
    """The checks for contacts of one store: finds each contact's service and clients."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._services: dict[str, ServiceDescription | None] = {}

    def service(self, account: str | None) -> ServiceDescription | None:
        """The description of an account's service (None: on this computer, or unknown)."""
        if not account:
            return None
        if account not in self._services:
            self._services[account] = _service_of(account)
        return self._services[account]

    def clients(self, account: str | None) -> list[str] | None:
        """The account's client names as last pulled (None: not known yet, or no clients)."""
        service = self.service(account)
        if account is None or service is None or not service.rules.client_field:
            return None
        names = self.store.sync_state(account).extra.get(CLIENTS_KEY)
        return [str(n) for n in names] if isinstance(names, list) else None

    def patch(self, contact_id: int, patch: Patch) -> list[Problem]:
        """What is wrong with applying `patch` to the contact as it is now."""
        record = self.store.get(contact_id)
        if record is None or record.state == "deleted":
            return [Problem("", _("There is no such contact (it may have been deleted)."))]
        return check_patch(
            record.contact, patch, self.service(record.account), self.clients(record.account)
        )

    def new(self, contact: Contact, account: str | None) -> list[Problem]:
        """What is wrong with a new contact for `account` (None: on this computer)."""
        return check_new(contact, self.service(account), self.clients(account))

    def delete(self, contact_id: int) -> list[Problem]:
        """What forbids deleting the contact."""
        record = self.store.get(contact_id)
        if record is None:
            return []
        return check_delete(record.contact, self.service(record.account))

    def stays_here(self, contact: Contact, account: str | None) -> list[Problem]:
        """The fields the account's service cannot hold (kept on this computer)."""
        return stays_here(contact, self.service(account))


def _service_of(account: str) -> ServiceDescription | None:
    from addressbook.accounts import find_account
    from addressbook.connectors import describe

    config = find_account(account)
    if config is None:
        return None
    try:
        return describe(config.service)
    except Exception:  # an unknown service (a newer program's account): no rules to apply
        return None


def remember_clients(store: Store, account: str, names: Sequence[str]) -> None:
    """Keep the account's client names for the checks (called by each pull)."""
    state = store.sync_state(account)
    state.extra[CLIENTS_KEY] = list(names)
    store.save_sync_state(state)


def describe_value(field: str, value: Any) -> str:
    """A field's JSON value as short text for a sentence (lists joined)."""
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(
                    str(item.get("address") or item.get("number") or item.get("url") or item)
                )
            else:
                parts.append(str(item))
        return ", ".join(parts)
    return str(value or "")
