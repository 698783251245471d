"""The network API: every call passed on to the central Neutron, the writes that cross
pods watched (tricircle.gateway.network.watch)."""

from __future__ import annotations

from aiohttp import web

from tricircle.gateway.network import NETWORK, neutrons_of
from tricircle.gateway.network.watch import Watch, write_of
from tricircle.kit.app import service_app
from tricircle.kit.central import pass_on
from tricircle.network.neutrons import Neutrons
from tricircle.openstack_errors import neutron_error
from tricircle.web.errors import ApiError, not_found
from tricircle.web.http import public

routes = web.RouteTableDef()
NOT_FOUND = "The resource could not be found."


def _neutrons(request: web.Request) -> Neutrons:
    neutrons = neutrons_of(request)
    if neutrons is None:  # this deployment has no central Neutron: no network API
        raise not_found(NOT_FOUND)
    return neutrons


@public
async def versions(request: web.Request) -> web.StreamResponse:
    """Neutron's version document, which needs no token (also mounted on the gateway's
    root app, which renders no errors: it answers its own)."""
    neutrons = neutrons_of(request)
    if neutrons is None:
        return web.json_response(neutron_error(404, NOT_FOUND), status=404)
    try:
        return await pass_on(request, neutrons.central, NETWORK)
    except ApiError as exc:  # the central Neutron does not answer
        return web.json_response(neutron_error(exc.status, exc.message), status=exc.status)


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
