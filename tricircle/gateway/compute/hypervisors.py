"""``/os-hypervisors``: every pod's hypervisors as one list, with ids that do not collide.

From microversion 2.53 a hypervisor's id is its uuid, unique across pods, and a call
naming one goes to the pod that has it. Below 2.53 Nova's ids are integers, the same
numbers in every pod: the gateway gives each (pod, hypervisor) an integer of its own,
the id of a routing entry made the first time the hypervisor is listed, and maps it
both ways.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

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
_BAD_ID = re.compile(r"\D")


def _authorize(request: web.Request) -> None:
    services_of(request).policy.authorize("compute:hypervisors", context_of(request))


def _missing(hypervisor_id: str) -> ApiError:
    return not_found(f"Hypervisor with ID {hypervisor_id} could not be found.")


async def _enabled_pods(request: web.Request) -> list[PodInfo]:
    return [p for p in (await services_of(request).directory.pods()).values() if p.enabled]


async def _top_ids(request: web.Request, pod: PodInfo, bottom_ids: list[str]) -> dict[str, int]:
    """The gateway's integer id of each of the pod's hypervisors (made on first sight)."""
    routing = services_of(request).routing
    known = {
        e.bottom_id: e.id
        for e in await routing.page(resource_type=HYPERVISOR, pod_id=pod.id, limit=100_000)
    }
    for bottom_id in bottom_ids:
        if bottom_id not in known:
            entry = await routing.add("", HYPERVISOR, f"{pod.id}/{bottom_id}", pod.id, bottom_id)
            known[bottom_id] = entry.id
    return {bottom_id: known[bottom_id] for bottom_id in bottom_ids}


async def _renumbered(request: web.Request, pod: PodInfo, items: list[dict[str, Any]]) -> None:
    if version_of(request) >= UUID_IDS:
        return
    ids = await _top_ids(request, pod, [str(item["id"]) for item in items])
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
    if _BAD_ID.search(hypervisor_id) or len(hypervisor_id) > 18:
        raise _missing(hypervisor_id)
    entry = await services_of(request).routing.get(int(hypervisor_id))
    pod = await services_of(request).directory.get(entry.pod_id) if entry else None
    if entry is None or entry.resource_type != HYPERVISOR or pod is None:
        raise _missing(hypervisor_id)
    path = f"/os-hypervisors/{entry.bottom_id}{tail}"
    answer = await call_pod(request, pod, "GET", path, params=request.query or None)
    if not answer.ok:
        return relay(request, pod, answer)
    body = answer.json()
    shown = body.get("hypervisor") or (body.get("hypervisors") or [{}])[0]
    shown["id"] = entry.id
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
