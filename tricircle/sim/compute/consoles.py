"""Nova's console auth tokens: the simulated pod serves no consoles, so it knows no token."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import SimError
from tricircle.sim.service import microversion, require_admin


async def console_token(request: web.Request) -> web.Response:
    if microversion(request) < (2, 31):  # only rdp-html5 consoles had tokens before
        raise SimError(
            400,
            "The server could not comply with the request since it is either malformed or "
            "otherwise incorrect.",
        )
    require_admin(request, "os_compute_api:os-console-auth-tokens")
    raise SimError(404, "Token not found")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/compute/v2.1/os-console-auth-tokens/{token}", console_token)
