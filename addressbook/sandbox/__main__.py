"""`python -m addressbook.sandbox`: serve the four stand-ins until Ctrl+C.

Prints each service's URL, credentials and a `curl` line to try it.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from addressbook.sandbox import start_all


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m addressbook.sandbox",
        description="Serve the Xero, Xero 1.0, Harvest and AcuInvoice stand-ins on 127.0.0.1.",
    )
    parser.add_argument("--contacts", type=int, default=200, metavar="N",
                        help="sample contacts per service (default 200)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, metavar="S",
                        help="seed of the sample data (default 1)")  # fmt: skip
    parser.add_argument("--no-limits", action="store_true",
                        help="switch the rate limits off (benchmarks only)")  # fmt: skip
    parser.add_argument("--port-base", type=int, default=None, metavar="P",
                        help="use ports P, P+1, P+2, P+3 instead of free ones")  # fmt: skip
    return parser


def _curl(account: dict[str, Any], service: Any = None) -> str:
    url, secrets = account["url"], account["secrets"]
    if account["service"] == "harvest":
        return (
            f"curl -u '{secrets['email']}:{secrets['password']}' "
            f"-H 'Accept: application/xml' {url}/contacts"
        )
    if account["service"] == "acuinvoice":
        return (
            f"curl -u '{secrets['api_key']}:X' {url}/api/xml-in "
            "-d '<request method=\"contact.list\"/>'"
        )
    if account["service"] == "xero-legacy":
        return f"curl '{url}/contacts?apiKey={secrets['api_key']}&xeroKey={secrets['xero_key']}'"
    if service is not None and hasattr(service, "issue_tokens"):
        # A token issued straight away (valid 30 minutes), so the API can be tried by hand.
        token = service.issue_tokens()["access_token"]
        return (
            f"curl -H 'Authorization: Bearer {token}' "
            f"-H 'xero-tenant-id: {service.tenants[0].tenant_id}' -H 'Accept: application/json' {url}/Contacts"
        )
    return (
        f"sign in: addressbook accounts login (authorize at {account['settings']['authorize_url']})"
    )


def describe(accounts: list[dict[str, Any]], services: dict[str, Any] | None = None) -> str:
    """A readable block per service: URL, secrets, settings, and a line to try."""
    blocks = []
    for account in accounts:
        lines = [f"{account['service']}  ({account['name']})", f"  url       {account['url']}"]
        lines += [f"  secret    {key} = {value}" for key, value in account["secrets"].items()]
        lines += [f"  setting   {key} = {value}" for key, value in account["settings"].items()]
        service = (services or {}).get(account["service"])
        lines.append(f"  try       {_curl(account, service)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Start the sandbox, print how to reach it, serve until interrupted."""
    args = _parser().parse_args(argv)
    if args.contacts < 0:
        _parser().error("--contacts must be 0 or more")
    sandbox = start_all(args.contacts, args.seed, not args.no_limits, args.port_base)
    # `kill` (SIGTERM) stops as cleanly as Ctrl+C; so does Ctrl+C when the parent
    # shell started us in the background with SIGINT ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        services = {name: server.service for name, server in sandbox.servers.items()}
        print(describe(sandbox.accounts(), services), flush=True)
        print("\nServing; press Ctrl+C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
