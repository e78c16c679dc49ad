"""The contact commands: list, search, show, new, edit, delete, export, import.

Each handler takes the parsed arguments and returns the exit status; failures are
AddressbookError sentences, printed by `addressbook.cli.main`. Only the store and the
model are imported at start-up: accounts and interchange are imported by the commands
that need them, so `addressbook search` starts fast and never loads Qt or httpx.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from addressbook.errors import AddressbookError, UsageError
from addressbook.i18n import N_, _
from addressbook.kinds import address_label, email_label, entry_labels, phone_label
from addressbook.model import FIELD_KEYS, Contact, Patch, apply_field_args
from addressbook.rules import Checker, Problem, sentences
from addressbook.store import LOCAL, Record, Store
from addressbook.wording import field_labels

_CHUNK = 500  # contacts read per query when printing a long list
_MARKERS = {"local": "", "synced": "", "new": N_("new"), "modified": N_("modified")}
# States that need the user's attention are shown in capitals ('CONFLICT').
_LOUD_MARKERS = {"conflict": N_("conflict"), "deleted": N_("deleted")}
_STATUS_WORDS = {"active": N_("active"), "archived": N_("archived"), "read-only": N_("read-only")}


# -- output helpers ------------------------------------------------------------------------


def _write(text: str) -> None:
    """Print text; characters the terminal's encoding lacks are escaped, never a crash."""
    stream = sys.stdout
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = stream.encoding or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _json_ascii() -> bool:
    return (sys.stdout.encoding or "").lower().replace("-", "") != "utf8"


def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _cell(text: str, width: int) -> str:
    """text cut with '…' or padded to exactly width terminal columns (CJK and emoji are 2)."""
    if not text or max(text) < "\u1100":  # no wide characters below U+1100: one column each
        if len(text) > width:
            return text[: width - 1] + "…"
        return text.ljust(width)
    used = 0
    for i, ch in enumerate(text):
        used += _char_width(ch)
        if used > width:
            cut = text[:i]
            while sum(map(_char_width, cut)) > width - 1:
                cut = cut[:-1]
            return cut + "…" + " " * (width - 1 - sum(map(_char_width, cut)))
    return text + " " * (width - used)


def _account_label(account: str | None) -> str:
    return account if account is not None else _("this computer")


def _marker(record_state: str, status: str) -> str:
    if record_state in _MARKERS:
        marker = _(_MARKERS[record_state]) if _MARKERS[record_state] else ""
    elif record_state in _LOUD_MARKERS:
        marker = _(_LOUD_MARKERS[record_state]).upper()
    else:
        marker = record_state.upper()
    if status != "active":
        word = _(_STATUS_WORDS[status]) if status in _STATUS_WORDS else status
        marker = f"{marker} ({word})".strip()
    return marker


def _print_rows(store: Store, ids: Sequence[int], as_json: bool) -> None:
    """Print contacts in the given order, a chunk at a time (never all in memory)."""
    if as_json:
        _print_json_array(store, ids)
        return
    if sys.stdout.isatty() and ids:
        _write(
            f"{_('ID'):>6}  {_cell(_('NAME'), 30)}  {_cell(_('ORGANISATION / EMAIL'), 30)}  "
            f"{_('ACCOUNT')}\n"
        )
    for chunk in _chunks(ids):
        lines = []
        for row in store.rows(chunk):
            secondary = "" if row.secondary == row.display_name else row.secondary
            line = (
                f"{row.id:>6}  {_cell(row.display_name, 30)}  {_cell(secondary, 30)}  "
                f"{_cell(_account_label(row.account), 16)}  {_marker(row.state, row.status)}"
            )
            lines.append(line.rstrip() + "\n")
        _write("".join(lines))


def _print_json_array(store: Store, ids: Sequence[int]) -> None:
    ascii_only = _json_ascii()
    if not ids:
        _write("[]\n")
        return
    separator = "[\n"
    for chunk in _chunks(ids):
        for record in store.records(chunk):
            _write(separator + json.dumps(record.to_json(), ensure_ascii=ascii_only))
            separator = ",\n"
    _write("\n]\n")


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _account_filter(name: str | None) -> str | None:
    """--account: None for all, LOCAL for 'local' or '', else a known account's name."""
    if name is None:
        return None
    if name.strip() in ("", "local"):
        return LOCAL
    from addressbook.accounts import require_account

    return require_account(name).name


