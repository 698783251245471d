"""The block storage API (Cinder v3), mounted at ``/volume``.

Cinder's paths may carry the project (``/v3/{project_id}/volumes``) or not
(``/v3/volumes``, as the catalogs of current clouds have it): both are served.
"""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from tricircle.gateway.volume import VOLUME, quotas, types, volumes
from tricircle.kit.app import service_app
from tricircle.kit.calls import supported_range
from tricircle.kit.placement import usable_pods
from tricircle.web.errors import bad_request
from tricircle.web.http import json_response, public
from tricircle.web.middleware import Handler
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()
UPDATED = "2026-11-29T00:00:00Z"


async def _v3(request: web.Request) -> dict[str, Any]:
    assert VOLUME.microversions is not None
    supported = await supported_range(request, VOLUME.microversions)
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": str(supported.max),
        "min_version": str(supported.min),
        "updated": UPDATED,
        "links": [
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
            {"rel": "self", "href": f"{VOLUME.top_root(request)}/v3/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    }


@public
async def versions(request: web.Request) -> web.Response:
    """Cinder's root: its one API version, as a 300 Multiple Choices."""
    return json_response({"versions": [await _v3(request)]}, status=300)


@routes.get("/v3/")
async def version_v3(request: web.Request) -> web.Response:
    return json_response({"versions": [await _v3(request)]})


@routes.get("/v3/os-availability-zone")
async def availability_zones(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    zones: dict[str, bool] = {}
    for pod in await usable_pods(services, context.project_id):
        zones[pod.az_name] = zones.get(pod.az_name, False) or pod.enabled
    listed = [{"zoneName": n, "zoneState": {"available": up}} for n, up in sorted(zones.items())]
    return json_response({"availabilityZoneInfo": listed})


def _own_project(handler: Handler) -> Handler:
    """A path naming a project serves only the token's own, as Cinder checks it."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        if request.match_info["project_id"] != context_of(request).project_id:
            raise bad_request("Malformed request url")
        return await handler(request)

    return checked


def _with_project_paths(table: web.RouteTableDef) -> web.RouteTableDef:
    both = web.RouteTableDef()
    for route in table:
        assert isinstance(route, web.RouteDef)
        both.route(route.method, route.path)(route.handler)
        with_project = route.path.replace("/v3/", "/v3/{project_id}/", 1)
        both.route(route.method, with_project)(_own_project(route.handler))
    return both


def create_volume_app(max_body: int) -> web.Application:
    app = service_app(
        VOLUME,
        max_body,
        *(_with_project_paths(m) for m in (routes, quotas.routes, types.routes, volumes.routes)),
    )
    app.router.add_get("/", versions)
    return app
