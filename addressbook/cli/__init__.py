"""The command line: a contract that tests and users script against.

The parser for every command lives here; each command's handler lives in a module of
this package by area (`contacts`, `accounts`, `sync`), imported only when that command
runs, so commands that do not open the window import neither Qt nor httpx.

Exit status: 0 done, 1 failed (one clear line on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, cast

from addressbook import __version__
from addressbook.connectors import service_names
from addressbook.errors import AddressbookError, UsageError
from addressbook.i18n import _, use_catalog_for_argparse

log = logging.getLogger("addressbook")

SERVICES = service_names()


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, as the contract says."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(_("expected KEY=VALUE, got '{text}'").format(text=text))
    key, value = text.split("=", 1)
    return key.strip(), value


class _Unused:
    """Stands in for the parser of a command this run does not need (see build_parser)."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        """Nothing to add."""

    def set_defaults(self, **kwargs: object) -> None:
        """Nothing to set."""


def _command_word(args: Sequence[str]) -> str | None:
    """The command named on the command line, if it comes before any other option."""
    for arg in args:
        if arg not in ("-v", "--verbose"):
            return None if arg.startswith("-") else arg
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of the whole command line.

    With `only`, the other commands' parsers are left out: making all of them is a
    few milliseconds of every command's start-up. An unknown `only` gets the whole
    parser (its error lists the commands).
    """
    parser = _Parser(
        prog="addressbook",
        description=_("A desktop address book over your accounting services' contacts."),
    )
    parser.add_argument("--version", action="version", version=f"addressbook {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help=_("log what happens to stderr")
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, handler: str, help: str) -> argparse.ArgumentParser:  # noqa: A002
        if only is not None and name != only:
            return cast(argparse.ArgumentParser, _Unused())
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    gui = command("gui", "addressbook.cli.app:gui", _("open the window (the default)"))
    gui.add_argument("--quit-after", type=float, default=None, help=argparse.SUPPRESS)
    demo = command(
        "demo",
        "addressbook.cli.app:demo",
        _("open the window on sandbox accounts in a throw-away home"),
    )
    demo.add_argument(
        "--contacts", type=int, default=200, help=_("how many sample contacts each service holds")
    )
    demo.add_argument(
        "--smoke", action="store_true", help=_("quit by itself after the first sync (checks)")
    )
    demo.add_argument(
        "--keep-home", action="store_true", help=_("keep the throw-away home (prints its path)")
    )

    if only in (None, "accounts"):
        _add_accounts(sub)
    if only in (None, "people"):
        _add_people(sub)
    sync = command("sync", "addressbook.cli.sync:sync", _("pull contacts from the accounts"))
    sync.add_argument("names", nargs="*", metavar="NAME")
    sync.add_argument(
        "--full", action="store_true", help=_("pull everything, not only what changed")
    )
    push = command("push", "addressbook.cli.sync:push", _("send pending edits to the accounts"))
    push.add_argument("names", nargs="*", metavar="NAME")
    push.add_argument(
        "--dry-run", action="store_true", help=_("print what would be sent, send nothing")
    )
    conflicts = command(
        "conflicts", "addressbook.cli.sync:conflicts", _("list contacts changed on both sides")
    )
    conflicts.add_argument("--json", action="store_true")
    resolve = command("resolve", "addressbook.cli.sync:resolve", _("settle a conflict"))
    resolve.add_argument("id", type=int)
    resolve.add_argument("--keep", required=True, choices=("local", "remote", "both"))
    revert = command(
        "revert", "addressbook.cli.contacts:revert", _("drop a contact's pending edits")
    )
    revert.add_argument("id", type=int)

    c_list = command("list", "addressbook.cli.contacts:list_contacts", _("list contacts"))
    c_list.add_argument(
        "--account", help=_("only this account's contacts ('' or 'local': this computer's)")
    )
    c_list.add_argument("--json", action="store_true")
    search = command(
        "search",
        "addressbook.cli.contacts:search",
        _("find contacts by name, company, email or phone"),
    )
    search.add_argument("query")
    search.add_argument("--json", action="store_true")
    show = command("show", "addressbook.cli.contacts:show", _("show one contact"))
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    new = command("new", "addressbook.cli.contacts:new", _("create a contact; prints its id"))
    new.add_argument("--account")
    new.add_argument(
        "--field", dest="fields", action="append", type=_key_value, default=[], metavar="KEY=VALUE"
    )
    edit = command("edit", "addressbook.cli.contacts:edit", _("change a contact's fields"))
    edit.add_argument("id", type=int)
    edit.add_argument(
        "--everywhere", action="store_true", help=_("change every record of the contact's person")
    )
    edit.add_argument(
        "--field", dest="fields", action="append", type=_key_value, default=[], metavar="KEY=VALUE"
    )
    delete = command(
        "delete",
        "addressbook.cli.contacts:delete",
        _("delete a contact (linked: pending until pushed)"),
    )
    delete.add_argument("id", type=int)
    export = command(
        "export", "addressbook.cli.contacts:export", _("write contacts as vCard or CSV")
    )
    export.add_argument("--format", choices=("vcard", "vcard3", "vcard4", "csv"), default="vcard")
    export.add_argument("-o", "--output", help=_("file to write (default: standard output)"))
    export.add_argument("--account")
    imp = command(
        "import", "addressbook.cli.contacts:import_", _("read contacts from a vCard or CSV file")
    )
    imp.add_argument("file")
    imp.add_argument(
        "--skip-invalid", action="store_true", help=_("import the valid cards/rows, list the rest")
    )
    imp.add_argument(
        "--format", choices=("vcard", "csv"), help=_("default: from the file's name and content")
    )
    imp.add_argument("--account", help=_("import as new contacts of this account (pushed later)"))
    if only is not None and only not in sub.choices:
        return build_parser()
    return parser


