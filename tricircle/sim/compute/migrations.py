"""Nova's migration records: the simulated pod moves no server between hosts, so it has
none, and answers the list as Nova does for a cloud without any."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.service import microversion, require_admin


async def list_migrations(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-migrations:index")
    marker = request.query.get("marker")
    if microversion(request) >= (2, 59) and marker is not None:
        raise SimError(400, f"Marker {marker} could not be found.")
    return json_response({"migrations": []})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/compute/v2.1/os-migrations", list_migrations)
