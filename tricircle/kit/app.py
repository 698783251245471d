"""A facade's application: the service's errors, authentication and microversions."""

from __future__ import annotations

import functools

from aiohttp import web

from tricircle.kit.calls import VERSION, negotiate_version
from tricircle.kit.microversions import response_headers
from tricircle.kit.service import SERVICE, OpenStackService
from tricircle.web import middleware
from tricircle.web.middleware import Handler


def service_app(
    service: OpenStackService, max_body: int, *routes: web.RouteTableDef
) -> web.Application:
    """The application mounted at ``/<service.name>``; `routes` are matched in order."""

    def version_headers(request: web.Request) -> dict[str, str]:
        version = request.get(VERSION)
        if version is None or service.microversions is None:
            return {}
        return response_headers(service.microversions, version)

    app = web.Application(
        client_max_size=max_body,
        middlewares=[
            middleware.errors(service.error_format, version_headers),
            middleware.authenticate,
            negotiate_version,
        ],
    )
    app[SERVICE] = service
    for table in routes:
        app.add_routes(table)
    return app


def root_document(service: OpenStackService, handler: Handler) -> Handler:
    """`handler` for the gateway's root app (``/network`` without its slash, as catalogs
    name a service), its errors rendered in the service's format as its own app does."""
    render = middleware.errors(service.error_format)

    @functools.wraps(handler)  # keeps its marks (public)
    async def document(request: web.Request) -> web.StreamResponse:
        return await render(request, handler)

    return document