def _add_accounts(sub: Any) -> None:
    """The `accounts` command and its own sub-commands."""
    accounts = sub.add_parser("accounts", help=_("list, add, sign in to, or remove accounts"))
    acc = accounts.add_subparsers(dest="accounts_command", parser_class=_Parser, required=True)
    a_list = acc.add_parser("list", help=_("list the accounts"))
    a_list.add_argument("--json", action="store_true")
    a_list.set_defaults(handler="addressbook.cli.accounts:list_accounts")
    a_add = acc.add_parser(
        "add", help=_("add an account (secrets: hidden prompt, or KEY=VALUE lines on stdin)")
    )
    a_add.add_argument("name")
    a_add.add_argument("--service", required=True, choices=SERVICES)
    a_add.add_argument("--url")
    a_add.add_argument(
        "--set", dest="settings", action="append", type=_key_value, default=[], metavar="KEY=VALUE"
    )
    a_add.set_defaults(handler="addressbook.cli.accounts:add_account")
    a_login = acc.add_parser("login", help=_("sign in with the browser (Xero)"))
    a_login.add_argument("name")
    a_login.add_argument("--tenant", help=_("the organisation to use when several are connected"))
    a_login.add_argument(
        "--timeout", type=float, default=300.0, help=_("seconds to wait for the browser")
    )
    a_login.set_defaults(handler="addressbook.cli.accounts:login_account")
    a_remove = acc.add_parser(
        "remove", help=_("remove an account, its secrets and its cached contacts")
    )
    a_remove.add_argument("name")
    a_remove.add_argument(
        "--discard-pending", action="store_true", help=_("also drop edits not yet pushed")
    )
    a_remove.set_defaults(handler="addressbook.cli.accounts:remove_account")


def _add_people(sub: Any) -> None:
    """The `people` command and its own sub-commands (addressbook/cli/people.py)."""
    handlers = "addressbook.cli.people:"
    people = sub.add_parser(
        "people", help=_("people: records of several accounts that are one human or company")
    )
    people.add_argument("--json", action="store_true")
    people.set_defaults(handler=handlers + "list_people")
    cmd = people.add_subparsers(dest="people_command", parser_class=_Parser)
    p_suggest = cmd.add_parser("suggest", help=_("probable people not yet joined (nor dismissed)"))
    p_suggest.add_argument("--json", action="store_true")
    p_suggest.set_defaults(handler=handlers + "suggest")
    p_join = cmd.add_parser("join", help=_("one person of these records; prints the person's id"))
    p_join.add_argument("ids", type=int, nargs="+", metavar="ID")
    p_join.set_defaults(handler=handlers + "join")
    p_split = cmd.add_parser("split", help=_("the person's records stand alone again"))
    p_split.add_argument("person", type=int, metavar="PERSON")
    p_split.set_defaults(handler=handlers + "split")
    p_dismiss = cmd.add_parser("dismiss", help=_("never suggest these records together again"))
    p_dismiss.add_argument("ids", type=int, nargs="+", metavar="ID")
    p_dismiss.set_defaults(handler=handlers + "dismiss")


