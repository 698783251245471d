"""What servers take of the project's quota, followed at the top: a boot reserves its
instances, cores and RAM before it is forwarded; a resize the difference of the flavors;
a delete its pod accepted gives its share back."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.flavors import visible_flavor
from tricircle.gateway.compute.quotas import over_quota
from tricircle.kit.calls import call_pod
from tricircle.kit.routed import RoutedResource, ensure_up, find_route, forward_routed
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.quota.gate import quota_engine, reserved
from tricircle.quota.resources import COMPUTE
from tricircle.top.models import Flavor
from tricircle.web.errors import ApiError
from tricircle.web.http import read_json
from tricircle.web.services import services_of


def _share(vcpus: int, ram: int) -> dict[str, int]:
    return {"instances": 1, "cores": vcpus, "ram": ram}


async def boot_reserved(
    request: web.Request, pod: PodInfo, flavor: Flavor, body: dict[str, Any]
) -> PodResponse:
    """``POST /servers`` to `pod` under a reservation: as many servers as fit between
    min_count and max_count are reserved and asked for (Nova boots as many as fit)."""
    server = body["server"]
    min_count = int(server.get("min_count", 1))
    max_count = max(int(server.get("max_count", min_count)), min_count)
    async with reserved(
        request,
        COMPUTE,
        _share(flavor.vcpus, flavor.ram),
        over_quota,
        min_units=min_count,
        max_units=max_count,
    ) as claim:
        if claim.units < max_count:
            body = {**body, "server": {**server, "max_count": claim.units}}
        answer = await call_pod(request, pod, "POST", "/servers", json=body)
        if answer.status == 202:
            claim.took(pod.id)
        return answer


async def quota_follows(
    request: web.Request, servers: RoutedResource, server_id: str, tail: str = ""
) -> web.Response:
    """The call on the server (or its sub-resource `tail`) passed to its pod, with the
    quota following a delete or a resize the pod accepted."""
    forward = functools.partial(forward_routed, request, servers, server_id, tail)
    if request.method == "DELETE" and not tail:
        return await _deleted(request, servers, server_id, forward)
    action = request.method == "POST" and tail == "action"
    body = await read_json(request) if action else None
    resize = body.get("resize") if isinstance(body, dict) else None
    if isinstance(resize, dict) and isinstance(resize.get("flavorRef"), str | int):
        return await _resized(request, servers, server_id, str(resize["flavorRef"]), forward)
    return await forward()


async def _shown_flavor(request: web.Request, pod: PodInfo, server_id: str) -> dict[str, int]:
    """The server's flavor as its pod shows it (embedded from 2.47); empty if not shown."""
    if request.method != "GET":
        ensure_up(services_of(request), pod)  # the write fails fast, as it would unread
    shown = await call_pod(request, pod, "GET", f"/servers/{server_id}", version="2.47")
    flavor = (shown.json() or {}).get("server", {}).get("flavor", {}) if shown.ok else {}
    return {k: int(flavor[k]) for k in ("vcpus", "ram") if isinstance(flavor.get(k), int)}


async def _deleted(
    request: web.Request,
    servers: RoutedResource,
    server_id: str,
    forward: Callable[[], Awaitable[web.Response]],
) -> web.Response:
    route, pod = await find_route(request, servers, server_id)
    flavor = await _shown_flavor(request, pod, server_id)
    answer = await forward()
    if answer.status == 204 and len(flavor) == 2:
        freed = {k: -v for k, v in _share(flavor["vcpus"], flavor["ram"]).items()}
        await quota_engine(request).change_usage(COMPUTE, route.project_id, pod.id, freed)
    return answer


async def _resized(
    request: web.Request,
    servers: RoutedResource,
    server_id: str,
    flavor_ref: str,
    forward: Callable[[], Awaitable[web.Response]],
) -> web.Response:
    """The difference of the flavors: reserved when it grows, given back when it shrinks,
    from the moment the pod accepts the resize (a revert is corrected from the pod's
    counts)."""
    route, pod = await find_route(request, servers, server_id)
    old = await _shown_flavor(request, pod, server_id)
    try:
        new = await visible_flavor(request, flavor_ref.rstrip("/").rsplit("/", 1)[-1])
    except ApiError:
        return await forward()  # the pod answers Nova's own 400
    if len(old) < 2:
        return await forward()
    change = {"cores": new.vcpus - old["vcpus"], "ram": new.ram - old["ram"]}
    grows = {k: v for k, v in change.items() if v > 0}
    async with reserved(request, COMPUTE, grows, over_quota, project_id=route.project_id) as claim:
        answer = await forward()
        if answer.status == 202:
            claim.took(pod.id)
    shrinks = {k: v for k, v in change.items() if v < 0}
    if answer.status == 202 and shrinks:
        await quota_engine(request).change_usage(COMPUTE, route.project_id, pod.id, shrinks)
    return answer
