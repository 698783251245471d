"""One merged list over the pods, for any collection of routed resources.

This is the engine's adapter to the gateway: which pods to ask (those holding
the scope's resources of the type, as the routing table says), how to ask each
(the service's detailed list through the kit), what to show for a pod that does
not answer, and where a client's marker sits in the order. The facade says what
its collection is (`Collection`) and renders the page.

A pod known down, or one that does not answer within ``[pods] list_timeout``, is
left out of the whole page, or, where the facade allows partial records (Nova from
2.69, as it shows a down cell), its resources appear as partial records built from
the routing table: they take the place their values give them in the order, ties
broken by pod like every other item, so a walk through pages stays exact while
the set of pods that answer does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from tricircle.db.models import RoutingEntry
from tricircle.kit.calls import call_pod, pod_root
from tricircle.kit.fanout import ask_each
from tricircle.kit.mark import unmarked
from tricircle.kit.placement import usable_pods
from tricircle.kit.service import service_of
from tricircle.listing import sort_index
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
from tricircle.listing.sort_index import indexed_field
from tricircle.pods.client import PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request
from tricircle.web.services import context_of, services_of

# Builds the record shown for a resource of a pod that did not answer.
PartialRecord = Callable[[web.Request, RoutingEntry], dict[str, Any]]


@dataclass(frozen=True)
class Collection:
    resource_type: str  # in the routing table
    key: str  # the collection's key in answers: "servers"
    detail_path: str  # the pod's detailed list: "/servers/detail"
    show_path: str  # one resource in the pod, with {id}: "/servers/{id}"
    singular: str  # the key of one resource in a show answer: "server"
    partial: PartialRecord
    # the service judges a list's query even when the caller has nothing to list (Cinder's
    # 400 for an unknown filter): then one pod the project may use is asked for none
    checked_when_empty: bool = False


@dataclass(frozen=True)
class ListQuery:
    scope: str | None  # the project whose resources are listed; None: every project's
    filters: list[tuple[str, str]]
    sort_params: list[tuple[str, str]]
    ordering: Ordering
    limit: int
    marker: str | None
    # 'partial', 'omit' or 'fail': what the list shows of a pod that does not answer
    down_pods: str


class _Pods:
    """Pages of one collection for one request: from the pods, or built from routes."""

    def __init__(self, request: web.Request, collection: Collection, query: ListQuery) -> None:
        self._request = request
        self._services = services_of(request)
        self._collection = collection
        self._query = query
        self._top = service_of(request).top_root(request).encode() + b"/"

    def fetcher(self, pod: PodInfo) -> FetchPage:
        root = pod_root(service_of(self._request), pod).encode() + b"/"
        path = self._collection.detail_path
        # the pod client's own timeout, so that a slow pod counts against its health
        timeout = self._services.conf.pods.list_timeout

        async def fetch(params: list[tuple[str, str]]) -> tuple[int, bytes]:
            try:
                answer = await call_pod(
                    self._request, pod, "GET", path, params=params, timeout=timeout
                )
            except PodUnavailable as exc:
                raise OSError(str(exc)) from exc
            return answer.status, unmarked(answer.body.replace(root, self._top))

        return fetch

    async def partial_fetcher(self, pod: PodInfo) -> FetchPage:
        """Pages of partial records of the pod's resources, in our order, from the routes."""
        entries: list[RoutingEntry] = []
        while batch := await self._services.routing.page(
            project_id=self._query.scope,
            resource_type=self._collection.resource_type,
            pod_id=pod.id,
            marker=entries[-1].id if entries else None,
        ):
            entries += batch
        ordering = self._query.ordering
        newest_first = bool(ordering.fields) and ordering.fields[0].descending
        # equal sort values keep the order the resources were recorded in, as a pod would
        entries.sort(key=lambda e: (e.created_at, e.id), reverse=newest_first)
        records = [self._partial(entry) for entry in entries]
        records.sort(key=lambda raw: ordering.key(raw)[0])
        ids = [ordering.key(raw)[1] for raw in records]
        head = b'{"' + self._collection.key.encode() + b'":['

        async def fetch(params: list[tuple[str, str]]) -> tuple[int, bytes]:
            query = dict(params)
            start = 0
            if "marker" in query:
                if query["marker"] not in ids:
                    return 400, b'{"badRequest": {"code": 400, "message": "marker not found"}}'
                start = ids.index(query["marker"]) + 1
            page = records[start : start + int(query["limit"])]
            return 200, head + b",".join(page) + b"]}"

        return fetch

    def _partial(self, entry: RoutingEntry) -> bytes:
        return msgspec.json.encode(self._collection.partial(self._request, entry))

    async def marker_position(self, marker: str, partial_pods: set[str]) -> tuple[str, Position]:
        """The marker's pod and place in the order, from the pod (or its route when it is down)."""
        collection, ordering = self._collection, self._query.ordering
        entries = await self._services.routing.find(
            collection.resource_type, marker, self._query.scope
        )
        pod = await self._services.directory.get(entries[0].pod_id) if entries else None
        if pod is None:
            raise bad_request(f"marker [{marker}] not found")
        if pod.id in partial_pods:
            return pod.id, (ordering.key(self._partial(entries[0]))[0], pod.id)
        unavailable = ApiError(503, f"Pod {pod.name} could not show the marker {marker}.")
        try:
            answer = await call_pod(
                self._request,
                pod,
                "GET",
                collection.show_path.format(id=marker),
                timeout=self._services.conf.pods.list_timeout,
            )
        except PodUnavailable as exc:
            raise unavailable from exc
        if answer.status == 404:
            raise bad_request(f"marker [{marker}] not found")
        if not answer.ok:
            raise unavailable
        return pod.id, (ordering.key_of(answer.json()[collection.singular]), pod.id)