def _setup_logging(verbose: bool) -> None:
    from addressbook.logs import setup

    setup(verbose=verbose)


# Qt's own command-line options (QApplication and QGuiApplication), handed to the window:
# those that take a value, and those that stand alone. Written `-style fusion`,
# `-style=fusion` or with two dashes.
QT_VALUE_OPTIONS = frozenset(
    {
        "style",
        "stylesheet",
        "platform",
        "platformpluginpath",
        "platformtheme",
        "plugin",
        "qwindowgeometry",
        "qwindowtitle",
        "qwindowicon",
        "display",
        "geometry",
        "session",
        "qmljsdebugger",
    }
)
QT_FLAG_OPTIONS = frozenset({"reverse", "nograb", "dograb", "sync", "widgetcount"})


def split_qt_options(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(our arguments, Qt's own options) — Qt's options pass to the window untouched.

    Only for the window (`gui`, `demo`, or no command): elsewhere `-reverse` may be a
    search's words, and argparse says what it makes of it.
    """
    ours: list[str] = []
    qt: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if item == "--":
            ours += items[i:]
            break
        name = item.lstrip("-").split("=", 1)[0] if item.startswith("-") else ""
        if name in QT_VALUE_OPTIONS and not item.startswith("---"):
            if "=" in item:
                qt.append("-" + item.lstrip("-"))
            elif i + 1 < len(items) and name not in QT_FLAG_OPTIONS:
                qt += [f"-{name}", items[i + 1]]
                i += 1
            else:
                qt.append(f"-{name}")
        elif name in QT_FLAG_OPTIONS and "=" not in item:
            qt.append(f"-{name}")
        else:
            ours.append(item)
        i += 1
    if qt and _command_word(ours) not in (None, "gui", "demo"):
        return list(argv), []
    return ours, qt


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status."""
    args_list, qt_options = split_qt_options(sys.argv[1:] if argv is None else argv)
    use_catalog_for_argparse()
    parser = build_parser(_command_word(args_list))
    try:
        args = parser.parse_args(args_list)
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help, --version
        return int(exit_.code or 0)
    if not getattr(args, "handler", None):
        if args.command == "accounts":
            parser.parse_args(["accounts", "--help"])
        args.handler = "addressbook.cli.app:gui"
        args.quit_after = None
    args.qt_options = qt_options
    _setup_logging(args.verbose)
    module_name, function_name = args.handler.split(":")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        return int(handler(args) or 0)
    except UsageError as error:
        print(_("addressbook: {error}").format(error=error), file=sys.stderr)
        return 2
    except AddressbookError as error:
        log.info("failed: %s", error)
        # Translators: the program's name, then one sentence that says what failed.
        print(_("addressbook: {error}").format(error=error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            _(
                "addressbook: interrupted; nothing was lost (committed work stays, "
                "pending edits stay pending)."
            ),
            file=sys.stderr,
        )
        return 1
    except BrokenPipeError:
        # `addressbook list | head`: the reader went away; not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python's final flush quiet
        except OSError:
            pass
        return 0
    except Exception as error:  # a bug: one line for the user, the traceback in the log
        log.exception("bug while running %s", args.command)
        from addressbook.logs import log_file

        print(
            _("addressbook: internal error ({kind}); details in {path}").format(
                kind=type(error).__name__, path=log_file()
            ),
            file=sys.stderr,
        )
        return 1


def gui_main() -> int:
    """Entry point of the `addressbook-gui` launcher (no console on Windows)."""
    return main(["gui"])
