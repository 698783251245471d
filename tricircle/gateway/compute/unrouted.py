"""What no other compute route takes: Nova's router's 404 (added last)."""

from __future__ import annotations

from aiohttp import web

from tricircle.unrouted import GONE, not_found_response, removed
from tricircle.web.errors import ApiError

routes = web.RouteTableDef()


@routes.route("*", "/v2.1/{tail:.*}")
async def unrouted(request: web.Request) -> web.Response:
    if removed(f"/{request.match_info['tail']}"):
        raise ApiError(410, GONE)
    return not_found_response(request)
