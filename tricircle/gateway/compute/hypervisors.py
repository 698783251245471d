"""``/os-hypervisors``: every pod's hypervisors as one list, with ids that do not collide.

From microversion 2.53 a hypervisor's id is its uuid, unique across pods, and a call
naming one goes to the pod that has it. Below 2.53 Nova's ids are integers, the same
numbers in every pod: the gateway gives each (pod, hypervisor) an integer of its own,
the id of a routing entry made the first time the hypervisor is listed, and maps it
both ways.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.gateway.compute.pod_ids import pod_item, top_ids
from tricircle.kit.calls import call_pod, relay, version_of
from tricircle.kit.fanout import ask_each
from tricircle.kit.microversions import Version
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, not_found
from tricircle.web.http import json_response
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()
HYPERVISOR = "hypervisor"
UUID_IDS = Version(2, 53)


def _authorize(request: web.Request) -> None:
    services_of(request).policy.authorize("compute:hypervisors", context_of(request))


def _missing(hypervisor_id: str) -> ApiError:
    return not_found(f"Hypervisor with ID {hypervisor_id} could not be found.")


async def _enabled_pods(request: web.Request) -> list[PodInfo]:
    return [p for p in (await services_of(request).directory.pods()).values() if p.enabled]


async def _renumbered(request: web.Request, pod: PodInfo, items: list[dict[str, Any]]) -> None:
    if version_of(request) >= UUID_IDS:
        return
    ids = await top_ids(request, HYPERVISOR, pod, [str(item["id"]) for item in items])
    for item in items:
        item["id"] = ids[str(item["id"])]


async def _joined(request: web.Request, path: str) -> web.Response:
    """Every pod's answer to `path`, their hypervisors in one list; a pod's 4xx is relayed."""
    _authorize(request)
    joined: list[dict[str, Any]] = []
    for pod, answer in await ask_each(
        request, await _enabled_pods(request), path, params=request.query
    ):
        if answer is None or answer.status == 404:
            continue  # a pod without such hypervisors, or one that did not answer
        if not answer.ok:
            return relay(request, pod, answer)
        found = answer.json()["hypervisors"]
        await _renumbered(request, pod, found)
        joined.extend(found)
    if not joined and path.endswith("/search"):
        raise not_found(f"No hypervisor matching {request.match_info['pattern']} could be found.")
    return json_response({"hypervisors": joined})


async def _routed(request: web.Request, hypervisor_id: str, tail: str) -> web.Response:
    """A call naming one hypervisor, in the pod that has it."""
    _authorize(request)
    if version_of(request) >= UUID_IDS:
        # uuids are unique: the pod that knows it answers
        for pod, answer in await ask_each(
            request, await _enabled_pods(request), f"/os-hypervisors/{hypervisor_id}{tail}",
            params=request.query,
        ):  # fmt: skip
            if answer is not None and answer.status != 404:
                return relay(request, pod, answer)
        raise _missing(hypervisor_id)
    found = await pod_item(request, HYPERVISOR, hypervisor_id)
    if found is None:
        raise _missing(hypervisor_id)
    pod, bottom_id = found
    path = f"/os-hypervisors/{bottom_id}{tail}"
    answer = await call_pod(request, pod, "GET", path, params=request.query or None)
    if not answer.ok:
        return relay(request, pod, answer)
    body = answer.json()
    shown = body.get("hypervisor") or (body.get("hypervisors") or [{}])[0]
    shown["id"] = int(hypervisor_id)
    return json_response(body)


@routes.get("/v2.1/os-hypervisors")
async def hypervisors(request: web.Request) -> web.Response:
    return await _joined(request, "/os-hypervisors")


@routes.get("/v2.1/os-hypervisors/detail")
async def hypervisors_detail(request: web.Request) -> web.Response:
    return await _joined(request, "/os-hypervisors/detail")


@routes.get("/v2.1/os-hypervisors/statistics")
async def statistics(request: web.Request) -> web.Response:
    """Nova's totals (until 2.88), summed over the pods."""
    _authorize(request)
    totals: dict[str, int] = {}
    pods = await _enabled_pods(request)
    for pod, answer in await ask_each(request, pods, "/os-hypervisors/statistics"):
        if answer is not None and not answer.ok:
            return relay(request, pod, answer)
        for name, value in (answer.json()["hypervisor_statistics"] if answer else {}).items():
            totals[name] = totals.get(name, 0) + value
    return json_response({"hypervisor_statistics": totals})


@routes.get("/v2.1/os-hypervisors/{pattern}/search")
async def search(request: web.Request) -> web.Response:
    return await _joined(request, f"/os-hypervisors/{request.match_info['pattern']}/search")


@routes.get("/v2.1/os-hypervisors/{hypervisor_id}")
async def show(request: web.Request) -> web.Response:
    return await _routed(request, request.match_info["hypervisor_id"], "")


@routes.get("/v2.1/os-hypervisors/{hypervisor_id}/{tail:uptime|servers}")
async def show_part(request: web.Request) -> web.Response:
    return await _routed(
        request, request.match_info["hypervisor_id"], f"/{request.match_info['tail']}"
    )
