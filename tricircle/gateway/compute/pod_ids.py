"""Integer ids of the gateway's own for what pods number from 1 each (hypervisors below
2.53, aggregates): the id of a routing entry made the first time the gateway sees the
pod's item, mapped both ways."""

from __future__ import annotations

import re

from aiohttp import web

from tricircle.pods.directory import PodInfo
from tricircle.web.services import services_of

_NOT_AN_ID = re.compile(r"\D")


async def top_ids(
    request: web.Request, kind: str, pod: PodInfo, bottom_ids: list[str]
) -> dict[str, int]:
    """The gateway's integer id of each of the pod's items of `kind` (made on first sight)."""
    routing = services_of(request).routing
    known = {
        e.bottom_id: e.id
        for e in await routing.page(resource_type=kind, pod_id=pod.id, limit=100_000)
    }
    for bottom_id in bottom_ids:
        if bottom_id not in known:
            entry = await routing.add("", kind, f"{pod.id}/{bottom_id}", pod.id, bottom_id)
            known[bottom_id] = entry.id
    return {bottom_id: known[bottom_id] for bottom_id in bottom_ids}


async def pod_item(request: web.Request, kind: str, top_id: str) -> tuple[PodInfo, str] | None:
    """The pod and its own id of the item the gateway numbers `top_id` (None: no such)."""
    if _NOT_AN_ID.search(top_id) or not top_id or len(top_id) > 18:
        return None
    services = services_of(request)
    entry = await services.routing.get(int(top_id))
    if entry is None or entry.resource_type != kind or entry.bottom_id is None:
        return None
    pod = await services.directory.get(entry.pod_id)
    return (pod, entry.bottom_id) if pod is not None else None


async def forget(request: web.Request, top_id: int) -> None:
    """The pod's item is gone: its number goes too."""
    await services_of(request).routing.remove(top_id)
