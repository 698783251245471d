"""A pod's view of a server, changed where the pod cannot know what the client sees."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web


async def changed_server(
    answer: web.Response, change: Callable[[dict[str, Any]], Awaitable[None]]
) -> web.Response:
    """`answer` with `change` applied to the server it shows (any other answer as it is)."""
    if answer.status >= 300 or not isinstance(answer.body, bytes):
        return answer
    try:
        body = json.loads(answer.body)
    except ValueError:
        return answer
    shown = body.get("server") if isinstance(body, dict) else None
    if not isinstance(shown, dict):
        return answer
    await change(shown)
    rewritten = web.Response(status=answer.status, body=json.dumps(body).encode())
    rewritten.headers.update(answer.headers)
    rewritten.headers.pop("Content-Length", None)
    return rewritten


async def with_requested_groups(answer: web.Response, server: dict[str, Any]) -> web.Response:
    """A create on the gateway's ports sends the pod no security groups (the ports carry
    them); Nova's answer names the ones the client asked for."""
    requested = server.get("security_groups") or [{"name": "default"}]

    async def name_them(shown: dict[str, Any]) -> None:
        if "security_groups" in shown:
            shown["security_groups"] = [
                {"name": g.get("name")} for g in requested if isinstance(g, dict)
            ]

    return await changed_server(answer, name_them)
