"""Calls answered by asking every pod and joining the answers: the compute services."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.calls import relay
from tricircle.kit.fanout import ask_each
from tricircle.web.http import json_response
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()


async def _joined(request: web.Request, path: str, collection: str, rule: str) -> web.Response:
    """Every enabled pod's `collection` in one list; a pod's 400/403/404 is the client's
    error, as every pod would say, and is relayed."""
    services = services_of(request)
    services.policy.authorize(rule, context_of(request))
    pods = [p for p in (await services.directory.pods()).values() if p.enabled]
    joined: list[Any] = []
    for pod, answer in await ask_each(request, pods, path, params=request.query):
        if answer is not None and answer.status in (400, 403, 404):
            return relay(request, pod, answer)
        if answer is not None and answer.ok:
            joined.extend(answer.json().get(collection, []))
    return json_response({collection: joined})


@routes.get("/v2.1/os-services")
async def compute_services(request: web.Request) -> web.Response:
    return await _joined(request, "/os-services", "services", "compute:services")
