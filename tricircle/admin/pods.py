"""``/v1.0/pods``: register the bottom clouds."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.db.models import Pod
from tricircle.pods.catalog import CATALOG_TYPES
from tricircle.pods.discovery import probe_capabilities
from tricircle.pods.registry import POD_STATES, Conflict
from tricircle.web.errors import ApiError, bad_request, conflict, not_found
from tricircle.web.http import json_response, read_json
from tricircle.web.services import Services, context_of, services_of
from tricircle.web.validation import NAME, wrapped

routes = web.RouteTableDef()

_ENDPOINTS = {
    "type": "object",
    "propertyNames": {"enum": list(CATALOG_TYPES)},
    "additionalProperties": {"type": "string", "pattern": "^https?://", "maxLength": 1024},
}
CREATE_FIELDS = {
    "name": NAME,
    "region_name": NAME,
    "az_name": NAME,
    "state": {"enum": list(POD_STATES)},
    "endpoints": _ENDPOINTS,
}
CREATE = wrapped("pod", CREATE_FIELDS, ("name", "region_name", "az_name"))
UPDATE = wrapped("pod", CREATE_FIELDS)


def pod_view(pod: Pod) -> dict[str, Any]:
    return {
        "id": pod.id,
        "name": pod.name,
        "region_name": pod.region_name,
        "az_name": pod.az_name,
        "state": pod.state,
        "endpoints": pod.endpoints,
        "capabilities": pod.capabilities,
        "created_at": pod.created_at.isoformat(),
        "updated_at": pod.updated_at.isoformat(),
    }


async def _endpoints_of(services: Services, region: str) -> dict[str, str]:
    found = await services.service_auth.region_endpoints(region)
    wanted = {k: v for k, v in found.items() if k in _ENDPOINTS["propertyNames"]["enum"]}
    if not wanted:
        raise bad_request(
            f"Region {region} has no {', '.join(CATALOG_TYPES)} endpoint in the Keystone "
            "catalog; give the pod's endpoints explicitly."
        )
    return wanted


@routes.get("/pods")
async def list_pods(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:pods:read", context_of(request))
    return json_response({"pods": [pod_view(pod) for pod in await services.registry.all()]})


@routes.post("/pods")
async def create_pod(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:pods:write", context_of(request))
    body = await read_json(request)
    CREATE.validate(body)
    fields = dict(body["pod"])
    if "endpoints" not in fields:
        fields["endpoints"] = await _endpoints_of(services, fields["region_name"])
    fields["capabilities"] = await probe_capabilities(services.http, fields["endpoints"])
    try:
        pod = await services.registry.create(**fields)
    except Conflict as exc:
        raise conflict(str(exc)) from None
    await services.directory.refresh()
    return json_response({"pod": pod_view(pod)}, status=201)


async def _pod_or_404(services: Services, pod_id: str) -> Pod:
    pod = await services.registry.get(pod_id)
    if pod is None:
        raise not_found(f"Pod {pod_id} could not be found.")
    return pod


@routes.get("/pods/{pod_id}")
async def show_pod(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:pods:read", context_of(request))
    pod = await _pod_or_404(services, request.match_info["pod_id"])
    return json_response({"pod": pod_view(pod)})


@routes.put("/pods/{pod_id}")
async def update_pod(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:pods:write", context_of(request))
    pod_id = request.match_info["pod_id"]
    body = await read_json(request)
    UPDATE.validate(body)
    fields = dict(body["pod"])
    if "endpoints" in fields:
        fields["capabilities"] = await probe_capabilities(services.http, fields["endpoints"])
    try:
        pod = await services.registry.update(pod_id, **fields)
    except Conflict as exc:
        raise conflict(str(exc)) from None
    if pod is None:
        raise not_found(f"Pod {pod_id} could not be found.")
    await services.directory.refresh()
    return json_response({"pod": pod_view(pod)})


@routes.delete("/pods/{pod_id}")
async def delete_pod(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:pods:write", context_of(request))
    pod_id = request.match_info["pod_id"]
    try:
        deleted = await services.registry.delete(pod_id)
    except Conflict as exc:
        raise ApiError(409, str(exc)) from None
    if not deleted:
        raise not_found(f"Pod {pod_id} could not be found.")
    await services.directory.refresh()
    return web.Response(status=204)
