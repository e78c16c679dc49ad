"""addressbook.connectors."""
