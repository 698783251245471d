"""``GET /servers`` and ``/servers/detail``: one sorted, exactly paged list over the pods."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from tricircle.gateway.compute.forward import pod_headers, top_root
from tricircle.gateway.compute.links import next_link
from tricircle.gateway.errors import ApiError, bad_request
from tricircle.gateway.state import context_of, services_of
from tricircle.listing.engine import Item, PodRejected, Source, merge
from tricircle.listing.ordering import Ordering, SortField
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.discovery import service_root
from tricircle.pods.routing import SERVER

routes = web.RouteTableDef()

MAX_LIMIT = 1000
# Nova's sort keys (database columns) and where each shows in a server of /servers/detail.
SORT_FIELDS = {
    "uuid": "id",
    "display_name": "name",
    "created_at": "created",
    "updated_at": "updated",
    "vm_state": "OS-EXT-STS:vm_state",
    "task_state": "OS-EXT-STS:task_state",
    "power_state": "OS-EXT-STS:power_state",
    "availability_zone": "OS-EXT-AZ:availability_zone",
    "host": "OS-EXT-SRV-ATTR:host",
    "node": "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "hostname": "OS-EXT-SRV-ATTR:hostname",
    "key_name": "key_name",
    "user_id": "user_id",
    "project_id": "tenant_id",
    "launched_at": "OS-SRV-USG:launched_at",
    "terminated_at": "OS-SRV-USG:terminated_at",
    "display_description": "description",
    "access_ip_v4": "accessIPv4",
    "access_ip_v6": "accessIPv6",
    "config_drive": "config_drive",
    "progress": "progress",
    "locked": "locked",
}
# Keys Nova accepts and silently ignores for non-admins (they reveal deployment details).
IGNORED_SORT_KEYS = {
    "architecture",
    "cell_name",
    "cleaned",
    "default_ephemeral_device",
    "default_swap_device",
    "deleted",
    "deleted_at",
    "disable_terminate",
    "ephemeral_gb",
    "ephemeral_key_uuid",
    "id",
    "key_data",
    "launched_on",
    "locked_by",
    "memory_mb",
    "os_type",
    "reservation_id",
    "root_gb",
    "shutdown_terminate",
    "user_data",
    "vcpus",
    "vm_mode",
    "image_ref",
    "instance_type_id",
    "kernel_id",
    "ramdisk_id",
    "root_device_name",
    "auto_disk_config",
    "launch_index",
}
DEFAULT_SORT = (("created_at", "desc"),)
_PAGING = {"limit", "marker", "sort_key", "sort_dir"}


def sort_order(request: web.Request) -> tuple[list[tuple[str, str]], Ordering]:
    """The pods' sort parameters and the matching total order (ties broken by uuid)."""
    keys = request.query.getall("sort_key", [])
    dirs = request.query.getall("sort_dir", [])
    if len(dirs) > len(keys):
        raise bad_request("The number of sort_keys and sort_dirs must be same")
    wanted: list[tuple[str, str]] = []
    for position, key in enumerate(keys):
        direction = dirs[position] if position < len(dirs) else (dirs[0] if dirs else "desc")
        if direction not in ("asc", "desc"):
            raise bad_request(f"Invalid input for query parameters sort_dir. Value: {direction}.")
        if key in IGNORED_SORT_KEYS:
            continue
        if key not in SORT_FIELDS:
            raise bad_request(f"Invalid input for query parameters sort_key. Value: {key}.")
        wanted.append((key, direction))
    wanted = [w for w in wanted if w[0] != "uuid"] or list(DEFAULT_SORT)
    last_direction = wanted[-1][1]
    params: list[tuple[str, str]] = []
    for key, direction in [*wanted, ("uuid", last_direction)]:
        params += [("sort_key", key), ("sort_dir", direction)]
    fields = tuple(SortField(SORT_FIELDS[k], d == "desc") for k, d in wanted)
    return params, Ordering(fields)


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


class _Pods:
    """Fetches pages from pods for one request, with the links rewritten to the gateway."""

    def __init__(self, request: web.Request) -> None:
        self._request = request
        self._services = services_of(request)
        self._token = context_of(request).token
        self._headers = pod_headers(request)
        self._top = top_root(request).encode() + b"/"

    def fetcher(self, pod: PodInfo):
        pod_root = service_root(pod.endpoints["compute"]).encode() + b"/"

        async def fetch(params: list[tuple[str, str]]) -> tuple[int, bytes]:
            try:
                answer = await self._services.pods.request(
                    pod,
                    "compute",
                    "GET",
                    "/servers/detail",
                    token=self._token,
                    headers=self._headers,
                    params=params,
                )
            except PodUnavailable as exc:
                raise OSError(str(exc)) from exc
            return answer.status, answer.body.replace(pod_root, self._top)

        return fetch

    async def marker_key(
        self, ordering: Ordering, marker: str, scope: str | None
    ) -> tuple[PodInfo, Any]:
        entries = await self._services.routing.find(SERVER, marker, scope)
        pod = await self._services.directory.get(entries[0].pod_id) if entries else None
        if pod is None:
            raise bad_request(f"marker [{marker}] not found")
        answer = await self._services.pods.request(
            pod, "compute", "GET", f"/servers/{marker}", token=self._token, headers=self._headers
        )
        if answer.status == 404:
            raise bad_request(f"marker [{marker}] not found")
        if not answer.ok:
            raise ApiError(503, f"Pod {pod.name} could not show the marker {marker}.")
        return pod, ordering.key_of(answer.json()["server"])


async def _list(request: web.Request, *, detail: bool) -> web.Response:
    services, context = services_of(request), context_of(request)
    limit = _limit(request)
    sort_params, ordering = sort_order(request)
    filters = [(k, v) for k, v in request.query.items() if k not in _PAGING]
    scope = None if _all_tenants(request) else context.project_id
    holding = await services.routing.pods_holding(SERVER, scope)
    pods = [p for p in (await services.directory.pods()).values() if p.id in holding and p.enabled]
    fetcher = _Pods(request)
    sources = [Source(pod.id, fetcher.fetcher(pod)) for pod in pods]
    marker = request.query.get("marker")
    if marker is not None:
        marker_pod, boundary = await fetcher.marker_key(ordering, marker, scope)
        for source in sources:
            source.skip_until = boundary
            if source.pod_id == marker_pod.id:
                source.start_marker = marker
    try:
        result = await merge(
            sources,
            ordering=ordering,
            collection="servers",
            params=[*filters, *sort_params],
            limit=limit,
            timeout=services.conf.pods.list_timeout,
        )
    except PodRejected as exc:
        return web.Response(status=exc.status, body=exc.body, content_type="application/json")
    return _page(request, result.items, limit, detail=detail)


_BRIEF = msgspec.json.Decoder(
    msgspec.defstruct("Brief", [("id", str), ("name", Any, None), ("links", Any, None)])
)
_ENCODE = msgspec.json.Encoder()


def _page(request: web.Request, items: list[Item], limit: int, *, detail: bool) -> web.Response:
    if detail:
        servers = b",".join(item.raw for item in items)
    else:
        servers = b",".join(_ENCODE.encode(_BRIEF.decode(item.raw)) for item in items)
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
