"""addressbook.store."""
