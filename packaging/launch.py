"""The bundle's entry point: the same as the `addressbook` command."""

import multiprocessing
import sys

from addressbook.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
