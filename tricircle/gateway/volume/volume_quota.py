"""What volumes, snapshots and backups take of the project's quota, followed at the top
as Cinder counts it: a create reserves before it is forwarded and is committed into the
pod that took it; a delete its pod accepted gives the share back."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import msgspec
from aiohttp import web

from tricircle.gateway.volume.quotas import over_quota, project_limits, too_large
from tricircle.kit.calls import call_pod
from tricircle.kit.routed import ensure_up
from tricircle.quota.gate import quota_engine, reserved
from tricircle.quota.resources import VOLUME
from tricircle.top.volume_types import DEFAULT_TYPE, VolumeTypeStore
from tricircle.web.http import read_json
from tricircle.web.services import context_of, services_of

Handler = Callable[[web.Request], Awaitable[web.Response]]
# what a create is made from: its key in the body, the routing type and collection
_SOURCES = (("snapshot_id", "snapshot", "snapshots"), ("source_volid", "volume", "volumes"))


async def _shown(request: web.Request, resource_type: str, item_id: Any) -> dict[str, Any]:
    """The pod's view of a routed volume or snapshot of the caller's project; empty when
    it has none (the create's own checks then answer)."""
    if not isinstance(item_id, str):
        return {}
    entries = await services_of(request).routing.find(resource_type, item_id)
    if not entries or entries[0].project_id != context_of(request).project_id:
        return {}
    return await _pod_view(request, resource_type, entries[0])


async def _pod_view(request: web.Request, resource_type: str, entry: Any) -> dict[str, Any]:
    services = services_of(request)
    pod = await services.directory.get(entry.pod_id)
    if pod is None:
        return {}
    ensure_up(services, pod)  # a write on what a down pod holds fails fast, as unread
    path = f"/{resource_type}s/{quote(entry.top_id, safe='')}"
    answer = await call_pod(request, pod, "GET", path)
    return (answer.json() or {}).get(resource_type, {}) if answer.ok else {}


def _size(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


async def _type_name(request: web.Request, ref: Any, source: dict[str, Any]) -> str:
    """The name of the type the volume gets: the one asked for, its source's, or Cinder's
    default."""
    if isinstance(ref, str) and ref:
        store = VolumeTypeStore(services_of(request).db)
        found = await store.get(ref) or await store.by_name(ref)
        return found.name if found is not None else ref
    return source.get("volume_type") or DEFAULT_TYPE


async def _volume_share(request: web.Request, volume: dict[str, Any]) -> dict[str, int] | None:
    source: dict[str, Any] = {}
    for key, resource_type, _ in _SOURCES:
        if volume.get(key):
            source = await _shown(request, resource_type, volume[key])
    size = _size(volume.get("size")) or _size(source.get("size"))
    if size is None:
        return None  # Cinder's own 400 follows
    limit = (await project_limits(request, context_of(request).project_id or ""))[
        "per_volume_gigabytes"
    ]
    if 0 <= limit < size:
        raise too_large(size, limit)
    kind = await _type_name(request, volume.get("volume_type"), source)
    return {"gigabytes": size, f"gigabytes_{kind}": size, "volumes": 1, f"volumes_{kind}": 1}


async def _share(request: web.Request, singular: str) -> dict[str, int] | None:
    """What Cinder counts for the create in the request; None when the body does not say
    (the handler refuses it)."""
    body = await read_json(request)
    item = body.get(singular) if isinstance(body, dict) else None
    if not isinstance(item, dict):
        return None
    if singular == "volume":
        return await _volume_share(request, item)
    volume = await _shown(request, "volume", item.get("volume_id"))
    size = _size(volume.get("size"))
    if size is None:
        return None
    if singular == "backup":
        return {"backup_gigabytes": size, "backups": 1}
    kind = await _type_of(request, "volume", volume)
    return {"gigabytes": size, f"gigabytes_{kind}": size, "snapshots": 1, f"snapshots_{kind}": 1}


async def _pod_of(request: web.Request, resource_type: str, response: web.Response) -> str | None:
    """The pod that took a create: its new resource's route."""
    if not response.status < 300 or not isinstance(response.body, bytes):
        return None
    item = msgspec.json.decode(response.body).get(resource_type, {})
    entries = await services_of(request).routing.find(resource_type, item.get("id", ""))
    return entries[0].pod_id if entries else None


async def _type_of(request: web.Request, resource_type: str, shown: dict[str, Any]) -> str:
    """A volume's type, or a snapshot's (its volume's: Cinder shows none on a snapshot)."""
    if resource_type == "snapshot":
        shown = await _shown(request, "volume", shown.get("volume_id"))
    return shown.get("volume_type") or DEFAULT_TYPE


def reserving(singular: str) -> Callable[[Handler], Handler]:
    """The create handler of `singular` ("volume", "snapshot", "backup"), reserved."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def reserved_create(request: web.Request) -> web.Response:
            share = await _share(request, singular)
            if share is None:
                return await handler(request)
            async with reserved(request, VOLUME, share, over_quota) as claim:
                response = await handler(request)
                pod_id = await _pod_of(request, singular, response)
                if pod_id is not None:
                    claim.took(pod_id)
            return response

        return reserved_create

    return wrap


def freeing(resource_type: str, handler: Handler) -> Handler:
    """The handler of a volume, snapshot or backup by id: a delete its pod accepted gives
    the share back, in the pod and project of the resource. Other handlers as they are."""
    counted = {"volume": "volumes", "snapshot": "snapshots", "backup": "backups"}.get(resource_type)
    if counted is None:
        return handler

    @functools.wraps(handler)
    async def freed(request: web.Request) -> web.Response:
        if request.method != "DELETE":
            return await handler(request)
        entries = await services_of(request).routing.find(resource_type, request.match_info["id"])
        # what it holds is read before the delete: once accepted, the pod may drop it at once
        shown = await _pod_view(request, resource_type, entries[0]) if entries else {}
        size = _size(shown.get("size"))
        kind = await _type_of(request, resource_type, shown) if size is not None else ""
        response = await handler(request)
        if response.status == 202 and entries and size is not None:
            if resource_type == "backup":
                freed_share = {"backups": -1, "backup_gigabytes": -size}
            else:
                freed_share = {
                    counted: -1,
                    f"{counted}_{kind}": -1,
                    "gigabytes": -size,
                    f"gigabytes_{kind}": -size,
                }
            entry = entries[0]
            engine = quota_engine(request)
            await engine.change_usage(VOLUME, entry.project_id, entry.pod_id, freed_share)
        return response

    return freed
