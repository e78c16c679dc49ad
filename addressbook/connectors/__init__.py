"""The service connectors and their registry.

    CONNECTORS                      service name → "module:Class" (imported lazily)
    connector_class("harvest")      the class (AccountError for an unknown service)
    make_connector(account, secrets, cancel=None)   a connector bound to an account
    describe("harvest")             the service's ServiceDescription (label, icon, secrets,
                                    settings, capability flags, field rules)
    descriptions()                  every service's description, in the registry's order

Importing this package imports neither httpx nor any connector module: the command
line's offline commands stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from addressbook.errors import AccountError
from addressbook.i18n import _

if TYPE_CHECKING:
    from addressbook.connectors.base import AccountConfig, CancelToken, Connector, SecretSource
    from addressbook.connectors.service import ServiceDescription

CONNECTORS: dict[str, str] = {
    "xero": "addressbook.connectors.xero:XeroConnector",
    "xero-legacy": "addressbook.connectors.xero_legacy:XeroLegacyConnector",
    "harvest": "addressbook.connectors.harvest:HarvestConnector",
    "acuinvoice": "addressbook.connectors.acuinvoice:AcuInvoiceConnector",
}


def service_names() -> tuple[str, ...]:
    """The known service names, in the registry's order."""
    return tuple(CONNECTORS)


def connector_class(service: str) -> type[Connector]:
    """The connector class of a service name."""
    path = CONNECTORS.get(service)
    if path is None:
        raise AccountError(
            _("Unknown service {service!r}; known services: {known}.").format(
                service=service, known=", ".join(CONNECTORS)
            )
        )
    module_name, class_name = path.split(":")
    cls: type[Connector] = getattr(import_module(module_name), class_name)
    return cls


def make_connector(
    account: AccountConfig, secrets: SecretSource, cancel: CancelToken | None = None
) -> Connector:
    """A connector for the account, reading its secrets from `secrets`."""
    return connector_class(account.service)(account, secrets, cancel)


def describe(service: str) -> ServiceDescription:
    """The description of a service (AccountError for an unknown service)."""
    return connector_class(service).description


def descriptions() -> tuple[ServiceDescription, ...]:
    """Every service's description, in the registry's order."""
    return tuple(describe(name) for name in CONNECTORS)
