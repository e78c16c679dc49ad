"""`start_all`, the account descriptions, and `python -m addressbook.sandbox`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import httpx
import pytest

from addressbook.sandbox import SERVICES, start_all
from addressbook.sandbox.acuinvoice import AcuInvoiceService
from addressbook.sandbox.harvest import HarvestService


def test_services_registry() -> None:
    assert list(SERVICES) == ["xero", "xero-legacy", "harvest", "acuinvoice"]
    assert SERVICES["harvest"] is HarvestService
    assert SERVICES["acuinvoice"] is AcuInvoiceService
    assert SERVICES["xero"].__name__ == "XeroService"
    assert SERVICES["xero-legacy"].__name__ == "XeroLegacyService"


def test_start_all_accounts_follow_the_url_conventions() -> None:
    with start_all(contacts=3, seed=2, limits=False) as sandbox:
        accounts = {a["service"]: a for a in sandbox.accounts()}
        servers = sandbox.servers
        assert set(accounts) == set(servers) == set(SERVICES)
        assert all(not s.service.limits_enabled for s in servers.values())
        assert accounts["harvest"]["url"] == servers["harvest"].url
        assert accounts["acuinvoice"]["url"] == servers["acuinvoice"].url
        assert accounts["xero-legacy"]["url"] == servers["xero-legacy"].url + "/api.xro/1.0"
        assert accounts["xero"]["url"] == servers["xero"].url + "/api.xro/2.0"
        assert {"client_id", "authorize_url", "token_url", "connections_url"} <= set(
            accounts["xero"]["settings"]
        )
        assert set(accounts["harvest"]["secrets"]) == {"email", "password"}
        assert set(accounts["acuinvoice"]["secrets"]) == {"api_key"}
        assert set(accounts["xero-legacy"]["secrets"]) == {"api_key", "xero_key"}
        assert len({a["name"] for a in accounts.values()}) == 4

        harvest = accounts["harvest"]
        answer = httpx.get(
            harvest["url"] + "/contacts",
            auth=(harvest["secrets"]["email"], harvest["secrets"]["password"]),
            headers={"Accept": "application/xml"},
        )
        assert len(ET.fromstring(answer.content)) == 3
        acu = accounts["acuinvoice"]
        answer = httpx.post(
            acu["url"] + "/api/xml-in",
            content=b'<request method="contact.list"/>',
            auth=(acu["secrets"]["api_key"], "X"),
        )
        assert ET.fromstring(answer.content).get("status") == "ok"
    for server in servers.values():
        try:
            httpx.get(server.url + "/_sandbox/state", timeout=1)
        except httpx.ConnectError:
            continue
        raise AssertionError(f"{server.url} still answers after stop()")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_command_line_prints_urls_and_stops_on_a_signal(stop_signal: signal.Signals) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "addressbook.sandbox", "--contacts", "4", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Serving"):
                break
        output = "".join(lines)
        for name in ("xero", "xero-legacy", "harvest", "acuinvoice"):
            assert f"{name}  (sandbox-{name})" in output
        harvest_block = output.split("harvest  (sandbox-harvest)")[1]
        url = harvest_block.split("url")[1].split()[0]
        answer = httpx.get(
            url + "/contacts",
            auth=("demo@example.com", "sandbox-harvest-password"),
            headers={"Accept": "application/xml"},
        )
        assert len(ET.fromstring(answer.content)) == 4
        assert "curl -u 'demo@example.com:sandbox-harvest-password'" in harvest_block
        process.send_signal(stop_signal)
        assert process.wait(timeout=20) == 0
        assert "Stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_command_line_refuses_negative_contacts() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "addressbook.sandbox", "--contacts", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--contacts" in result.stderr
