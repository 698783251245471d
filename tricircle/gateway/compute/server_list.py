"""``GET /servers`` and ``/servers/detail``: one sorted, exactly paged list over the pods.

Only the pods that hold the caller's servers (all pods' servers for admins with
``all_tenants``) and are not known down are asked. A pod that does not answer in
time is left out, or, from microversion 2.69 and as Nova shows a down cell, its
servers appear as partial records built from the routing table: id, status
``UNKNOWN``, ``tenant_id``, ``created`` (when the route was recorded) and links.
They take the place those values give them in the requested order, ties broken by
pod like every other server, so a walk through pages stays exact while the set of
pods that answer does not change. Filters are not applied to them: they appear
only in unfiltered lists, since nothing shows they would match.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from tricircle.db.models import RoutingEntry
from tricircle.gateway.compute.forward import pod_headers, top_root, version_of
from tricircle.gateway.compute.links import next_link, resource_links
from tricircle.gateway.compute.mark import unmarked
from tricircle.gateway.compute.microversions import Version
from tricircle.gateway.compute.server_sort import sort_order
from tricircle.gateway.pod_health import pod_answered, pod_failed
from tricircle.listing.engine import (
    Cursors,
    FetchPage,
    Item,
    ListResult,
    PodRejected,
    Position,
    Source,
    merge,
)
from tricircle.listing.ordering import Ordering
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.discovery import service_root
from tricircle.pods.routing import SERVER
from tricircle.web.errors import ApiError, bad_request
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()

MAX_LIMIT = 1000
_PAGING = {"limit", "marker", "sort_key", "sort_dir"}
# Filters a partial record can be said to match: none but the scope.
_SCOPE_PARAMS = {"all_tenants"}
DOWN_CELL_VERSION = Version(2, 69)
# Pod-local markers of the pages this process served (see tricircle.listing.engine).
_CURSORS = Cursors()


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
    """Pages of servers for one request: from the pods, or built from routes for down pods."""

    def __init__(self, request: web.Request, ordering: Ordering, scope: str | None) -> None:
        self._request = request
        self._services = services_of(request)
        self._token = context_of(request).token
        self._headers = pod_headers(request)
        self._top = top_root(request).encode() + b"/"
        self._ordering = ordering
        self._scope = scope

    def fetcher(self, pod: PodInfo) -> FetchPage:
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
            return answer.status, unmarked(answer.body.replace(pod_root, self._top))

        return fetch

    async def partial_fetcher(self, pod: PodInfo) -> FetchPage:
        """Pages of partial records of the pod's servers, in our order, from the routing table."""
        entries = []
        while batch := await self._services.routing.page(
            project_id=self._scope,
            resource_type=SERVER,
            pod_id=pod.id,
            marker=entries[-1].id if entries else None,
        ):
            entries += batch
        newest_first = bool(self._ordering.fields) and self._ordering.fields[0].descending
        # equal sort values keep the order the servers were recorded in, as a pod would
        entries.sort(key=lambda e: (e.created_at, e.id), reverse=newest_first)
        records = [self._partial(entry) for entry in entries]
        records.sort(key=lambda raw: self._ordering.key(raw)[0])
        ids = [self._ordering.key(raw)[1] for raw in records]

        async def fetch(params: list[tuple[str, str]]) -> tuple[int, bytes]:
            query = dict(params)
            start = 0
            if "marker" in query:
                if query["marker"] not in ids:
                    return 400, b'{"badRequest": {"code": 400, "message": "marker not found"}}'
                start = ids.index(query["marker"]) + 1
            page = records[start : start + int(query["limit"])]
            return 200, b'{"servers":[' + b",".join(page) + b"]}"

        return fetch

    def _partial(self, entry: RoutingEntry) -> bytes:
        return msgspec.json.encode(
            {
                "id": entry.top_id,
                "status": "UNKNOWN",
                "tenant_id": entry.project_id,
                "created": entry.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "links": resource_links(self._request, "servers", entry.top_id),
            }
        )

    async def marker_position(self, marker: str, partial_pods: set[str]) -> tuple[str, Position]:
        """The marker's pod and place in the order, from the pod (or its route when it is down)."""
        entries = await self._services.routing.find(SERVER, marker, self._scope)
        pod = await self._services.directory.get(entries[0].pod_id) if entries else None
        if pod is None:
            raise bad_request(f"marker [{marker}] not found")
        if pod.id not in partial_pods:
            try:
                answer = await self._services.pods.request(
                    pod,
                    "compute",
                    "GET",
                    f"/servers/{marker}",
                    token=self._token,
                    headers=self._headers,
                    timeout=self._services.conf.pods.list_timeout,
                )
            except PodUnavailable as exc:
                pod_failed(self._services, pod, str(exc))
                raise ApiError(503, f"Pod {pod.name} could not show the marker {marker}.") from exc
            if answer.status == 404:
                raise bad_request(f"marker [{marker}] not found")
            if not answer.ok:
                raise ApiError(503, f"Pod {pod.name} could not show the marker {marker}.")
            return pod.id, (self._ordering.key_of(answer.json()["server"]), pod.id)
        return pod.id, (self._ordering.key(self._partial(entries[0]))[0], pod.id)


