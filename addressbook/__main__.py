"""`python -m addressbook`: the same as the `addressbook` command."""

import sys

from addressbook.cli import main

sys.exit(main())
