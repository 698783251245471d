"""``/os-aggregates`` (admins): every pod's host aggregates, with ids that do not collide.

An aggregate groups hosts, and a host belongs to one pod, so an aggregate lives in one
pod. Its pod numbers it from 1 as every pod does: the gateway gives it an integer id of
its own (kept in the routing table, as for hypervisors) and maps it both ways. A create
goes to the pod of the availability zone it names; an AZ of several pods (or none)
cannot say which pod's hosts the aggregate is for, and is refused.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.pod_ids import forget, pod_item, top_ids
from tricircle.kit.calls import call_pod, relay
from tricircle.kit.fanout import ask_each
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.unrouted import not_found_response
from tricircle.web.errors import bad_request, not_found
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()
AGGREGATE = "aggregate"


def _authorize(request: web.Request) -> None:
    services_of(request).policy.authorize("compute:aggregates", context_of(request))


async def _numbered(
    request: web.Request, pod: PodInfo, answer: PodResponse, key: str
) -> web.Response:
    """The pod's answer with its aggregates' ids replaced by the gateway's."""
    if not answer.ok or not answer.body:
        return relay(request, pod, answer)
    body = json.loads(relay(request, pod, answer).body)
    found = body[key] if isinstance(body[key], list) else [body[key]]
    ids = await top_ids(request, AGGREGATE, pod, [str(a["id"]) for a in found])
    for aggregate in found:
        aggregate["id"] = ids[str(aggregate["id"])]
    return json_response(body, status=answer.status)


@routes.get("/v2.1/os-aggregates")
async def list_aggregates(request: web.Request) -> web.Response:
    _authorize(request)
    pods = [p for p in (await services_of(request).directory.pods()).values() if p.enabled]
    joined: list[dict[str, Any]] = []
    for pod, answer in await ask_each(request, pods, "/os-aggregates"):
        if answer is None:
            continue  # its aggregates are missing until it answers again
        numbered = await _numbered(request, pod, answer, "aggregates")
        if numbered.status != 200:
            return numbered
        joined.extend(json.loads(numbered.body)["aggregates"])
    return json_response({"aggregates": joined})


@routes.post("/v2.1/os-aggregates")
async def create_aggregate(request: web.Request) -> web.Response:
    _authorize(request)
    body = await read_json(request)
    wanted = body.get("aggregate") if isinstance(body, dict) else None
    az = wanted.get("availability_zone") if isinstance(wanted, dict) else None
    pods = [p for p in (await services_of(request).directory.pods()).values() if p.enabled]
    if len(pods) > 1:
        pods = [p for p in pods if p.az_name == az]
    if len(pods) != 1:
        raise bad_request(
            "An aggregate's hosts are those of one pod: name the availability_zone of one "
            "pod (aggregates of an availability zone of several pods are made in each pod)."
        )
    answer = await call_pod(request, pods[0], "POST", "/os-aggregates", json=body)
    return await _numbered(request, pods[0], answer, "aggregate")


async def _routed(request: web.Request, tail: str, key: str) -> web.Response:
    aggregate_id = request.match_info["aggregate_id"]
    _authorize(request)
    found = await pod_item(request, AGGREGATE, aggregate_id)
    if found is None:
        raise not_found(f"Aggregate {aggregate_id} could not be found.")
    pod, bottom_id = found
    body = await read_json(request) if request.can_read_body else None
    path = f"/os-aggregates/{bottom_id}{tail}"
    answer = await call_pod(request, pod, request.method, path, json=body)
    if request.method == "DELETE" and answer.ok:
        await forget(request, int(aggregate_id))
    if answer.status == 404 and request.method == "GET" and not tail:
        await forget(request, int(aggregate_id))  # deleted in the pod itself
    return await _numbered(request, pod, answer, key)


@routes.route("*", "/v2.1/os-aggregates/{aggregate_id}")
async def aggregate(request: web.Request) -> web.Response:
    if request.method not in ("GET", "PUT", "DELETE"):
        return not_found_response(request)  # Nova's router has no such route
    return await _routed(request, "", "aggregate")


@routes.post("/v2.1/os-aggregates/{aggregate_id}/action")
async def aggregate_action(request: web.Request) -> web.Response:
    return await _routed(request, "/action", "aggregate")


@routes.post("/v2.1/os-aggregates/{aggregate_id}/images")
async def aggregate_images(request: web.Request) -> web.Response:
    """Image caching (2.81): the pod answers 202 without a body."""
    return await _routed(request, "/images", "aggregate")
