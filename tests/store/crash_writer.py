"""Helper process of the crash test: writes edits forever, printing each one after its commit.

Run: python crash_writer.py DB SEED. Each output line is "ID VERSION": the contact ID now
has title VERSION, and that was committed before the line was printed. Versions only grow
(each run starts above the largest in the file), so a newer title may be stored than the
last line printed (killed between commit and print), never an older one.
"""

from __future__ import annotations

import random
import sys

from addressbook.model import Contact, Patch, Phone
from addressbook.store import Store


def main(path: str, seed: int) -> None:
    """Write until killed."""
    rng = random.Random(seed)
    store = Store(path)
    ids = store.search_ids("")
    version = max((int(r.contact.title) for r in store.records(ids)), default=0) + 1
    while True:
        contact = Contact(
            display_name=f"Crash {rng.randrange(10**6)}",
            title=str(version),
            phones=[Phone(f"+64 21 {version}")],
        )
        roll = rng.random()
        if roll < 0.3 or not ids:
            contact_id = store.create(contact, account="xero" if roll < 0.1 else None)
            ids.append(contact_id)
        elif roll < 0.4:
            batch = store.create_many([contact, Contact(display_name="Batch", title=str(version))])
            ids.extend(batch)
            print(f"{batch[1]} {version}")
            contact_id = batch[0]
        else:
            contact_id = rng.choice(ids)
            record = store.get(contact_id)
            assert record is not None
            store.apply_patch(contact_id, Patch.between(record.contact, contact), moved="force")
        print(f"{contact_id} {version}", flush=True)
        version += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
