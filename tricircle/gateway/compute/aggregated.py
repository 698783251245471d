"""Calls answered by asking every pod and joining the answers: hypervisors, services, limits."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.forward import pod_headers, relay
from tricircle.gateway.scheduler import usable_pods
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError
from tricircle.web.http import json_response
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()


async def _ask_all(
    request: web.Request, path: str, pods: list[PodInfo]
) -> list[tuple[PodInfo, Any]]:
    services, context = services_of(request), context_of(request)

    async def ask(pod: PodInfo) -> tuple[PodInfo, Any]:
        try:
            answer = await services.pods.request(
                pod,
                "compute",
                "GET",
                path,
                token=context.token,
                headers=pod_headers(request),
                params=request.query,
                timeout=services.conf.pods.list_timeout,
            )
        except PodUnavailable:
            return pod, None
        if answer.status in (400, 403, 404):
            raise _Relayed(pod, answer)
        return pod, answer.json() if answer.ok else None

    return list(await asyncio.gather(*(ask(pod) for pod in pods)))


class _Relayed(Exception):
    def __init__(self, pod: PodInfo, answer: Any) -> None:
        self.pod = pod
        self.answer = answer


async def _joined(request: web.Request, path: str, collection: str, rule: str) -> web.Response:
    services = services_of(request)
    services.policy.authorize(rule, context_of(request))
    pods = [p for p in (await services.directory.pods()).values() if p.enabled]
    try:
        answers = await _ask_all(request, path, pods)
    except _Relayed as relayed:
        return relay(request, relayed.pod, relayed.answer)
    joined: list[Any] = []
    for _pod, body in answers:
        if body:
            joined.extend(body.get(collection, []))
    return json_response({collection: joined})


@routes.get("/v2.1/os-hypervisors")
async def hypervisors(request: web.Request) -> web.Response:
    return await _joined(request, "/os-hypervisors", "hypervisors", "compute:hypervisors")


@routes.get("/v2.1/os-hypervisors/detail")
async def hypervisors_detail(request: web.Request) -> web.Response:
    return await _joined(request, "/os-hypervisors/detail", "hypervisors", "compute:hypervisors")


@routes.get("/v2.1/os-services")
async def compute_services(request: web.Request) -> web.Response:
    return await _joined(request, "/os-services", "services", "compute:services")


@routes.get("/v2.1/limits")
async def limits(request: web.Request) -> web.Response:
    """The project's limits: each pod's quota maxima (the smallest), its usage summed over pods."""
    services, context = services_of(request), context_of(request)
    pods = [p for p in await usable_pods(services, context.project_id) if p.enabled]
    try:
        answers = [body for _pod, body in await _ask_all(request, "/limits", pods) if body]
    except _Relayed as relayed:
        return relay(request, relayed.pod, relayed.answer)
    if not answers:
        raise ApiError(503, "No pod could report limits.")
    absolute: dict[str, int] = {}
    for body in answers:
        for name, value in body["limits"]["absolute"].items():
            if name.startswith("total") and name.endswith("Used"):
                absolute[name] = absolute.get(name, 0) + value
            elif name in absolute and value >= 0 and absolute[name] >= 0:
                absolute[name] = min(absolute[name], value)
            else:
                absolute.setdefault(name, value)
    return json_response({"limits": {"rate": [], "absolute": absolute}})
