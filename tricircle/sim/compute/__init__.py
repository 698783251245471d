"""Simulated Nova v2.1 for one pod."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.compute import (
    actions,
    aggregates,
    consoles,
    flavors,
    infra,
    instance_actions,
    keypairs,
    migrations,
    server_groups,
    server_parts,
    servers,
    usage,
)
from tricircle.sim.http import Microversions, SimError
from tricircle.sim.service import Service, render_fault
from tricircle.unrouted import GONE, not_found_response, removed

MIN_VERSION = (2, 1)


def microversions(max_version: tuple[int, int]) -> Microversions:
    return Microversions("compute", MIN_VERSION, max_version, "X-OpenStack-Nova-API-Version")


def add_routes(router: web.UrlDispatcher) -> None:
    # Fixed paths (…/detail) go before parameterised ones so they win.
    modules = (infra, flavors, keypairs, servers, actions, server_parts, server_groups, usage)
    for module in (*modules, migrations, consoles, instance_actions, aggregates):
        module.add_routes(router)
    router.add_route("*", "/compute/v2.1/{tail:.*}", unrouted)  # last: what none takes


async def unrouted(request: web.Request) -> web.Response:
    """Nova's router's own 404 for a call no route takes; 410 for an API it removed."""
    if removed(f"/{request.match_info['tail']}"):
        raise SimError(410, GONE)
    return not_found_response(request)


def service(max_version: tuple[int, int]) -> Service:
    return Service("compute", render_fault, microversions(max_version), add_routes)
