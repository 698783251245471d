"""``/v1.0/routings``: where each top resource lives in the pods."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.db.models import RoutingEntry
from tricircle.web.errors import ApiError, not_found
from tricircle.web.http import json_response, query_int
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()

MAX_LIMIT = 1000
# routing ids are a 32-bit integer column; a larger one names no entry and must not reach the
# database (PostgreSQL and SQLite refuse it rather than find nothing)
MAX_ID = 2**31 - 1
_FILTERS = ("project_id", "resource_type", "top_id", "pod_id")


def routing_view(entry: RoutingEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "project_id": entry.project_id,
        "resource_type": entry.resource_type,
        "top_id": entry.top_id,
        "pod_id": entry.pod_id,
        "bottom_id": entry.bottom_id,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


@routes.get("/routings")
async def list_routings(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:routings:read", context_of(request))
    limit = min(query_int(request, "limit", minimum=1, default=MAX_LIMIT) or MAX_LIMIT, MAX_LIMIT)
    marker = query_int(request, "marker", minimum=0, maximum=MAX_ID)
    filters = {name: request.query[name] for name in _FILTERS if name in request.query}
    entries = await services.routing.page(limit=limit, marker=marker, **filters)
    body: dict[str, Any] = {"routings": [routing_view(e) for e in entries]}
    if len(entries) == limit:
        query = {**filters, "limit": str(limit), "marker": str(entries[-1].id)}
        body["routings_links"] = [{"rel": "next", "href": str(request.url.with_query(query))}]
    return json_response(body)


@routes.get("/routings/{entry_id:\\d+}")
async def show_routing(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:routings:read", context_of(request))
    entry_id = _entry_id(request)
    entry = await services.routing.get(entry_id) if entry_id is not None else None
    if entry is None:
        raise _no_entry(request)
    return json_response({"routing": routing_view(entry)})


@routes.delete("/routings/{entry_id:\\d+}")
async def delete_routing(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:routings:write", context_of(request))
    entry_id = _entry_id(request)
    if entry_id is None or not await services.routing.remove(entry_id):
        raise _no_entry(request)
    return web.Response(status=204)


def _entry_id(request: web.Request) -> int | None:
    """The id in the path, or None when it is beyond any entry's."""
    digits = request.match_info["entry_id"].lstrip("0") or "0"
    if len(digits) > len(str(MAX_ID)):  # also spares int() thousands of digits
        return None
    entry_id = int(digits)
    return entry_id if entry_id <= MAX_ID else None


def _no_entry(request: web.Request) -> ApiError:
    return not_found(f"Routing entry {request.match_info['entry_id']} could not be found.")
