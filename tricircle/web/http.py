"""Small helpers shared by every API of the gateway."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from tricircle.web.errors import bad_request

JSON = "application/json"
# Far beyond any OpenStack body; deeper ones would exhaust the stack of whatever walks them next
# (validation, error messages, re-encoding for the pod).
MAX_NESTING = 64


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type=JSON, headers=headers
    )


class MalformedJSON(ValueError):
    """Not JSON, not UTF-8, or nested too deep to be walked safely."""


def decode_json(raw: bytes) -> Any:
    """A client's JSON, for every place that reads one; MalformedJSON for anything else."""
    try:
        body = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise MalformedJSON() from None
    if _nesting_exceeds(body, MAX_NESTING):
        raise MalformedJSON()
    return body


async def read_json(request: web.Request, *, message: str = "Malformed request body") -> Any:
    """The body as JSON; a 400 with `message` for an empty or malformed one."""
    raw = await request.read()
    try:
        if not raw:
            raise MalformedJSON()
        return decode_json(raw)
    except MalformedJSON:
        raise bad_request(message) from None


def _nesting_exceeds(value: Any, limit: int) -> bool:
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth == limit:
            return True
        pending.extend((child, depth + 1) for child in item)
    return False


def query_int(
    request: web.Request,
    name: str,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    default: int | None = None,
) -> int | None:
    value = request.query.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{name} param must be an integer") from None
    if number < minimum:
        raise bad_request(f"{name} param must be >= {minimum}")
    if maximum is not None and number > maximum:
        raise bad_request(f"{name} param must be <= {maximum}")
    return number


def public(handler: Any) -> Any:
    """Marks a handler that needs no token (version discovery)."""
    handler.public = True
    return handler
