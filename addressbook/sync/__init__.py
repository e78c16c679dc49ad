"""addressbook.sync."""
