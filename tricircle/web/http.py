"""Small helpers shared by every API of the gateway."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from tricircle.web.errors import bad_request

JSON = "application/json"


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type=JSON, headers=headers
    )


async def read_json(request: web.Request, *, message: str = "Malformed request body") -> Any:
    raw = await request.read()
    if not raw:
        raise bad_request(message)
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise bad_request(message) from None


def query_int(
    request: web.Request, name: str, *, minimum: int = 0, default: int | None = None
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
    return number


def public(handler: Any) -> Any:
    """Marks a handler that needs no token (version discovery)."""
    handler.public = True
    return handler