def _require(store: Store, contact_id: int) -> Record:
    """The contact of that id, unless it does not exist or waits to be deleted."""
    record = store.get(contact_id)
    if record is None or record.state == "deleted":
        raise AddressbookError(_("no contact with id {id}").format(id=contact_id))
    return record


def _with_fields(contact: Contact, pairs: list[tuple[str, str]]) -> Contact:
    """`--field KEY=VALUE` pairs applied; an unknown key → one translated sentence."""
    for key, _value in pairs:
        if key not in FIELD_KEYS:
            raise UsageError(
                _("unknown field {key!r}; known fields: {known}").format(
                    key=key, known=", ".join(FIELD_KEYS)
                )
            )
    try:
        return apply_field_args(contact, pairs)
    except ValueError as error:
        raise UsageError(str(error)) from None


# -- the commands --------------------------------------------------------------------------


def list_contacts(args: argparse.Namespace) -> int:
    """`addressbook list [--account NAME] [--json]`."""
    account = _account_filter(args.account)
    with Store.default() as store:
        _print_rows(store, store.search_ids("", account), args.json)
    return 0


def search(args: argparse.Namespace) -> int:
    """`addressbook search QUERY [--json]`: the same matching as the window's search box."""
    with Store.default() as store:
        _print_rows(store, store.search_ids(args.query), args.json)
    return 0


def show(args: argparse.Namespace) -> int:
    """`addressbook show ID [--json]`."""
    with Store.default() as store:
        record = _require(store, args.id)
        if args.json:
            _write(json.dumps(record.to_json(), ensure_ascii=_json_ascii(), indent=2) + "\n")
        else:
            _write(_show_block(record))
    return 0


def _show_block(record: Record) -> str:
    """A contact as readable lines: name, then label/value pairs."""
    c = record.contact
    lines: list[tuple[str, str]] = [(_("id"), str(record.id))]
    account = _account_label(record.account)
    if record.remote_id:
        account = _("{account} (remote id {id})").format(account=account, id=record.remote_id)
    lines.append((_("account"), account))
    if record.state not in ("local", "synced"):
        word = _MARKERS.get(record.state) or _LOUD_MARKERS.get(record.state)
        lines.append((_("state"), _(word) if word else record.state))
    for label, value in (
        (_("given name"), c.given_name),
        (_("family name"), c.family_name),
        (_("organisation"), c.organization),
        (_("job title"), c.title),
    ):
        if value:
            lines.append((label, value))
    labels = entry_labels(c)  # another program's own labels ('assistant'), if kept
    lines += [
        (labels.get(("emails", n)) or email_label(e.kind), e.address)
        for n, e in enumerate(c.emails)
    ]
    lines += [
        (labels.get(("phones", n)) or phone_label(p.kind), p.number) for n, p in enumerate(c.phones)
    ]
    lines += [
        (labels.get(("addresses", n)) or address_label(a.kind), a.one_line())
        for n, a in enumerate(c.addresses)
    ]
    if c.status != "active":
        lines.append(
            (_("status"), _(_STATUS_WORDS[c.status]) if c.status in _STATUS_WORDS else c.status)
        )
    if c.notes:
        lines.append((_("notes"), c.notes))
    if record.message:
        lines.append((_("last push"), record.message))
    out = [c.display_name or _("(no name)")]
    width = max(14, *(len(label) + 2 for label, _value in lines))  # labels vary by language
    for label, value in lines:
        first, *rest = value.split("\n")
        out.append(f"  {label:<{width}}{first}")
        out += [f"  {'':<{width}}{more}" for more in rest]
    return "\n".join(out) + "\n"


def _refuse(problems: Sequence[Problem]) -> None:
    """Exit 1 with the rules' sentences when they refuse the change (nothing was written)."""
    if problems:
        raise AddressbookError(sentences(problems))


def new(args: argparse.Namespace) -> int:
    """`addressbook new [--account NAME] --field KEY=VALUE...`: prints the new id."""
    if not args.fields:
        raise UsageError(_("give the new contact's fields with --field KEY=VALUE"))
    contact = _with_fields(Contact(), args.fields)
    account = None
    if args.account is not None and args.account.strip() not in ("", "local"):
        from addressbook.accounts import require_account

        account = require_account(args.account).name
    with Store.default() as store:
        _refuse(Checker(store).new(contact, account))
        contact_id = store.create(contact, account=account)
    _write(f"{contact_id}\n")
    return 0


