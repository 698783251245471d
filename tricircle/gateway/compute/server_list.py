"""``GET /servers`` and ``/servers/detail``: one sorted, exactly paged list over the pods.

The merge is tricircle/listing/collection.py's. From microversion 2.69, as Nova
shows a down cell, the servers of a pod that did not answer appear as partial
records from the routing table: id, status ``UNKNOWN``, ``tenant_id``, ``created``
(as the pod showed it when the gateway indexed the server) and links. Filters are
not applied to them: they appear only in unfiltered lists, since nothing shows they
would match.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from tricircle.db.models import RoutingEntry
from tricircle.gateway.compute.server_sort import sort_order
from tricircle.kit.calls import version_of
from tricircle.kit.links import next_link, resource_links
from tricircle.kit.microversions import Version
from tricircle.listing.collection import Collection, ListQuery, merged_list
from tricircle.listing.engine import Item
from tricircle.pods.routing import SERVER
from tricircle.web.errors import bad_request
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()

MAX_LIMIT = 1000
_PAGING = {"limit", "marker", "sort_key", "sort_dir"}
# Filters a partial record can be said to match: none but the scope.
_SCOPE_PARAMS = {"all_tenants"}
DOWN_CELL_VERSION = Version(2, 69)


def _partial(request: web.Request, entry: RoutingEntry) -> dict[str, Any]:
    return {
        "id": entry.top_id,
        "status": "UNKNOWN",
        "tenant_id": entry.project_id,
        # as the pod showed it (the index of sort values), else when the route was recorded
        "created": entry.sort_created or entry.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": resource_links(request, "servers", entry.top_id),
    }


SERVERS = Collection(
    resource_type=SERVER,
    key="servers",
    detail_path="/servers/detail",
    show_path="/servers/{id}",
    singular="server",
    partial=_partial,
)


def _limit(request: web.Request) -> int:
    text = request.query.get("limit")
    if text is None:
        return MAX_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise bad_request("limit param must be an integer") from None
    if limit < 0:
        raise bad_request("limit param must be positive")
    return min(limit, MAX_LIMIT)


def _all_tenants(request: web.Request) -> bool:
    if "all_tenants" not in request.query:
        return False
    asked = request.query["all_tenants"].lower() not in ("false", "0", "no", "off", "f", "n")
    if asked:
        services_of(request).policy.authorize("compute:servers:all_tenants", context_of(request))
    return asked


def _down_pods(request: web.Request, filters: list[tuple[str, str]]) -> str:
    mode = services_of(request).conf.pods.list_down_pods
    if mode == "partial" and (
        version_of(request) < DOWN_CELL_VERSION or any(k not in _SCOPE_PARAMS for k, _ in filters)
    ):
        return "omit"
    return mode


async def _list(request: web.Request, *, detail: bool) -> web.Response:
    sort_params, ordering = sort_order(request)
    filters = [(k, v) for k, v in request.query.items() if k not in _PAGING]
    query = ListQuery(
        scope=None if _all_tenants(request) else context_of(request).project_id,
        filters=filters,
        sort_params=sort_params,
        ordering=ordering,
        limit=_limit(request),
        marker=request.query.get("marker"),
        down_pods=_down_pods(request, filters),
    )
    items = await merged_list(request, SERVERS, query)
    if isinstance(items, web.Response):
        return items
    return _page(request, items, query.limit, detail=detail)


class _Brief(msgspec.Struct):
    id: str
    links: Any = None
    name: Any = msgspec.UNSET
    status: Any = msgspec.UNSET  # only partial records (they have no name) show it


_BRIEF = msgspec.json.Decoder(_Brief)
_ENCODE = msgspec.json.Encoder()


def _brief(raw: bytes) -> bytes:
    server = _BRIEF.decode(raw)
    if server.name is not msgspec.UNSET:
        server.status = msgspec.UNSET
    return _ENCODE.encode(server)


def _page(request: web.Request, items: list[Item], limit: int, *, detail: bool) -> web.Response:
    servers = b",".join(item.raw if detail else _brief(item.raw) for item in items)
    body = b'{"servers":[' + servers + b"]"
    if items and len(items) == limit:
        collection = "servers/detail" if detail else "servers"
        body += b',"servers_links":' + _ENCODE.encode(next_link(request, collection, items[-1].id))
    return web.Response(body=body + b"}", content_type="application/json")


@routes.get("/v2.1/servers")
async def list_servers(request: web.Request) -> web.Response:
    return await _list(request, detail=False)


@routes.get("/v2.1/servers/detail")
async def list_servers_detail(request: web.Request) -> web.Response:
    return await _list(request, detail=True)
