"""addressbook.ui."""
