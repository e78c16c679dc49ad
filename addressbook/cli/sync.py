"""`addressbook sync|push|conflicts|resolve` (the contract is in ARCHITECTURE.md).

A failing account does not stop the others: each failure is one line on stderr naming
the account, and the command exits 1 at the end. A conflict is not a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from addressbook import accounts
from addressbook.connectors.base import AccountConfig
from addressbook.errors import AddressbookError, Cancelled
from addressbook.i18n import _, format_number, ngettext
from addressbook.model import Address, FieldChange
from addressbook.store import Store
from addressbook.sync.merge import DELETED


def _selected(names: list[str]) -> list[AccountConfig]:
    """The named accounts (every account when none is named); unknown names fail first."""
    if not names:
        return accounts.load_accounts()
    return [accounts.require_account(name) for name in dict.fromkeys(names)]


def _fail(account: str, message: str) -> None:
    print(
        _("addressbook: {account}: {message}").format(account=account, message=message),
        file=sys.stderr,
        flush=True,
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, Cancelled):
        return _("cancelled")
    return str(error).rstrip(". ")


def _no_accounts() -> int:
    print(_("No accounts yet; add one with `addressbook accounts add NAME --service SERVICE`."))
    return 0


# --- sync ------------------------------------------------------------------------------------
def sync(args: argparse.Namespace) -> int:
    """Pull each account; print what changed and any conflicts found."""
    from addressbook.sync.jobs import open_connector
    from addressbook.sync.pull import PullResult, pull

    configs = _selected(args.names)
    if not configs:
        return _no_accounts()
    failed = found = False
    with Store.default() as store:
        for account in configs:
            result = PullResult(account.name)
            try:
                with open_connector(account) as connector:
                    pull(store, connector, full=args.full, result=result)
            except AddressbookError as error:
                failed = True
                pages = result.pages if result.kept else 0  # pages that changed nothing: none
                if not pages:
                    sentence = _("{reason}; nothing was changed.")
                else:
                    sentence = ngettext(
                        "{reason}; {n} whole page was saved; the next sync picks up from there.",
                        "{reason}; {n} whole pages were saved; the next sync picks up from there.",
                        pages,
                    )
                _fail(account.name, sentence.format(reason=_reason(error), n=format_number(pages)))
                continue
            print(f"{account.name}: {result.summary()}", flush=True)
            for contact_id in result.conflicts:
                found = True
                print(_("  conflict: {contact}").format(contact=_conflict_line(store, contact_id)))
    if found:
        print(_("Settle conflicts with `addressbook resolve ID --keep local|remote|both`."))
    return 1 if failed else 0


def _conflict_line(store: Store, contact_id: int) -> str:
    record = store.get(contact_id)
    conflict = store.conflict(contact_id)
    name = record.contact.display_name if record else "?"
    fields = ", ".join(f.field for f in conflict.fields) if conflict else ""
    return f"#{contact_id} {name}: {fields}"


# --- push ------------------------------------------------------------------------------------
def push(args: argparse.Namespace) -> int:
    """Send pending edits (or, with --dry-run, print what would be sent)."""
    configs = _selected(args.names)
    if not configs:
        return _no_accounts()
    with Store.default() as store:
        if args.dry_run:
            for account in configs:
                _print_plan(store, account)
            return 0
        failed = False
        for account in configs:
            failed = _push_account(store, account) or failed
    return 1 if failed else 0


def _push_account(store: Store, account: AccountConfig) -> bool:
    """Push one account; True if it failed or some contact was refused."""
    from addressbook.sync.jobs import open_connector
    from addressbook.sync.push import push as push_account

    if not store.pending_count(account.name):
        print(_("{account}: nothing to push").format(account=account.name))
        return False
    try:
        with open_connector(account) as connector:
            result = push_account(store, connector)
    except AddressbookError as error:
        left = store.pending_count(account.name)
        _fail(
            account.name,
            ngettext(
                "{reason}; {n} edit not sent stays pending.",
                "{reason}; {n} edits not sent stay pending.",
                left,
            ).format(reason=_reason(error), n=format_number(left)),
        )
        return True
    print(f"{account.name}: {result.summary()}", flush=True)
    for note in result.notes:
        print(f"  {note}")
    for contact_id in result.conflicts:
        print(
            _("  conflict: {contact} (changed on the service too)").format(
                contact=_conflict_line(store, contact_id)
            )
        )
    for refusal in result.refused:
        _fail(
            account.name,
            _("{name} (#{id}) was refused: {reason}; the edit stays pending.").format(
                name=refusal.name, id=refusal.contact_id, reason=refusal.message.rstrip(".")
            ),
        )
    return bool(result.refused)


def _print_plan(store: Store, account: AccountConfig) -> None:
    from addressbook.connectors import connector_class
    from addressbook.sync.push import plan_push

    plan = plan_push(store, account.name, connector_class(account.service).can_delete)
    if not plan:
        print(_("{account}: nothing to push").format(account=account.name))
        return
    for change in plan:
        where = f"{account.name} #{change.remote_id}" if change.remote_id else account.name
        name = change.display_name or _("(no name)")
        if change.state == "conflict":
            print(
                _("! {name} ({where}): in conflict, not sent until resolved").format(
                    name=name, where=where
                )
            )
        elif change.op == "create":
            fields = "; ".join(f"{_label(c)}: {_value(c.field, c.new)}" for c in change.changes)
            print(
                _("+ new contact {name} ({where}): {fields}").format(
                    name=name, where=where, fields=fields
                )
            )
        elif change.op == "delete":
            print(_("- delete {name} ({where})").format(name=name, where=where))
        elif change.op == "archive":
            print(_("- archive {name} ({where})").format(name=name, where=where))
        elif not change.changes:
            print(
                _("~ {name} ({where}): no field differs from the service's copy").format(
                    name=name, where=where
                )
            )
        for c in change.changes if change.op == "update" else []:
            print(
                f"~ {name} ({where}): {_label(c)}: {_value(c.field, c.old)} → {_value(c.field, c.new)}"
            )


# The `--field` keys of the list fields (a contract of the command line: not translated).
_LABELS = {"emails": "email", "phones": "phone", "addresses": "address"}


def _label(change: FieldChange) -> str:
    return _LABELS.get(change.field, change.field)


def _value(field: str, value: Any) -> str:
    """A field's JSON value as one short line."""
    if field == "emails":
        text = ", ".join(e["address"] for e in value or [])
    elif field == "phones":
        text = ", ".join(f"{p['number']} ({p['kind']})" for p in value or [])
    elif field == "addresses":
        text = "; ".join(
            Address(
                **{k: a[k] for k in ("kind", "lines", "city", "region", "postcode", "country")}
            ).one_line()
            for a in value or []
        )
    elif value is None:
        text = ""
    else:
        text = " ⏎ ".join(str(value).splitlines())
    if len(text) > 120:
        text = text[:117] + "…"
    return text or _("(empty)")


