"""The one place JSON answers are read: the size and depth policy of xml.py, on JSON too.

    from addressbook.connectors import jsonread
    data = jsonread.loads(body, service="Xero", what="page 1 of the contacts")
    data = jsonread.loads(body, service="Xero", what="…", records="Contacts")

Every problem is one BadAnswer sentence (never a RecursionError):
- nesting deeper than MAX_DEPTH (the same bound as XML's; the services' records are a
  handful of levels deep) — checked iteratively, so a body nested 100,000 deep is
  refused without recursing;
- a text value or key longer than MAX_TEXT characters (a 1 MiB `Name` is refused,
  not cached);
- a record (an element of the list under `records`, or the whole document when no
  list is named) larger than MAX_RECORD characters of text;
- a body that is not JSON. A UTF-8 byte-order mark is allowed (Xero sends one at times).

The body itself is already capped in bytes by HttpClient (while it streams and while it
decompresses).
"""

from __future__ import annotations

import json
from typing import Any

from addressbook.connectors.xml import MAX_DEPTH, MAX_RECORD, MAX_TEXT
from addressbook.errors import BadAnswer
from addressbook.i18n import _


def loads(body: bytes, *, service: str, what: str, records: str | None = None) -> Any:
    """The parsed JSON of an answer, checked against the caps (see the module doc)."""
    if body.startswith(b"\xef\xbb\xbf"):  # a UTF-8 BOM: json.loads refuses it
        body = body[3:]
    try:
        data = json.loads(body)
    except RecursionError:
        raise _too_deep(service, what) from None
    except ValueError:
        raise BadAnswer(
            _("{service}'s answer ({what}) is not valid JSON; try again later.").format(
                service=service, what=what
            )
        ) from None
    listed = data.get(records) if records and isinstance(data, dict) else None
    if isinstance(listed, list):
        rest = {k: v for k, v in data.items() if k != records}
        check(rest, service=service, what=what)
        for item in listed:
            check(item, service=service, what=what, depth=2)
    else:
        check(data, service=service, what=what)
    return data


def check(value: Any, *, service: str, what: str, depth: int = 0) -> None:
    """Refuse a value nested too deep, with a too long text, or too large (iteratively)."""
    size = 0
    stack: list[tuple[Any, int]] = [(value, depth)]
    pop, push = stack.pop, stack.append
    while stack:
        node, level = pop()
        if isinstance(node, str):
            size += len(node)
            if len(node) > MAX_TEXT:
                raise _too_long(service, what, node)
            continue
        if isinstance(node, dict):
            level += 1
            if level > MAX_DEPTH:
                raise _too_deep(service, what)
            for key, item in node.items():
                size += len(key)
                if len(key) > MAX_TEXT:
                    raise _too_long(service, what, key)
                if isinstance(item, str):
                    size += len(item)
                    if len(item) > MAX_TEXT:
                        raise _too_long(service, what, item)
                elif isinstance(item, dict | list):
                    push((item, level))
                else:
                    size += 8
        elif isinstance(node, list):
            level += 1
            if level > MAX_DEPTH:
                raise _too_deep(service, what)
            for item in node:
                if isinstance(item, str | dict | list):
                    push((item, level))
                else:
                    size += 8
        else:
            size += 8
        if size > MAX_RECORD:
            raise _too_large(service, what)
    if size > MAX_RECORD:
        raise _too_large(service, what)


def _too_deep(service: str, what: str) -> BadAnswer:
    return BadAnswer(
        _("{service}'s answer ({what}) is nested deeper than {depth} levels; refused.").format(
            service=service, what=what, depth=MAX_DEPTH
        )
    )


def _too_large(service: str, what: str) -> BadAnswer:
    return BadAnswer(
        _("{service}'s answer ({what}) holds a record of more than {mib} MiB; refused.").format(
            service=service, what=what, mib=MAX_RECORD // (1024 * 1024)
        )
    )


def _too_long(service: str, what: str, text: str) -> BadAnswer:
    return BadAnswer(
        _(
            "{service}'s answer ({what}) holds a text of {length} characters, more than the "
            "{kib} KiB a field may have; refused."
        ).format(service=service, what=what, length=f"{len(text):,}", kib=MAX_TEXT // 1024)
    )
