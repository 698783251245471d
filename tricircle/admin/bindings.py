"""``/v1.0/bindings``: which pods a project may use (a project with none may use all)."""

from __future__ import annotations

from aiohttp import web

from tricircle.db.models import PodBinding
from tricircle.pods.registry import Conflict
from tricircle.web.errors import conflict, not_found
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import string, wrapped

routes = web.RouteTableDef()

CREATE = wrapped(
    "binding", {"project_id": string(64, 1), "pod_id": string(36, 1)}, ("project_id", "pod_id")
)


def binding_view(binding: PodBinding) -> dict[str, str]:
    return {
        "project_id": binding.project_id,
        "pod_id": binding.pod_id,
        "created_at": binding.created_at.isoformat(),
    }


@routes.get("/bindings")
async def list_bindings(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:bindings:read", context_of(request))
    found = await services.bindings.list(
        project_id=request.query.get("project_id"), pod_id=request.query.get("pod_id")
    )
    return json_response({"bindings": [binding_view(b) for b in found]})


@routes.post("/bindings")
async def create_binding(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:bindings:write", context_of(request))
    body = await read_json(request)
    CREATE.validate(body)
    wanted = body["binding"]
    try:
        binding = await services.bindings.bind(wanted["project_id"], wanted["pod_id"])
    except LookupError as exc:
        raise not_found(str(exc)) from None
    except Conflict as exc:
        raise conflict(str(exc)) from None
    return json_response({"binding": binding_view(binding)}, status=201)


@routes.delete("/bindings/{project_id}/{pod_id}")
async def delete_binding(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:bindings:write", context_of(request))
    project_id, pod_id = request.match_info["project_id"], request.match_info["pod_id"]
    if not await services.bindings.unbind(project_id, pod_id):
        raise not_found(f"Project {project_id} is not bound to pod {pod_id}.")
    return web.Response(status=204)
