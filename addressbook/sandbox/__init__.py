"""addressbook.sandbox."""
