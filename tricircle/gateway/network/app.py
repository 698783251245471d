"""The network API: every call passed on to the central Neutron, the writes that cross
pods watched (tricircle.gateway.network.watch)."""

from __future__ import annotations

from aiohttp import web

from tricircle.gateway.network import NETWORK, neutrons_of
from tricircle.gateway.network.watch import Watch, write_of
from tricircle.kit.app import service_app
from tricircle.kit.central import pass_on
from tricircle.network.neutrons import Neutrons
from tricircle.web.errors import not_found
from tricircle.web.http import public

routes = web.RouteTableDef()


def _neutrons(request: web.Request) -> Neutrons:
    neutrons = neutrons_of(request)
    if neutrons is None:  # this deployment has no central Neutron: no network API
        raise not_found("The resource could not be found.")
    return neutrons


@public
async def versions(request: web.Request) -> web.StreamResponse:
    """Neutron's version document, which needs no token."""
    return await pass_on(request, _neutrons(request).central, NETWORK)


@routes.route("*", "/{tail:.+}")
async def neutron(request: web.Request) -> web.StreamResponse:
    neutrons = _neutrons(request)
    write = write_of(request.method, "/" + request.match_info["tail"])
    watch = Watch(request, neutrons, write) if write is not None else None
    if watch is not None:
        refusal = await watch.before()
        if refusal is not None:
            return refusal
    answer = await pass_on(request, neutrons.central, NETWORK)
    if watch is not None and 200 <= answer.status < 300:
        await watch.after(answer)
    return answer


def create_network_app(max_body: int) -> web.Application:
    app = service_app(NETWORK, max_body, routes)
    app.router.add_get("/", versions)
    return app
