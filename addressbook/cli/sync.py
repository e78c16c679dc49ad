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
from addressbook.model import Address, FieldChange
from addressbook.store import Store
from addressbook.sync.merge import DELETED
from addressbook.wording import counted


def _selected(names: list[str]) -> list[AccountConfig]:
    """The named accounts (every account when none is named); unknown names fail first."""
    if not names:
        return accounts.load_accounts()
    return [accounts.require_account(name) for name in dict.fromkeys(names)]


def _fail(account: str, message: str) -> None:
    print(f"addressbook: {account}: {message}", file=sys.stderr, flush=True)


def _reason(error: BaseException) -> str:
    if isinstance(error, Cancelled):
        return "cancelled"
    return str(error).rstrip(". ")


def _no_accounts() -> int:
    print("No accounts yet; add one with `addressbook accounts add NAME --service SERVICE`.")
    return 0


# --- sync ------------------------------------------------------------------------------------
def sync(args: argparse.Namespace) -> int:
    """Pull each account; print what changed and any conflicts found."""
    from addressbook.sync.jobs import open_connector
    from addressbook.sync.pull import pull

    configs = _selected(args.names)
    if not configs:
        return _no_accounts()
    failed = found = False
    with Store.default() as store:
        for account in configs:
            try:
                with open_connector(account) as connector:
                    result = pull(store, connector, full=args.full)
            except AddressbookError as error:
                failed = True
                pages = getattr(error, "pages_saved", 0)
                tail = (
                    "nothing was changed"
                    if not pages
                    else f"{counted(pages, 'whole page')} {'was' if pages == 1 else 'were'} saved; "
                    "the next sync picks up from there"
                )
                _fail(account.name, f"{_reason(error)}; {tail}.")
                continue
            print(f"{account.name}: {result.summary()}", flush=True)
            for contact_id in result.conflicts:
                found = True
                print(f"  conflict: {_conflict_line(store, contact_id)}")
    if found:
        print("Settle conflicts with `addressbook resolve ID --keep local|remote|both`.")
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
        print(f"{account.name}: nothing to push")
        return False
    try:
        with open_connector(account) as connector:
            result = push_account(store, connector)
    except AddressbookError as error:
        left = store.pending_count(account.name)
        _fail(
            account.name,
            f"{_reason(error)}; {counted(left, 'edit')} not sent {'stays' if left == 1 else 'stay'} pending.",
        )
        return True
    print(f"{account.name}: {result.summary()}", flush=True)
    for note in result.notes:
        print(f"  {note}")
    for contact_id in result.conflicts:
        print(f"  conflict: {_conflict_line(store, contact_id)} (changed on the service too)")
    for refusal in result.refused:
        _fail(
            account.name,
            f"{refusal.name} (#{refusal.contact_id}) was refused: {refusal.message.rstrip('.')}; "
            "the edit stays pending.",
        )
    return bool(result.refused)


def _print_plan(store: Store, account: AccountConfig) -> None:
    from addressbook.connectors import connector_class
    from addressbook.sync.push import plan_push

    plan = plan_push(store, account.name, connector_class(account.service).can_delete)
    if not plan:
        print(f"{account.name}: nothing to push")
        return
    for change in plan:
        where = f"{account.name} #{change.remote_id}" if change.remote_id else account.name
        name = change.display_name or "(no name)"
        if change.state == "conflict":
            print(f"! {name} ({where}): in conflict, not sent until resolved")
        elif change.op == "create":
            fields = "; ".join(f"{_label(c)}: {_value(c.field, c.new)}" for c in change.changes)
            print(f"+ new contact {name} ({where}): {fields}")
        elif change.op in ("delete", "archive"):
            print(f"- {change.op} {name} ({where})")
        elif not change.changes:
            print(f"~ {name} ({where}): no field differs from the service's copy")
        for c in change.changes if change.op == "update" else []:
            print(
                f"~ {name} ({where}): {_label(c)}: {_value(c.field, c.old)} → {_value(c.field, c.new)}"
            )


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
    return text or "(empty)"


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
            print("No conflicts.")
            return 0
        for c in items:
            record = store.get(c.contact_id)
            name = record.contact.display_name if record else "?"
            print(f"#{c.contact_id} {name} ({c.account}):")
            for f in c.fields:
                if f.field == DELETED:
                    print(
                        "  deleted here, changed on the service"
                        if f.local
                        else "  deleted on the service, changed here"
                    )
                    continue
                print(
                    f"  {_LABELS.get(f.field, f.field)}: was {_value(f.field, f.base)}; "
                    f"here {_value(f.field, f.local)}; on the service {_value(f.field, f.remote)}"
                )
    print("Settle each with `addressbook resolve ID --keep local|remote|both`.")
    return 0


def resolve(args: argparse.Namespace) -> int:
    """Settle one conflict the way the user chose."""
    from addressbook.sync.resolve import resolve as settle

    with Store.default() as store:
        print(settle(store, args.id, args.keep))
    return 0
