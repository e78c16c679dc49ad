"""addressbook: a desktop address book over a local cache of your accounting services' contacts."""

__version__ = "0.1.0"