def pods_ignore_case(request: web.Request) -> bool:
    """Whether the pods' databases order text without regard to case (``[pods] collation``)."""
    return services_of(request).conf.pods.collation == "case_insensitive"


def _unavailable(pods: list[PodInfo]) -> ApiError:
    names = ", ".join(sorted(p.name for p in pods))
    return ApiError(503, f"Pods not answering, the list would be incomplete: {names}.")


# Pod-local markers of the pages this process served (see tricircle.listing.engine).
_CURSORS = Cursors()


async def _holding_pods(
    request: web.Request, collection: Collection, query: ListQuery
) -> tuple[dict[str, PodInfo], set[str]]:
    """The enabled pods holding the scope's resources, and which of them are known down."""
    services = services_of(request)
    holding = await services.routing.pods_holding(collection.resource_type, query.scope)
    snapshot = await services.directory.pods()
    pods = {p.id: p for p in snapshot.values() if p.id in holding and p.enabled}
    return pods, {pod_id for pod_id in pods if services.pods.health.is_down(pod_id)}


def _rejection(answer: PodResponse) -> web.Response:
    return web.Response(status=answer.status, body=answer.body, content_type="application/json")


async def _none_of(
    request: web.Request, collection: Collection, pods: list[PodInfo], params: list[tuple[str, str]]
) -> list[tuple[PodInfo, PodResponse]] | web.Response:
    """Each pod's answer to the query asking for no items (its count, its verdict on the
    query); a pod's 4xx is the client's error, as every pod would say."""
    asked = [*params, ("limit", "0")]
    answers = await ask_each(request, pods, collection.detail_path, params=asked)
    for _pod, answer in answers:
        if answer is not None and 400 <= answer.status < 500:
            return _rejection(answer)
    return [(pod, answer) for pod, answer in answers if answer is not None and answer.ok]


async def _checked(
    request: web.Request, query: ListQuery, collection: Collection
) -> web.Response | None:
    """The pods' verdict on a query no pod is asked to list: one usable pod judges it."""
    services, context = services_of(request), context_of(request)
    health = services.pods.health
    for pod in await usable_pods(services, context.project_id):
        if pod.enabled and not health.is_down(pod.id):
            answer = await _none_of(
                request, collection, [pod], [*query.filters, *query.sort_params]
            )
            return answer if isinstance(answer, web.Response) else None
    return None


