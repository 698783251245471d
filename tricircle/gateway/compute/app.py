"""The compute API application (mounted at ``/compute``)."""

from __future__ import annotations

from aiohttp import web

from tricircle.gateway.compute import (
    aggregated,
    flavors,
    keypairs,
    microversions,
    server_list,
    servers,
    versions,
    zones,
)
from tricircle.gateway.compute.forward import VERSION
from tricircle.openstack_errors import nova_fault
from tricircle.web import middleware
from tricircle.web.middleware import Handler


def _version_headers(request: web.Request) -> dict[str, str]:
    version = request.get(VERSION)
    return microversions.response_headers(version) if version else {}


@web.middleware
async def negotiate_version(request: web.Request, handler: Handler) -> web.StreamResponse:
    if getattr(handler, "public", False):
        return await handler(request)
    supported = await versions.supported_range(request)
    request[VERSION] = microversions.negotiate(microversions.requested(request), supported)
    response = await handler(request)
    response.headers.update(_version_headers(request))
    return response


def create_compute_app(max_body: int) -> web.Application:
    app = web.Application(
        client_max_size=max_body,
        middlewares=[
            middleware.errors(nova_fault, _version_headers),
            middleware.authenticate,
            negotiate_version,
        ],
    )
    # server_list before servers: "/servers/detail" must not be taken for a server id
    for module in (versions, server_list, servers, flavors, keypairs, zones, aggregated):
        app.add_routes(module.routes)
    return app
