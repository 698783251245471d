"""``/os-simple-tenant-usage``: every pod's usage summed, paged over the pods as Nova
pages over its cells.

Nova walks its cells in order with the marker and the limit left: a cell that does not
know the marker is skipped, the cells after the marker's start from their beginning.
The gateway does the same over its pods (in the directory's order), so a page ends where
the limit does and its next link names the last server shown.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.calls import call_pod, relay, version_of
from tricircle.kit.links import next_link
from tricircle.kit.microversions import Version
from tricircle.pods.client import PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.http import json_response
from tricircle.web.services import services_of

routes = web.RouteTableDef()
COLLECTION = "os-simple-tenant-usage"
PAGED = Version(2, 40)  # limit and marker, and the next link
MAX_LIMIT = 1000  # Nova's [api] max_limit
_TOTALS = ("total_local_gb_usage", "total_vcpus_usage", "total_memory_mb_usage", "total_hours")


def _page_size(request: web.Request) -> int:
    """The limit the pods are asked for (the pods validate what the client sent)."""
    limit = request.query.get("limit", "")
    return min(int(limit), MAX_LIMIT) if limit.isdigit() else MAX_LIMIT


async def _usages(
    request: web.Request, path: str, *, detailed: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | web.Response:
    """Every pod's tenant usages in pod order and their servers (`detailed`: the query
    that makes the pods name them), or the pods' refusal to relay."""
    paged = version_of(request) >= PAGED
    left = _page_size(request)
    marker = request.query.get("marker") if paged else None
    asked = {k: v for k, v in request.query.items() if k not in ("marker", "limit")}
    usages: list[dict[str, Any]] = []
    servers: list[dict[str, Any]] = []
    refusal: tuple[PodInfo, PodResponse] | None = None
    for pod in [p for p in (await services_of(request).directory.pods()).values() if p.enabled]:
        params = {**asked, **detailed}
        if marker is not None:
            params["marker"] = marker
        if paged:
            params["limit"] = str(left)
        try:
            answer = await call_pod(request, pod, "GET", path, params=params)
        except PodUnavailable:
            continue  # its servers are missing from the sums until it is back
        if answer.status == 400 and marker is not None:
            refusal = (pod, answer)  # the marker is not this pod's: Nova's next cell
            continue
        if not answer.ok:
            return relay(request, pod, answer)
        body = answer.json()
        found = body.get("tenant_usages") or [body.get("tenant_usage") or {}]
        for usage in (u for u in found if u):
            usages.append(usage)
            servers.extend(usage.get("server_usages", []))
        marker = None
        left = _page_size(request) - len(servers)
        if paged and left <= 0:
            break
    if marker is not None and refusal is not None:
        return relay(request, *refusal)  # no pod knows the marker
    return usages, servers


def _summed(usages: list[dict[str, Any]], detailed: bool) -> list[dict[str, Any]]:
    """One usage per tenant: the pods' totals added, their servers in one list."""
    tenants: dict[str, dict[str, Any]] = {}
    for usage in usages:
        summary = tenants.get(usage["tenant_id"])
        if summary is None:
            tenants[usage["tenant_id"]] = {**usage, "server_usages": list(usage["server_usages"])}
            continue
        for total in _TOTALS:
            summary[total] += usage[total]
        summary["server_usages"].extend(usage["server_usages"])
    if not detailed:
        for summary in tenants.values():
            del summary["server_usages"]
    return list(tenants.values())


def _links(request: web.Request, collection: str, servers: list[dict[str, Any]]) -> Any:
    if version_of(request) < PAGED or not servers or len(servers) != _page_size(request):
        return None
    return next_link(request, collection, servers[-1]["instance_id"])


@routes.get(f"/v2.1/{COLLECTION}")
async def usage_of_all(request: web.Request) -> web.Response:
    found = await _usages(request, f"/{COLLECTION}", detailed={"detailed": "1"})
    if isinstance(found, web.Response):
        return found
    usages, servers = found
    body: dict[str, Any] = {"tenant_usages": _summed(usages, request.query.get("detailed") == "1")}
    links = _links(request, COLLECTION, servers)
    if links:
        body["tenant_usages_links"] = links
    return json_response(body)


@routes.get(f"/v2.1/{COLLECTION}/{{tenant_id}}")
async def usage_of_one(request: web.Request) -> web.Response:
    collection = f"{COLLECTION}/{request.match_info['tenant_id']}"
    # a project's usage always names its servers (from 2.75 Nova refuses `detailed` there)
    found = await _usages(request, f"/{collection}", detailed={})
    if isinstance(found, web.Response):
        return found
    usages, servers = found
    summed = _summed(usages, detailed=True)
    body: dict[str, Any] = {"tenant_usage": summed[0] if summed else {}}
    links = _links(request, collection, servers)
    if links:
        body["tenant_usage_links"] = links
    return json_response(body)
