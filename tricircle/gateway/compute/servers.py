"""``/servers``: created in the pod of the requested AZ, then routed by the routing table."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from aiohttp import web
from cachetools import TTLCache

from tricircle.gateway.compute.flavors import visible_flavor
from tricircle.gateway.compute.forward import pod_headers, relay
from tricircle.gateway.compute.provisioning import (
    ensure_flavor,
    ensure_keypair,
    find_keypair,
    resolve_image,
)
from tricircle.gateway.pod_health import ensure_up, pod_answered, pod_failed
from tricircle.gateway.scheduler import choose_pod
from tricircle.jobs.queue import mark_deleted
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.pods.routing import SERVER
from tricircle.web.errors import ApiError, bad_request, not_found
from tricircle.web.http import read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import string, wrapped

LOG = logging.getLogger(__name__)
routes = web.RouteTableDef()

_REF = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255}
# Only what the gateway itself reads is checked here; the pod's Nova validates the rest.
_COUNT = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1}
CREATE = wrapped(
    "server",
    {
        "name": string(255, 1),
        "flavorRef": _REF,
        "imageRef": {"type": "string", "maxLength": 255},
        "availability_zone": string(255, 1),
        "key_name": string(255, 1),
        "metadata": {"type": "object", "additionalProperties": string(255)},
        "min_count": _COUNT,
        "max_count": _COUNT,
        "networks": {"oneOf": [{"enum": ["auto", "none"]}, {"type": "array"}]},
    },
    ("name", "flavorRef"),
    strict=False,
)


# (scope, server id) -> (routing entry id, pod id): a server never moves, so routed calls
# need no database read; the TTL bounds what a delete through another process leaves behind.
_ROUTES: TTLCache[tuple[str | None, str], tuple[int, str]] = TTLCache(100_000, 60.0)


async def _find_pod(request: web.Request, server_id: str) -> tuple[int, PodInfo]:
    services, context = services_of(request), context_of(request)
    # admins reach any project's server by id, as in Nova
    scope = None if context.is_admin else context.project_id
    route = _ROUTES.get((scope, server_id))
    if route is None:
        entries = await services.routing.find(SERVER, server_id, scope)
        if entries:
            route = _ROUTES[(scope, server_id)] = (entries[0].id, entries[0].pod_id)
    pod = await services.directory.get(route[1]) if route else None
    if route is None or pod is None:
        raise not_found(f"Instance {server_id} could not be found.")
    return route[0], pod


def _forget_route(request: web.Request, server_id: str) -> None:
    context = context_of(request)
    _ROUTES.pop((None if context.is_admin else context.project_id, server_id), None)


@routes.post("/v2.1/servers")
async def create_server(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    body = await read_json(request)
    CREATE.validate(body)
    server: dict[str, Any] = dict(body["server"])
    flavor_ref = str(server["flavorRef"]).rstrip("/").rsplit("/", 1)[-1]
    try:
        flavor = await visible_flavor(request, flavor_ref)
    except ApiError:
        raise bad_request(f"Flavor {flavor_ref} could not be found.") from None
    # the pod gets the AZ too: Nova pins a server to the AZ it was asked for (2.96)
    az = server.get("availability_zone")
    pod = await choose_pod(services, context.project_id or "", az, SERVER)
    # checks that only read come first, so a bad request leaves nothing behind in the pod
    if server.get("imageRef"):
        server["imageRef"] = await resolve_image(request, pod, server["imageRef"])
    keypair = await find_keypair(request, server["key_name"]) if server.get("key_name") else None
    await ensure_flavor(request, pod, flavor)
    server["flavorRef"] = flavor.id
    # the mark lets the reconciler tell our servers from the pod's own
    server["metadata"] = {**(server.get("metadata") or {}), MARK_KEY: MARK_VALUE}
    if keypair is not None:
        await ensure_keypair(request, pod, keypair)
    answer = await services.pods.request(
        pod,
        "compute",
        "POST",
        "/servers",
        token=context.token,
        headers=pod_headers(request),
        json={**body, "server": server},
    )
    if answer.status == 202:
        await _record(request, pod, answer.json())
    return relay(request, pod, answer)


async def _record(request: web.Request, pod: PodInfo, created: dict[str, Any]) -> None:
    """Routes the new server(s); if that fails the server is deleted again, leaving no orphan."""
    services, context = services_of(request), context_of(request)
    if "server" in created:
        ids = [created["server"]["id"]]
    else:  # return_reservation_id: find the servers of the reservation
        ids = await _reservation(request, pod, created["reservation_id"])
    for server_id in ids:
        try:
            await services.routing.add(
                context.project_id or "", SERVER, server_id, pod.id, server_id
            )
        except Exception:
            LOG.exception("could not route server %s of pod %s; deleting it", server_id, pod.name)
            await services.pods.request(
                pod,
                "compute",
                "DELETE",
                f"/servers/{server_id}",
                token=context.token,
                headers=pod_headers(request),
            )
            raise


async def _reservation(request: web.Request, pod: PodInfo, reservation_id: str) -> list[str]:
    services, context = services_of(request), context_of(request)
    answer = await services.pods.request(
        pod,
        "compute",
        "GET",
        "/servers",
        token=context.token,
        headers=pod_headers(request),
        params={"reservation_id": reservation_id},
    )
    return [s["id"] for s in answer.json().get("servers", [])] if answer.ok else []


@routes.route("*", "/v2.1/servers/{server_id}")
async def server(request: web.Request) -> web.Response:
    if request.method not in ("GET", "PUT", "DELETE"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "PUT", "DELETE"])
    return await _routed(request, "")


@routes.route("*", "/v2.1/servers/{server_id}/{tail:.+}")
async def server_subresource(request: web.Request) -> web.Response:
    """Actions, metadata, ips, os-volume_attachments, os-interface, tags, ...: all pass through."""
    return await _routed(request, "/" + request.match_info["tail"])


async def _forwarded_body(request: web.Request, tail: str) -> bytes | None:
    """The body for the pod; replacing all metadata keeps the gateway's mark."""
    if not request.body_exists:
        return None
    raw = await request.read() or None
    if tail != "/metadata" or request.method != "PUT" or raw is None:
        return raw
    body = await read_json(request)
    if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
        body["metadata"][MARK_KEY] = MARK_VALUE
        return msgspec.json.encode(body)
    return raw  # not a metadata body: the pod answers with its own 400


async def _routed(request: web.Request, tail: str) -> web.Response:
    services, context = services_of(request), context_of(request)
    server_id = request.match_info["server_id"]
    entry_id, pod = await _find_pod(request, server_id)
    if request.method != "GET":
        ensure_up(services, pod)  # a write to a pod known down fails at once
    try:
        answer = await services.pods.request(
            pod,
            "compute",
            request.method,
            f"/servers/{server_id}{tail}",
            token=context.token,
            headers=pod_headers(request),
            params=request.query or None,
            body=await _forwarded_body(request, tail),
        )
    except PodUnavailable as exc:
        pod_failed(services, pod, str(exc))
        raise
    pod_answered(services, pod)
    if not tail and answer.status == 404:
        # the pod no longer has it (deleted behind our back): forget the stale route
        _forget_route(request, server_id)
        await services.routing.remove(entry_id)
    elif not tail and request.method == "DELETE" and answer.ok:
        _forget_route(request, server_id)
        # Nova deletes asynchronously: a cleanup job drops the route once the server is gone
        async with services.db.session.begin() as session:
            await mark_deleted(session, SERVER, server_id, project_id=context.project_id)
    return relay(request, pod, answer)
