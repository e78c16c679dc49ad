"""The sync engine: pull, push, the three-way merge and conflict resolution (no Qt).

`pull` and `push` work on a Store and a Connector given by the caller; `jobs` opens both
for one account (the window's worker threads, the command line); `resolve` settles a
conflict the way the user chose.
"""

from addressbook.sync.merge import DELETED, MergeResult, merge
from addressbook.sync.progress import Progress
from addressbook.sync.pull import PullResult, pull
from addressbook.sync.push import PlannedChange, PushResult, Refusal, plan_push, push

__all__ = [
    "DELETED",
    "MergeResult",
    "PlannedChange",
    "Progress",
    "PullResult",
    "PushResult",
    "Refusal",
    "merge",
    "plan_push",
    "pull",
    "push",
]
