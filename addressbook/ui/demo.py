"""`addressbook demo`: the sandbox on free ports, four accounts in a throw-away home, the window.

Secrets: the sandbox's throw-away credentials go to an in-memory keyring
(demo_keyring.DemoKeyring), never to the user's keyring or to a file. Xero's token
comes from a real PKCE sign-in against the sandbox, which approves by itself.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from addressbook.i18n import _

if TYPE_CHECKING:
    from addressbook.sandbox import Sandbox
    from addressbook.ui.main_window import MainWindow

log = logging.getLogger("addressbook.ui")

# Set by tests/screenshots.py: a folder to save screenshots into, after the first sync.
SCREENSHOTS_ENV = "ADDRESSBOOK_SCREENSHOTS"


def _browse(url: str) -> None:
    """Stand in for the browser: follow the sandbox's auto-approved authorize URL."""

    def visit() -> None:
        import httpx

        try:
            httpx.get(url, follow_redirects=True, timeout=10.0)
        except httpx.HTTPError as error:  # the sign-in then times out and says so
            log.info("demo sign-in: the authorize page failed: %s", type(error).__name__)

    threading.Thread(target=visit, name="demo-browser", daemon=True).start()


def configure_accounts(sandbox: Sandbox) -> list[str]:
    """Add one account per sandbox service; sign in to Xero. Returns the account names."""
    from addressbook import accounts
    from addressbook.ui.accounts_dialog import run_login

    names = []
    for spec in sandbox.accounts():
        settings = {k: str(v) for k, v in spec["settings"].items()}
        if _connector_class_missing(spec["service"]):
            log.warning("demo: no connector for %s in this version; skipped", spec["service"])
            continue
        config = accounts.new_account(spec["name"], spec["service"], spec["url"], settings)
        if spec["service"] == "xero":
            accounts.add_account(config, {})
            # A failed sign-in fails the demo (and its smoke check): no stand-in token.
            run_login(accounts.require_account(config.name), _browse)
        else:
            accounts.add_account(config, dict(spec["secrets"]))
        names.append(config.name)
    return names


def _connector_class_missing(service: str) -> bool:
    from addressbook.connectors import connector_class

    try:
        connector_class(service)
    except ImportError:
        return True
    return False


def run_demo(contacts: int = 200, smoke: bool = False, keep_home: bool = False) -> int:
    """Run the demo; with `smoke`, quit after the first sync (0 if every account synced)."""
    from addressbook.sandbox import start_all
    from addressbook.ui import demo_keyring
    from addressbook.ui.display import require_display

    require_display()  # before anything is made: Qt aborting would leave the home behind
    home = Path(tempfile.mkdtemp(prefix="addressbook-demo-"))
    os.environ["ADDRESSBOOK_HOME"] = str(home)
    demo_keyring.install()
    sandbox = None
    try:
        sandbox = start_all(contacts=contacts)
        xero = sandbox.servers.get("xero")
        if xero is not None:
            xero.service.auto_approve = True  # type: ignore[attr-defined]
        names = configure_accounts(sandbox)
        return _run_window(sandbox, names, smoke)
    finally:
        if sandbox is not None:
            sandbox.stop()
        if keep_home:
            print(_("demo home kept: {path}").format(path=home), file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)


def _run_window(sandbox: Sandbox, names: list[str], smoke: bool) -> int:
    from PySide6.QtWidgets import QApplication

    from addressbook.ui.app import run_gui

    failures: list[str] = []
    outcome = {"status": 0}

    def setup(window: MainWindow) -> None:
        window.open_url_hook = _browse
        window.setWindowTitle(_("Address Book — demo (sandbox accounts)"))
        jobs = window.jobs
        jobs.failed.connect(lambda kind, account, error: failures.append(f"{account}: {error}"))
        shots = os.environ.get(SCREENSHOTS_ENV)
        if shots:
            from addressbook.ui.screenshot_tour import ScreenshotTour

            tour = ScreenshotTour(window, sandbox, Path(shots))
            jobs.idle.connect(tour.start)
        elif smoke:

            def finish() -> None:
                outcome["status"] = 1 if failures else 0
                for line in failures:
                    print(
                        _("addressbook demo: sync failed: {reason}").format(reason=line),
                        file=sys.stderr,
                    )
                QApplication.instance().quit()  # type: ignore[union-attr]

            jobs.idle.connect(finish)
        else:  # the first sync brings the same people from every account: suggest them
            from addressbook.ui.people_dialog import offer_suggestions

            jobs.idle.connect(lambda: offer_suggestions(window))
        jobs.sync(names)

    status = run_gui(setup=setup)
    return outcome["status"] or status
