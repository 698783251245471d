"""Bottom copies of what the top owns (flavors, key pairs, volume types, ...).

One copier per resource type knows how to find a copy in a pod and how to make
one; `ensure_copy` is the one road every type takes: the routing table first
(the copy is known), then the pod itself (an interrupted earlier attempt may have
made it without recording it), and only then a new copy, recorded with its bottom id.
"""

from __future__ import annotations

import logging
from typing import Any, Generic, Protocol, TypeVar

from aiohttp import web

from tricircle.pods.client import PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError
from tricircle.web.services import context_of, services_of

LOG = logging.getLogger(__name__)
T = TypeVar("T", contravariant=True)


class Copier(Protocol, Generic[T]):
    resource_type: str  # its type in the routing table

    def top_id(self, request: web.Request, item: T) -> str: ...

    async def find(self, request: web.Request, pod: PodInfo, item: T) -> str | None:
        """The bottom id of a copy already in the pod, or None."""
        ...

    async def create(self, request: web.Request, pod: PodInfo, item: T) -> str:
        """Makes the copy; returns its bottom id."""
        ...

    async def delete(self, request: web.Request, pod: PodInfo, bottom_id: str) -> PodResponse:
        """Deletes the copy (for the top's delete)."""
        ...


async def ensure_copy(request: web.Request, pod: PodInfo, copier: Copier[Any], item: Any) -> str:
    """The bottom id of `item`'s copy in `pod`, made if missing."""
    services, context = services_of(request), context_of(request)
    top_id = copier.top_id(request, item)
    entry = await services.routing.in_pod(copier.resource_type, top_id, pod.id)
    if entry is not None and entry.bottom_id is not None:
        return entry.bottom_id
    bottom_id = await copier.find(request, pod, item)
    if bottom_id is None:
        bottom_id = await copier.create(request, pod, item)
    await services.routing.add(
        context.project_id or "", copier.resource_type, top_id, pod.id, bottom_id
    )
    return bottom_id


async def drop_copies(request: web.Request, copier: Copier[Any], top_id: str) -> None:
    """Deletes the pods' copies of a top resource being deleted; a pod that is down
    keeps its copy (unused, harmless) and its routing entry says where it is."""
    services = services_of(request)
    for entry in await services.routing.find(copier.resource_type, top_id):
        pod = await services.directory.get(entry.pod_id)
        if pod is None or entry.bottom_id is None:
            continue
        try:
            answer = await copier.delete(request, pod, entry.bottom_id)
        except (PodUnavailable, ApiError) as exc:
            LOG.warning(
                "keeping the copy of %s %s in pod %s: %s",
                copier.resource_type,
                top_id,
                pod.name,
                exc,
            )
            continue
        if answer.ok or answer.status == 404:
            await services.routing.remove(entry.id)


class CopyFailed(ApiError):
    """The pod refused to take a copy: the client's call cannot go on there (it may
    elsewhere: nothing the client asked for was made yet)."""


def copy_failed(pod: PodInfo, what: str, answer: PodResponse) -> CopyFailed:
    LOG.warning("pod %s refused to %s: %s %s", pod.name, what, answer.status, answer.body[:500])
    return CopyFailed(
        502 if answer.status < 500 else 503, f"Pod {pod.name} in {pod.az_name} could not {what}."
    )
