"""``/v1.0/images/{id}/copies``: which pods hold a copy of a top image, how far each got;
copies asked for or dropped by an admin; images already in pods adopted into the top."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.gateway.image import glances_of
from tricircle.images.adopt import AdoptionRefused, adopt
from tricircle.images.copies import CopyStore
from tricircle.images.glances import GlanceRefused, Glances
from tricircle.images.models import ImageCopy
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request, conflict, not_found
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import NAME, Schema, wrapped

routes = web.RouteTableDef()

_PLACES = {
    "pods": {"type": "array", "items": NAME, "maxItems": 1000},
    "availability_zones": {"type": "array", "items": NAME, "maxItems": 1000},
}
CREATE = wrapped("copies", _PLACES)
ADOPT = wrapped("adoption", {"pods": _PLACES["pods"]})


def copy_view(copy: ImageCopy, pods: dict[str, PodInfo]) -> dict[str, Any]:
    pod = pods.get(copy.pod_id)
    return {
        "image_id": copy.image_id,
        "pod_id": copy.pod_id,
        "pod_name": pod.name if pod else None,
        "availability_zone": pod.az_name if pod else None,
        "state": copy.state,
        "copied_bytes": copy.copied_bytes,
        "size": copy.size,
        "last_error": copy.last_error,
        "created_at": copy.created_at.isoformat(),
        "updated_at": copy.updated_at.isoformat(),
    }


def _glances(request: web.Request, rule: str) -> Glances:
    """The deployment's Glances, once policy allows `rule`; 404 without a top Glance."""
    services_of(request).policy.authorize(rule, context_of(request))
    glances = glances_of(request)
    if glances is None:
        raise not_found("This deployment has no top Glance: images are the pods' own.")
    return glances


async def _listed(request: web.Request, image_id: str) -> web.Response:
    services = services_of(request)
    pods = await services.directory.pods()
    copies = await CopyStore(services.db).of_image(image_id)
    return json_response({"copies": [copy_view(c, pods) for c in copies]})


async def _places(request: web.Request, schema: Schema, key: str) -> dict[str, Any]:
    """The body's pods and AZs, checked against `schema` (``{key: {...}}``)."""
    body = await read_json(request)
    schema.validate(body)
    return body[key]


async def _chosen_pods(request: web.Request, places: dict[str, Any]) -> list[PodInfo]:
    """The pods named (by id or name) and those of the AZs named; every pod if neither."""
    pods = list((await services_of(request).directory.pods()).values())
    named, zones = places.get("pods"), places.get("availability_zones")
    if named is None and zones is None:
        return pods
    chosen = []
    for ref in named or []:
        pod = next((p for p in pods if ref in (p.id, p.name)), None)
        if pod is None:
            raise bad_request(f"Pod {ref} could not be found.")
        chosen.append(pod)
    for zone in zones or []:
        in_zone = [p for p in pods if p.az_name == zone]
        if not in_zone:
            raise bad_request(f"Availability zone {zone} has no pod.")
        chosen.extend(in_zone)
    return list({p.id: p for p in chosen}.values())


@routes.get("/images/{image_id}/copies")
async def list_copies(request: web.Request) -> web.Response:
    _glances(request, "tricircle:images:read")
    return await _listed(request, request.match_info["image_id"])


@routes.post("/images/{image_id}/copies")
async def make_copies(request: web.Request) -> web.Response:
    glances = _glances(request, "tricircle:images:write")
    places = await _places(request, CREATE, "copies")
    image_id = request.match_info["image_id"]
    image = await glances.top_image(image_id)
    if image is None:
        raise not_found(f"Image {image_id} could not be found at the top.")
    if image["status"] not in ("active", "deactivated"):
        raise conflict(f"Image {image_id} is {image['status']}: it has no data to copy yet.")
    copies = CopyStore(services_of(request).db)
    for pod in await _chosen_pods(request, places):
        await copies.request(image_id, pod.id, image.get("owner"), image.get("size"))
    answer = await _listed(request, image_id)
    answer.set_status(202)
    return answer


@routes.delete("/images/{image_id}/copies/{pod_id}")
async def drop_copy(request: web.Request) -> web.Response:
    glances = _glances(request, "tricircle:images:write")
    image_id, pod_id = request.match_info["image_id"], request.match_info["pod_id"]
    services = services_of(request)
    copies = CopyStore(services.db)
    pod = await services.directory.get(pod_id)
    if pod is None or await copies.get(image_id, pod_id) is None:
        raise not_found(f"Image {image_id} has no copy in pod {pod_id}.")
    try:
        here = await glances.pod_image(pod, image_id)
        if here is not None:
            await glances.pod_delete(pod, here)
    except GlanceRefused as exc:
        raise _refused(exc) from None
    await copies.forget(image_id, pod_id)
    return web.Response(status=204)


@routes.post("/images/{image_id}/adoption")
async def adopt_image(request: web.Request) -> web.Response:
    glances = _glances(request, "tricircle:images:write")
    places = await _places(request, ADOPT, "adoption")
    copies = CopyStore(services_of(request).db)
    image_id = request.match_info["image_id"]
    try:
        held = await adopt(glances, copies, image_id, await _chosen_pods(request, places))
    except AdoptionRefused as exc:
        raise (conflict(str(exc)) if exc.found else not_found(str(exc))) from None
    except GlanceRefused as exc:
        raise _refused(exc) from None
    # the copies are recorded once the bytes are at the top (GET .../copies)
    adoption = {"image_id": image_id, "pods": [pod.name for pod in held]}
    return json_response({"adoption": adoption}, status=202)


def _refused(exc: GlanceRefused) -> ApiError:
    """A Glance said no to the gateway's own call: the admin hears which and why."""
    return ApiError(409 if exc.answer.status == 409 else 502, str(exc))
