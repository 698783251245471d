"""Calls answered by asking every pod and joining the answers: services, limits."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.aggregate import pods_limits
from tricircle.kit.calls import relay
from tricircle.kit.fanout import ask_each
from tricircle.pods.directory import PodInfo
from tricircle.web.http import json_response
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()


async def _ask_all(
    request: web.Request, path: str, pods: list[PodInfo]
) -> list[tuple[PodInfo, Any]]:
    answers = await ask_each(request, pods, path, params=request.query)
    for pod, answer in answers:
        if answer is not None and answer.status in (400, 403, 404):
            raise _Relayed(pod, answer)
    return [(pod, answer.json() if answer and answer.ok else None) for pod, answer in answers]


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


@routes.get("/v2.1/os-services")
async def compute_services(request: web.Request) -> web.Response:
    return await _joined(request, "/os-services", "services", "compute:services")


@routes.get("/v2.1/limits")
async def limits(request: web.Request) -> web.Response:
    return await pods_limits(request)
