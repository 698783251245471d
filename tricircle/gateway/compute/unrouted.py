"""What no other compute route takes: Nova's router's 404 (added last)."""

from __future__ import annotations

from aiohttp import web

from tricircle.unrouted import not_found_response

routes = web.RouteTableDef()


@routes.route("*", "/v2.1/{tail:.*}")
async def unrouted(request: web.Request) -> web.Response:
    return not_found_response(request)
