"""A stand-in web browser for the Xero sign-in tests: `$BROWSER` runs it with the URL.

It opens the authorize URL, answers the sandbox's consent page (Allow, or Cancel when
BROWSER_FOLLOW_DECISION=deny) and follows the redirect to the app's loopback listener,
as a person in a real browser would. BROWSER_FOLLOW_DECISION=ignore opens nothing (a
user who never finishes). With BROWSER_FOLLOW_LOG=PATH it appends the URL it was given
and the listener's page to that file, for the test to read.

Standard library only, so any python3 can run it: `webbrowser` runs `$BROWSER` as one
executable, so the tests point it at a small shell wrapper that calls this script.
"""

from __future__ import annotations

import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


def _log(text: str) -> None:
    path = os.environ.get("BROWSER_FOLLOW_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(text + "\n")


def _open(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> str:
    """The page at url (redirects followed); an error page's text too."""
    try:
        with opener.open(url, data=data, timeout=30) as answer:
            return str(answer.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return str(error.read().decode("utf-8", "replace"))


def follow(url: str, decision: str) -> str:
    """Open url, answer a consent page, and return the last page's text."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    page = _open(opener, url)
    ticket = re.search(r"name='ticket' value='([^']+)'", page)
    if ticket:
        form = urllib.parse.urlencode({"ticket": ticket.group(1), "decision": decision})
        action = urllib.parse.urljoin(url, "/identity/connect/authorize")
        page = _open(opener, action, form.encode("ascii"))
    return page


def main(argv: list[str]) -> int:
    """Entry point: `browser_follow.py URL`."""
    if len(argv) != 2:
        print("usage: browser_follow.py URL", file=sys.stderr)
        return 2
    decision = os.environ.get("BROWSER_FOLLOW_DECISION", "allow")
    _log(f"URL {argv[1]}")
    if decision == "ignore":
        return 0
    page = follow(argv[1], decision)
    _log(f"PAGE {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
