"""Keystone's read-only admin API: projects, users, roles, domains, regions, services,
endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.identity.access import caller, require_admin, store_of
from tricircle.sim.identity.store import SERVICE_TYPES, stable_id
from tricircle.sim.identity.views import (
    collection,
    domain_view,
    link,
    project_view,
    role_view,
    user_view,
)


def _views(request: web.Request) -> dict[str, tuple[dict[str, Any], Callable[..., dict]]]:
    store = store_of(request)
    return {
        "projects": (store.projects, project_view),
        "users": (store.users, user_view),
        "roles": (store.roles, role_view),
        "domains": (store.domains, domain_view),
    }


async def list_entities(request: web.Request) -> web.Response:
    require_admin(request)
    kind = request.match_info["kind"]
    items, view = _views(request)[kind]
    return collection(request, kind, [view(request, e) for e in items.values()])


async def show_entity(request: web.Request) -> web.Response:
    ctx = caller(request)
    kind, ident = request.match_info["kind"], request.match_info["id"]
    items, view = _views(request)[kind]
    # A user may read itself and its own project without the admin role.
    own = ident in (ctx.user_id, ctx.project_id)
    if not (ctx.is_admin or own):
        raise SimError(403, "You are not authorized to perform the requested action.")
    if ident not in items:
        raise SimError(404, f"Could not find {kind[:-1]}: {ident}.")
    return json_response({kind[:-1]: view(request, items[ident])})


async def list_regions(request: web.Request) -> web.Response:
    caller(request)
    regions = [
        {
            "id": r,
            "description": "",
            "parent_region_id": None,
            "links": link(request, "regions", r),
        }
        for r in store_of(request).regions
    ]
    return collection(request, "regions", regions)


async def list_services(request: web.Request) -> web.Response:
    require_admin(request)
    services = [
        {
            "id": stable_id(t),
            "type": t,
            "name": n,
            "enabled": True,
            "description": "",
            "links": link(request, "services", stable_id(t)),
        }
        for t, n in SERVICE_TYPES.items()
    ]
    return collection(request, "services", services)


async def list_endpoints(request: web.Request) -> web.Response:
    require_admin(request)
    endpoints = [
        {
            "id": e["id"],
            "interface": e["interface"],
            "region": e["region"],
            "region_id": e["region_id"],
            "url": e["url"],
            "service_id": s["id"],
            "enabled": True,
            "links": link(request, "endpoints", e["id"]),
        }
        for s in store_of(request).catalog()
        for e in s["endpoints"]
    ]
    return collection(request, "endpoints", endpoints)