def edit(args: argparse.Namespace) -> int:
    """`addressbook edit ID --field KEY=VALUE...`: a patch of the fields named, checked first."""
    if not args.fields:
        raise UsageError(_("say what to change with --field KEY=VALUE"))
    if getattr(args, "everywhere", False):
        from addressbook.cli.people import edit_everywhere

        return edit_everywhere(args)
    with Store.default() as store:
        record = _require(store, args.id)
        patch = Patch.between(record.contact, _with_fields(record.contact, args.fields))
        _refuse(Checker(store).patch(args.id, patch))
        result = store.apply_patch(args.id, patch)
    if result.moved:
        print(
            _(
                "{fields} changed while this edit was being saved; your value waits as a "
                "conflict: `addressbook conflicts` shows it."
            ).format(fields=field_labels(f.field for f in result.moved)),
            file=sys.stderr,
        )
    return 0


def delete(args: argparse.Namespace) -> int:
    """`addressbook delete ID`: linked contacts wait in the outbox until the next push."""
    with Store.default() as store:
        record = _require(store, args.id)
        _refuse(Checker(store).delete(args.id))
        store.delete(args.id)
        if record.remote_id is not None:
            _write(
                _(
                    "contact {id} is deleted here; `addressbook push {account}` deletes it from "
                    "the account"
                ).format(id=args.id, account=record.account)
                + "\n"
            )
    return 0


def revert(args: argparse.Namespace) -> int:
    """`addressbook revert ID`: drop every pending edit of the contact."""
    from addressbook.sync.resolve import revert as drop_edits

    with Store.default() as store:
        if store.get(args.id) is None:
            raise AddressbookError(_("no contact with id {id}").format(id=args.id))
        _write(drop_edits(store, args.id) + "\n")
    return 0


def export(args: argparse.Namespace) -> int:
    """`addressbook export [--format F] [-o FILE] [--account NAME]`: a card at a time."""
    from addressbook.i18n import ngettext
    from addressbook.interchange import iter_export

    account = _account_filter(args.account)
    with Store.default() as store:
        ids = store.search_ids("", account)
        pieces = iter_export(_contacts(store, ids), args.format)
        if not args.output:
            for piece in pieces:
                _write(piece)
            return 0
        path = Path(args.output)
        temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
        try:
            # Via a temporary file and a rename: a failed export never leaves half a file.
            with open(temporary, "w", encoding="utf-8", newline="") as file:
                for piece in pieces:
                    file.write(piece)
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise AddressbookError(
                _("cannot write {path}: {reason}").format(path=path, reason=error.strerror or error)
            ) from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    print(
        ngettext(
            "exported {n} contact to {path}", "exported {n} contacts to {path}", len(ids)
        ).format(n=len(ids), path=args.output),
        file=sys.stderr,
    )
    return 0


def _contacts(store: Store, ids: Sequence[int]) -> Iterable[Contact]:
    for chunk in _chunks(ids):
        for record in store.records(chunk):
            yield record.contact


def _write_file(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a failed export never leaves half a file."""
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise AddressbookError(
            _("cannot write {path}: {reason}").format(path=path, reason=error.strerror or error)
        ) from None


def import_(args: argparse.Namespace) -> int:
    """`addressbook import FILE [--skip-invalid] [--format vcard|csv] [--account NAME]`.

    A card already in the book (same vCard UID, or the same contact) is updated or left
    alone, not copied; the last line says `N new, M updated, K unchanged, S skipped`.
    """
    from addressbook.interchange.importer import import_file

    path = Path(args.file)
    if not path.is_file():
        raise AddressbookError(_("no such file: {path}").format(path=path))
    account = None
    if getattr(args, "account", None) is not None and args.account.strip() not in ("", "local"):
        from addressbook.accounts import require_account

        account = require_account(args.account).name
    with Store.default() as store:
        summary = import_file(
            store, path, fmt=args.format, skip_invalid=args.skip_invalid, account=account
        )
    for warning in summary.warnings:
        print(str(warning), file=sys.stderr)
    _write(summary.line() + "\n")
    return 0