async def merged_count(
    request: web.Request, collection: Collection, query: ListQuery, count: tuple[str, str]
) -> int | web.Response:
    """How many of the scope's resources match the query's filters in the pods that answer
    (Cinder's ``count`` with ``with_count``): each holding pod's own count, summed."""
    pods, down = await _holding_pods(request, collection, query)
    up = [pod for pod_id, pod in pods.items() if pod_id not in down]
    answers = await _none_of(request, collection, up, [*query.filters, count])
    if isinstance(answers, web.Response):
        return answers
    return sum(int(answer.json().get("count") or 0) for _pod, answer in answers)


async def _resume(
    request: web.Request,
    collection: Collection,
    query: ListQuery,
    pods: dict[str, PodInfo],
    down: set[str],
    fetcher: _Pods,
) -> tuple[Position, dict[str, str]]:
    """Where a client's marker sits, and the pod-local markers to continue from: from the
    top's index of sort values when it covers the order, else from the marker's pod."""
    marker, scope, ordering = query.marker or "", query.scope, query.ordering
    db, kind = services_of(request).db, collection.resource_type
    if indexed_field(ordering, scope) is not None and scope is not None:
        placed = await sort_index.marker_position(db, kind, scope, marker, ordering)
        if placed is not None:
            markers = await sort_index.pod_markers(db, kind, scope, ordering, placed, pods.keys())
            return placed.position, {**markers, placed.pod_id: marker}
    marker_pod, after = await fetcher.marker_position(marker, down)
    return after, {marker_pod: marker}


async def merged_list(
    request: web.Request, collection: Collection, query: ListQuery
) -> list[Item] | web.Response:
    """The page's items in order, or the pods' own answer when they refused the query."""
    services = services_of(request)
    mode = query.down_pods
    pods, down = await _holding_pods(request, collection, query)
    if not pods and query.marker is None and collection.checked_when_empty:
        return await _checked(request, query, collection) or []
    if down and mode == "fail":
        raise _unavailable([pods[d] for d in down])
    if mode == "omit":
        pods = {pod_id: pod for pod_id, pod in pods.items() if pod_id not in down}
        down = set()
    fetcher = _Pods(request, collection, query)
    cursor_key = (collection.key, query.scope, tuple(query.filters), tuple(query.sort_params))
    after: Position | None = None
    pod_markers: dict[str, str] = {}
    if query.marker is not None:
        cursor = _CURSORS.recall(cursor_key, query.marker)
        if cursor is not None:
            after, pod_markers = cursor.position, dict(cursor.pod_markers)
        else:
            after, pod_markers = await _resume(request, collection, query, pods, down, fetcher)

    async def run(partial: set[str]) -> ListResult:
        sources = [
            Source(
                pod_id,
                await fetcher.partial_fetcher(pod) if pod_id in partial else fetcher.fetcher(pod),
                start_marker=pod_markers.get(pod_id),
                after=after,
            )
            for pod_id, pod in pods.items()
        ]
        return await merge(
            sources,
            ordering=query.ordering,
            collection=collection.key,
            params=[*query.filters, *query.sort_params],
            limit=query.limit,
            timeout=services.conf.pods.list_timeout,
        )

    try:
        result = await run(down)
        if result.failed and mode == "fail":
            raise _unavailable([pods[p] for p in result.failed])
        # a pod that failed or missed list_timeout is a down pod for the whole page, never
        # one whose first items are shown and the rest skipped
        if result.failed and mode == "partial":
            result = await run(down | result.failed.keys())
        elif result.failed:
            pods = {pod_id: pod for pod_id, pod in pods.items() if pod_id not in result.failed}
            result = await run(down)
    except PodRejected as exc:  # the client's query is wrong, as every pod would say
        return web.Response(status=exc.status, body=exc.body, content_type="application/json")
    if result.items and len(result.items) == query.limit:
        last = result.items[-1]
        _CURSORS.remember(cursor_key, last, {**pod_markers, **result.pod_markers})
    return result.items