# --- conflicts and resolve ---------------------------------------------------------------------
def conflicts(args: argparse.Namespace) -> int:
    """List the contacts changed on both sides."""
    with Store.default() as store:
        items = store.conflicts()
        if args.json:
            data = [
                {
                    "id": c.contact_id,
                    "account": c.account,
                    "fields": [
                        {"field": f.field, "base": f.base, "local": f.local, "remote": f.remote}
                        for f in c.fields
                    ],
                }
                for c in items
            ]
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        if not items:
            print(_("No conflicts."))
            return 0
        for c in items:
            record = store.get(c.contact_id)
            name = record.contact.display_name if record else "?"
            print(f"#{c.contact_id} {name} ({c.account}):")
            for f in c.fields:
                if f.field == DELETED:
                    print(
                        _("  deleted here, changed on the service")
                        if f.local
                        else _("  deleted on the service, changed here")
                    )
                    continue
                print(
                    _("  {field}: was {base}; here {local}; on the service {remote}").format(
                        field=_LABELS.get(f.field, f.field),
                        base=_value(f.field, f.base),
                        local=_value(f.field, f.local),
                        remote=_value(f.field, f.remote),
                    )
                )
    print(_("Settle each with `addressbook resolve ID --keep local|remote|both`."))
    return 0


def resolve(args: argparse.Namespace) -> int:
    """Settle one conflict the way the user chose."""
    from addressbook.sync.resolve import resolve as settle

    with Store.default() as store:
        print(settle(store, args.id, args.keep))
    return 0
