"""addressbook.interchange."""
