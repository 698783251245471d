"""Nova's simple tenant usage: server hours over a period, per project, paged by server."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import state
from tricircle.sim.compute.model import Server
from tricircle.sim.http import SimError, json_response, now, parse_limit
from tricircle.sim.service import ctx, microversion, require_admin

MAX_LIMIT = 1000
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def _when(text: str | None) -> float:
    if not text:
        return now()
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
    raise SimError(400, "Invalid datetime string: Datetime is in invalid format")


def _time(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _check_query(request: web.Request, allowed: set[str]) -> None:
    """From 2.75 Nova's query schemas take no other parameters."""
    extra = sorted(set(request.query) - allowed)
    if microversion(request) >= (2, 75) and extra:
        raise SimError(
            400,
            f"Invalid input for query parameters {extra[0]}. Value: "
            f"{request.query[extra[0]]}. Additional properties are not allowed "
            f"('{extra[0]}' was unexpected)",
        )


def _period(request: web.Request) -> tuple[float, float]:
    start, stop = _when(request.query.get("start")), _when(request.query.get("end"))
    if not start < stop:
        raise SimError(400, "Invalid start time. The start time cannot occur after the end time.")
    return start, min(stop, now())


def _server_usage(server: Server, start: float, stop: float) -> dict[str, Any]:
    launched = server.launched_at or 0.0
    ended = server.terminated_at
    hours = (min(stop, ended or stop) - max(launched, start)) / 3600.0
    flavor = server.flavor
    return {
        "hours": hours,
        "flavor": flavor.name,
        "instance_id": server.id,
        "name": server.name,
        "tenant_id": server.project_id,
        "memory_mb": flavor.ram,
        "local_gb": flavor.disk + flavor.ephemeral,
        "vcpus": flavor.vcpus,
        "started_at": _time(launched),
        "ended_at": _time(ended) if ended else None,
        "state": "terminated" if ended else server.vm_state,
        "uptime": int((ended or now()) - launched),
    }


def _usages(
    request: web.Request, project_id: str | None, detailed: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nova's per-project summaries and the servers they count, a page of them from 2.40."""
    compute = state(request)
    start, stop = _period(request)
    servers = sorted(
        (
            s
            for s in [*compute.servers.values(), *compute.deleted_servers.values()]
            if s.launched_at is not None
            and s.launched_at <= stop
            and (s.terminated_at is None or s.terminated_at >= start)
            and project_id in (None, s.project_id)
        ),
        key=lambda s: (s.project_id, s.id),
    )
    limit = MAX_LIMIT
    if microversion(request) >= (2, 40):
        limit = parse_limit(request.query.get("limit"), MAX_LIMIT)
        marker = request.query.get("marker")
        if marker is not None:
            at = [i for i, s in enumerate(servers) if s.id == marker]
            if not at:
                raise SimError(400, f"Marker {marker} could not be found.")
            servers = servers[at[0] + 1 :]
    shown = [_server_usage(s, start, stop) for s in servers[:limit]]
    tenants: dict[str, dict[str, Any]] = {}
    for usage in shown:
        summary = tenants.setdefault(
            usage["tenant_id"],
            {
                "tenant_id": usage["tenant_id"],
                **({"server_usages": []} if detailed else {}),
                "total_local_gb_usage": 0,
                "total_vcpus_usage": 0,
                "total_memory_mb_usage": 0,
                "total_hours": 0,
                "start": _time(start),
                "stop": _time(stop),
            },
        )
        summary["total_local_gb_usage"] += usage["local_gb"] * usage["hours"]
        summary["total_vcpus_usage"] += usage["vcpus"] * usage["hours"]
        summary["total_memory_mb_usage"] += usage["memory_mb"] * usage["hours"]
        summary["total_hours"] += usage["hours"]
        if detailed:
            summary["server_usages"].append(usage)
    return list(tenants.values()), shown


def _links(request: web.Request, shown: list[dict[str, Any]]) -> list[dict[str, str]]:
    limit = parse_limit(request.query.get("limit"), MAX_LIMIT)
    if microversion(request) < (2, 40) or not shown or len(shown) != limit:
        return []
    url = request.url.update_query(marker=shown[-1]["instance_id"])
    return [{"rel": "next", "href": str(url)}]


async def usage_of_all(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-simple-tenant-usage:list")
    _check_query(request, {"start", "end", "limit", "marker", "detailed"})
    usages, shown = _usages(request, None, request.query.get("detailed") == "1")
    body: dict[str, Any] = {"tenant_usages": usages}
    if links := _links(request, shown):
        body["tenant_usages_links"] = links
    return json_response(body)


async def usage_of_one(request: web.Request) -> web.Response:
    project_id = request.match_info["tenant_id"]
    if project_id != ctx(request).project_id:
        require_admin(request, "os_compute_api:os-simple-tenant-usage:show")
    _check_query(request, {"start", "end", "limit", "marker"})
    usages, shown = _usages(request, project_id, True)
    body: dict[str, Any] = {"tenant_usage": usages[0] if usages else {}}
    if links := _links(request, shown):
        body["tenant_usage_links"] = links
    return json_response(body)


def add_routes(router: web.UrlDispatcher) -> None:
    base = "/compute/v2.1/os-simple-tenant-usage"
    router.add_get(base, usage_of_all)
    router.add_get(f"{base}/{{tenant_id}}", usage_of_one)
