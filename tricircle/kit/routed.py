"""Resources that live in one pod (servers, volumes, snapshots, ...), reached by their route.

The routing entry names the pod. Only the sub-resources and actions the service
has are forwarded, on a path the gateway builds from the decoded and checked parts,
so nothing a client writes can escape the resource's own path in the pod.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from aiohttp import web
from cachetools import TTLCache

from tricircle.jobs.queue import mark_deleted
from tricircle.kit.calls import call_pod, relay, taken
from tricircle.kit.mark import guarded_metadata_body
from tricircle.kit.service import service_of
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, not_found
from tricircle.web.services import Services, context_of, services_of

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutedResource:
    resource_type: str  # its type in the routing table: "server", "volume"
    collection: str  # its collection in the pod: "servers", "volumes"
    missing: str  # the service's 404 message, with {id}
    # the sub-resource paths the service has; "*" stands for one segment
    subresources: tuple[str, ...]
    # deleted asynchronously by the pod: a cleanup job removes the route once it is gone
    tracked_delete: bool = True
    # what the cleanup job of a delete needs to know that only the pod can say before the
    # delete (the volumes a server takes with it); called with the request, pod and path
    cleanup_payload: Callable[[web.Request, PodInfo, str], Awaitable[dict[str, Any]]] | None = None

    def allows(self, segments: Sequence[str]) -> bool:
        for pattern in self.subresources:
            parts = pattern.split("/")
            if len(parts) == len(segments) and all(
                p == "*" or p == s for p, s in zip(parts, segments, strict=True)
            ):
                return True
        return False


class Route(NamedTuple):
    entry_id: int
    project_id: str
    pod_id: str


# (resource type, top id) -> route: a resource never moves, so routed calls need no
# database read; the TTL bounds what a delete through another process leaves behind.
_ROUTES: TTLCache[tuple[str, str], Route] = TTLCache(100_000, 60.0)


async def find_route(
    request: web.Request, resource: RoutedResource, top_id: str
) -> tuple[Route, PodInfo]:
    """The route and pod of a resource the caller may reach: its project's, or any by the
    service's ``<service>:any_project`` rule (admins, as in Nova and Cinder); anything else
    is the service's 404."""
    services, context = services_of(request), context_of(request)
    key = (resource.resource_type, top_id)

    def reachable(route: Route | None) -> bool:
        return route is not None and (
            route.project_id == context.project_id
            or services.policy.allows(f"{service_of(request).name}:any_project", context)
        )

    route = _ROUTES.get(key)
    # not cached, or cached for another project: a transfer may have moved it since
    if not reachable(route):
        entries = await services.routing.find(resource.resource_type, top_id)
        route = None
        if entries:
            entry = entries[0]
            route = _ROUTES[key] = Route(entry.id, entry.project_id, entry.pod_id)
    pod = await services.directory.get(route.pod_id) if route and reachable(route) else None
    if route is None or pod is None:
        raise not_found(resource.missing.format(id=top_id))
    return route, pod


def forget_route(resource: RoutedResource, top_id: str) -> None:
    _ROUTES.pop((resource.resource_type, top_id), None)


def ensure_up(services: Services, pod: PodInfo) -> None:
    """Fails fast when the pod is known not to answer."""
    reason = services.pods.health.reason(pod.id)
    if reason is not None:
        raise ApiError(503, f"Pod {pod.name} in {pod.az_name} is unavailable: {reason}.")


def _segments(resource: RoutedResource, tail: str) -> list[str]:
    """The tail's decoded segments, when it names a sub-resource the service has."""
    segments = [unquote(part) for part in tail.split("/")] if tail else []
    if any(s in ("", ".", "..") or "/" in s for s in segments) or (
        segments and not resource.allows(segments)
    ):
        raise web.HTTPNotFound()
    return segments


async def forward_routed(
    request: web.Request, resource: RoutedResource, top_id: str, tail: str = ""
) -> web.Response:
    """The call on the resource (or its sub-resource `tail`) passed to its pod."""
    services, context = services_of(request), context_of(request)
    segments = _segments(resource, tail)
    route, pod = await find_route(request, resource, top_id)
    if request.method != "GET":
        ensure_up(services, pod)  # a write to a pod known down fails at once
    path = "/".join([f"/{resource.collection}", quote(top_id, safe=""), *map(_quoted, segments)])
    body = await request.read() if request.body_exists else None
    body = guarded_metadata_body(request.method, segments, body)
    payload = None
    if not segments and request.method == "DELETE" and resource.cleanup_payload is not None:
        payload = await resource.cleanup_payload(request, pod, path)
    # an empty body sent as JSON stays one: Nova answers 415 to a write without a type
    typed = b"" if "Content-Type" in request.headers else None
    answer = await call_pod(
        request, pod, request.method, path, params=request.query or None, body=body or typed
    )
    if not segments and answer.status == 404:
        await _drop_if_gone(request, resource, top_id, route, pod, path)
    elif not segments and request.method == "DELETE" and answer.ok:
        forget_route(resource, top_id)
        if resource.tracked_delete:
            async with services.db.session.begin() as session:
                await mark_deleted(
                    session,
                    resource.resource_type,
                    top_id,
                    project_id=context.project_id,
                    payload=payload,
                )
        else:
            await services.routing.remove(route.entry_id)
    return relay(request, pod, answer)


def _quoted(segment: str) -> str:
    return quote(segment, safe="")


async def _drop_if_gone(
    request: web.Request,
    resource: RoutedResource,
    top_id: str,
    route: Route,
    pod: PodInfo,
    path: str,
) -> None:
    """Drops a route whose resource the pod no longer has (deleted behind our back).

    The user's 404 alone proves nothing (another user of the project may not see it),
    so only the owner's call does it, and only once the gateway's own look agrees.
    """
    services, context = services_of(request), context_of(request)
    if route.project_id != context.project_id:
        return
    look = await call_pod(request, pod, "GET", path, token=await services.service_auth.token())
    if look.status == 404:
        LOG.info("pod %s no longer has %s %s", pod.name, resource.resource_type, path)
        forget_route(resource, top_id)
        await services.routing.remove(route.entry_id)


async def create_routed(
    request: web.Request, pod: PodInfo, resource: RoutedResource, singular: str, body: Any
) -> web.Response:
    """Creates a resource in `pod` and routes it once the pod accepted it; if the route
    cannot be written the resource is deleted again, leaving no orphan."""
    services, context = services_of(request), context_of(request)
    path = f"/{resource.collection}"
    answer = taken(pod, await call_pod(request, pod, "POST", path, json=body))
    if answer.ok:
        created = answer.json()[singular]["id"]
        try:
            await services.routing.add(
                context.project_id or "", resource.resource_type, created, pod.id, created
            )
        except Exception:
            LOG.exception(
                "could not route %s %s of pod %s; deleting it", singular, created, pod.name
            )
            await call_pod(request, pod, "DELETE", f"{path}/{quote(created, safe='')}")
            raise
    return relay(request, pod, answer)
