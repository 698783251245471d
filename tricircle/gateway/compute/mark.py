"""The mark on the servers the gateway creates, kept out of what users see.

The pod stores it in the server's metadata (the reconciler needs it there); Nova
shows metadata in server views, so answers are relayed without it, as the user
would see the server in a plain Nova.
"""

from __future__ import annotations

import re

from tricircle.pods.mark import MARK_KEY, MARK_VALUE

_NAME = f'"{MARK_KEY}"'.encode()
_PAIR = rb"%s:\s*%s" % (re.escape(_NAME), re.escape(f'"{MARK_VALUE}"'.encode()))
# the mark before another item takes that item's comma; the last (or only) one the comma before
_BEFORE_ANOTHER = re.compile(_PAIR + rb",\s*")
_LAST = re.compile(rb",?\s*" + _PAIR)


def unmarked(body: bytes) -> bytes:
    """A compute answer (any JSON spacing) without the mark."""
    if _NAME not in body:  # the common case costs one search
        return body
    return _LAST.sub(b"", _BEFORE_ANOTHER.sub(b"", body))