def _down_pod_mode(request: web.Request, filters: list[tuple[str, str]]) -> str:
    """'partial', 'omit' or 'fail': what this list shows of a pod that does not answer."""
    mode = services_of(request).conf.pods.list_down_pods
    if mode == "partial" and (
        version_of(request) < DOWN_CELL_VERSION or any(k not in _SCOPE_PARAMS for k, _ in filters)
    ):
        return "omit"
    return mode


def _unavailable(pods: list[PodInfo]) -> ApiError:
    names = ", ".join(sorted(p.name for p in pods))
    return ApiError(503, f"Pods not answering, the list would be incomplete: {names}.")


async def _list(request: web.Request, *, detail: bool) -> web.Response:
    services, context = services_of(request), context_of(request)
    limit = _limit(request)
    sort_params, ordering = sort_order(request)
    filters = [(k, v) for k, v in request.query.items() if k not in _PAGING]
    scope = None if _all_tenants(request) else context.project_id
    mode = _down_pod_mode(request, filters)
    holding = await services.routing.pods_holding(SERVER, scope)
    pods = {
        p.id: p for p in (await services.directory.pods()).values() if p.id in holding and p.enabled
    }
    health = services.directory.health
    down = {pod_id for pod_id in pods if health.is_down(pod_id)}
    if down and mode == "fail":
        raise _unavailable([pods[d] for d in down])
    if mode == "omit":
        pods = {pod_id: pod for pod_id, pod in pods.items() if pod_id not in down}
        down = set()
    fetcher = _Pods(request, ordering, scope)
    query = (scope, tuple(filters), tuple(sort_params))
    marker = request.query.get("marker")
    after: Position | None = None
    pod_markers: dict[str, str] = {}
    if marker is not None:
        cursor = _CURSORS.recall(query, marker)
        if cursor is not None:
            after, pod_markers = cursor.position, dict(cursor.pod_markers)
        else:
            marker_pod, after = await fetcher.marker_position(marker, down)
            pod_markers = {marker_pod: marker}

    async def sources(partial: set[str]) -> list[Source]:
        return [
            Source(
                pod_id,
                await fetcher.partial_fetcher(pod) if pod_id in partial else fetcher.fetcher(pod),
                start_marker=pod_markers.get(pod_id),
                after=after,
            )
            for pod_id, pod in pods.items()
        ]

    async def run(partial: set[str]) -> ListResult:
        return await merge(
            await sources(partial),
            ordering=ordering,
            collection="servers",
            params=[*filters, *sort_params],
            limit=limit,
            timeout=services.conf.pods.list_timeout,
        )

    try:
        result = await run(down)
        for pod_id in pods.keys() - down - result.failed.keys():
            pod_answered(services, pods[pod_id])
        for pod_id, reason in result.failed.items():
            pod_failed(services, pods[pod_id], reason)
        if result.failed and mode == "fail":
            raise _unavailable([pods[p] for p in result.failed])
        if result.failed and mode == "partial":
            result = await run(down | result.failed.keys())
    except PodRejected as exc:  # the client's query is wrong, as every pod would say
        return web.Response(status=exc.status, body=exc.body, content_type="application/json")
    if result.items and len(result.items) == limit:
        _CURSORS.remember(query, result.items[-1], {**pod_markers, **result.pod_markers})
    return _page(request, result.items, limit, detail=detail)


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
