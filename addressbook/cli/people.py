"""The people commands: people, people suggest/join/split/dismiss, edit ID --everywhere.

A person is a local grouping of records (see addressbook.people); nothing here talks to
a service. Failures are AddressbookError sentences (exit 1) or UsageError (exit 2),
printed by `addressbook.cli.main`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from addressbook.errors import AddressbookError, UsageError
from addressbook.i18n import _, ngettext
from addressbook.model import Contact
from addressbook.store import Store


def _write(text: str) -> None:
    from addressbook.cli.contacts import _write as write

    write(text)


def _json(value: object) -> str:
    from addressbook.cli.contacts import _json_ascii

    return json.dumps(value, ensure_ascii=_json_ascii())


def _say(text: str) -> None:
    """One line on stderr (what happened besides the answer on stdout)."""
    print(text, file=sys.stderr)


def _account(account: str | None) -> str:
    return account if account is not None else _("this computer")


def _distinct(ids: Sequence[int]) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if len(unique) < 2:
        if len(ids) >= 2:
            raise UsageError(
                _("A contact cannot be joined with itself: give two or more different ids.")
            )
        raise UsageError(_("Give two or more contact ids."))
    return unique


def list_people(args: argparse.Namespace) -> int:
    """`addressbook people [--json]`: the people of two or more records."""
    with Store.default() as store:
        people = store.people()
    if args.json:
        _write(_json([p.to_json() for p in people]) + "\n")
        return 0
    lines = []
    for p in people:
        records = ", ".join(f"{i} ({_account(a)})" for i, a in zip(p.ids, p.accounts, strict=True))
        lines.append(f"{p.person:>6}  {p.display_name or _('(no name)')}: {records}\n")
    _write("".join(lines))
    return 0


def suggest(args: argparse.Namespace) -> int:
    """`addressbook people suggest [--json]`: probable people not yet joined nor dismissed."""
    from addressbook.people import reason_text, suggestions

    with Store.default() as store:
        found = suggestions(store)
        if args.json:
            _write(_json([s.to_json() for s in found]) + "\n")
            return 0
        lines = []
        for suggestion in found:
            rows = store.rows(suggestion.ids)
            names = ", ".join(
                f"{row.id} {row.display_name or _('(no name)')} ({_account(row.account)})"
                for row in rows
            )
            reasons = ", ".join(reason_text(r) for r in suggestion.reasons)
            lines.append(f"{names}: {reasons}\n")
    _write("".join(lines))
    return 0


def join(args: argparse.Namespace) -> int:
    """`addressbook people join ID ID...`: prints the person's id."""
    ids = _distinct(args.ids)
    with Store.default() as store:
        result = store.join(ids)
    if result.merged:
        merged = ", ".join(str(p) for p in result.merged)
        _say(
            ngettext(
                "person {merged} was merged into person {person}",
                "people {merged} were merged into person {person}",
                len(result.merged),
            ).format(merged=merged, person=result.person)
        )
    _write(f"{result.person}\n")
    return 0


def split(args: argparse.Namespace) -> int:
    """`addressbook people split PERSON`: its records stand alone again."""
    with Store.default() as store:
        before = store.split(args.person)
    _say(
        ngettext(
            "person {person} is split: {n} record stands alone again",
            "person {person} is split: {n} records stand alone again",
            len(before),
        ).format(person=args.person, n=len(before))
    )
    return 0


def dismiss(args: argparse.Namespace) -> int:
    """`addressbook people dismiss ID ID...`: never suggest these records together again."""
    ids = _distinct(args.ids)
    with Store.default() as store:
        store.dismiss(ids)
    return 0


def edit_everywhere(args: argparse.Namespace) -> int:
    """`addressbook edit ID --everywhere --field KEY=VALUE...`: the change goes to every
    record of the contact's person, each checked by its own service's rules."""
    from addressbook.people import edit_everywhere as fan_out

    if not args.fields:
        raise UsageError(_("Say what to change with --field KEY=VALUE."))

    def change(contact: Contact) -> Contact:
        from addressbook.cli.contacts import _with_fields

        changed = _with_fields(contact, args.fields)
        if not changed.display_name:
            raise UsageError(_("A contact needs a name; this edit would leave it without one."))
        return changed

    with Store.default() as store:
        record = store.get(args.id)
        if record is None or record.state == "deleted":
            raise AddressbookError(_("There is no contact with id {id}.").format(id=args.id))
        if record.contact.status == "read-only":
            raise AddressbookError(
                _(
                    "Contact {id} is read-only on its service (a data-protection request);"
                    " it cannot be edited."
                ).format(id=args.id)
            )
        result = fan_out(store, args.id, change)
    for outcome in result.refused:
        for sentence in outcome.refused:
            _say(
                _("contact {id} ({account}) was left as it is for this: {reason}").format(
                    id=outcome.record.id, account=_account(outcome.record.account), reason=sentence
                )
            )
    changed = len(result.changed)
    _say(
        ngettext(
            "{n} of {total} record changed",
            "{n} of {total} records changed",
            changed,
        ).format(n=changed, total=len(result.outcomes))
    )
    return 1 if result.refused else 0
