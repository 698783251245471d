"""Consoles: the simulated pod, like the real pods (no console proxy enabled), serves
none, so a remote console is refused and no console token is known."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.compute.common import body_of, get_server
from tricircle.sim.http import SimError, read_json
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


async def remote_console(request: web.Request) -> web.Response:
    get_server(request)
    body = body_of(await read_json(request), "remote_console")
    raise SimError(400, f"Unavailable console type {body.get('type')}.")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/compute/v2.1/servers/{server_id}/remote-consoles", remote_console)
    router.add_get("/compute/v2.1/os-console-auth-tokens/{token}", console_token)
