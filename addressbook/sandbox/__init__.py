"""Loopback stand-ins for the four services, for the demo and for tests.

    from addressbook.sandbox import start_all
    with start_all(contacts=200) as sandbox:
        for account in sandbox.accounts():
            ...  # {'name', 'service', 'url', 'secrets', 'settings'}

`SERVICES` maps each service name to its class; the classes load on first use, so
importing this package stays cheap. Nothing here imports addressbook.connectors or
addressbook.sync: the stand-ins are written from the service documents alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from addressbook.sandbox.core import SandboxServer, Service

__all__ = ["SERVICES", "Sandbox", "start_all"]

_CLASSES = {
    "xero": "addressbook.sandbox.xero:XeroService",
    "xero-legacy": "addressbook.sandbox.xero_legacy:XeroLegacyService",
    "harvest": "addressbook.sandbox.harvest:HarvestService",
    "acuinvoice": "addressbook.sandbox.acuinvoice:AcuInvoiceService",
}


class _Registry(Mapping[str, type[Service]]):
    """Service name → service class, imported on first use."""

    def __getitem__(self, name: str) -> type[Service]:
        module, _, attribute = _CLASSES[name].partition(":")
        cls: type[Service] = getattr(importlib.import_module(module), attribute)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(_CLASSES)

    def __len__(self) -> int:
        return len(_CLASSES)


SERVICES: Mapping[str, type[Service]] = _Registry()


class Sandbox:
    """The four services running on loopback; `stop()` (or `with`) ends them."""

    def __init__(self, servers: dict[str, SandboxServer]) -> None:
        self.servers = servers

    def accounts(self) -> list[dict[str, Any]]:
        """Per service, what an account needs: name, service, url, secrets, settings."""
        result = []
        for name, server in self.servers.items():
            service: Any = server.service
            settings = dict(service.account_settings(server.url))
            url = settings.pop("url", server.url)
            result.append(
                {
                    "name": f"sandbox-{name}",
                    "service": name,
                    "url": url,
                    "secrets": dict(service.credentials()),
                    "settings": settings,
                }
            )
        return result

    def stop(self) -> None:
        """Stop every server and close its port."""
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Sandbox:
        """The running sandbox."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_all(
    contacts: int = 200, seed: int = 1, limits: bool = True, port_base: int | None = None
) -> Sandbox:
    """Start all four services with `contacts` sample contacts each.

    Ports are free ones chosen by the system, or consecutive from `port_base`.
    `limits=False` switches the rate limits off (benchmarks only).
    """
    servers: dict[str, SandboxServer] = {}
    try:
        for offset, name in enumerate(_CLASSES):
            service = SERVICES[name](contacts=contacts, seed=seed)  # type: ignore[call-arg]
            service.limits_enabled = limits
            port = 0 if port_base is None else port_base + offset
            servers[name] = SandboxServer(service, port).start()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return Sandbox(servers)
