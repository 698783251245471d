"""The mark on the servers and volumes the gateway creates, kept out of what users see.

The pod stores it in the resource's metadata (the reconciler needs it there); Nova
and Cinder show metadata in their views, so answers are relayed without it, as the
user would see the resource in a plain Nova or Cinder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec
from aiohttp import web

from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.web.errors import bad_request
from tricircle.web.http import MalformedJSON, decode_json

_NAME = f'"{MARK_KEY}"'.encode()
_PAIR = rb"%s:\s*%s" % (re.escape(_NAME), re.escape(f'"{MARK_VALUE}"'.encode()))
# the mark before another item takes that item's comma; the last (or only) one the comma before
_BEFORE_ANOTHER = re.compile(_PAIR + rb",\s*")
_LAST = re.compile(rb",?\s*" + _PAIR)


def unmarked(body: bytes) -> bytes:
    """An answer (any JSON spacing) without the mark."""
    if _NAME not in body:  # the common case costs one search
        return body
    return _LAST.sub(b"", _BEFORE_ANOTHER.sub(b"", body))


def guarded_metadata_body(method: str, segments: Sequence[str], body: bytes | None) -> bytes | None:
    """A metadata write as the pod gets it: the mark can be neither removed nor changed.

    The mark key is invisible to users, as in the answers: its item is not found; a
    body that replaces or updates all metadata gets the mark back.
    """
    if not segments or segments[0] != "metadata":
        return body
    if len(segments) == 2 and segments[1] == MARK_KEY:
        raise web.HTTPNotFound()
    if method not in ("PUT", "POST") or len(segments) != 1 or not body:
        return body
    try:
        document = decode_json(body)
    except MalformedJSON:
        raise bad_request("Malformed request body") from None
    if isinstance(document, dict) and isinstance(document.get("metadata"), dict):
        document["metadata"][MARK_KEY] = MARK_VALUE
        return msgspec.json.encode(document)
    return body
