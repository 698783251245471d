"""Simulated Nova v2.1 for one pod."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.compute import actions, flavors, infra, keypairs, server_parts, servers
from tricircle.sim.http import Microversions
from tricircle.sim.service import Service, render_fault

MIN_VERSION = (2, 1)


def microversions(max_version: tuple[int, int]) -> Microversions:
    return Microversions("compute", MIN_VERSION, max_version, "X-OpenStack-Nova-API-Version")


def add_routes(router: web.UrlDispatcher) -> None:
    # Fixed paths (…/detail) go before parameterised ones so they win.
    for module in (infra, flavors, keypairs, servers, actions, server_parts):
        module.add_routes(router)


def service(max_version: tuple[int, int]) -> Service:
    return Service("compute", render_fault, microversions(max_version), add_routes)
