"""`python -m addressbook`: the same as the `addressbook` command."""

import sys

from addressbook.cli import main

if __name__ == "__main__":  # not when a reading process of an import imports it
    sys.exit(main())
