"""Choosing the pod for a new server or volume."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from tricircle.kit.copies import CopyFailed
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request
from tricircle.web.services import Services

LOG = logging.getLogger(__name__)
T = TypeVar("T")
# A project's resources that must share a pod to work together (a volume attaches only to
# a server of its own pod): in an AZ of several pods, they go where the project has them.
TOGETHER = ("server", "volume")


async def usable_pods(
    services: Services, project_id: str | None, az: str | None = None
) -> list[PodInfo]:
    """The pods (as this process sees them) that the project may use, in `az` if given."""
    allowed = {pod.id for pod in await services.registry.usable(project_id or "", az)}
    return [p for p in (await services.directory.pods()).values() if p.id in allowed]


async def choose_pod(
    services: Services,
    project_id: str,
    az: str | None,
    resource_type: str,
    *,
    excluded: Collection[str] = (),
) -> PodInfo:
    """A pod of `az` (any, when None) that the project may use and that is up.

    Among several, the pods that already hold the project's servers or volumes come
    first, so what the project makes in an AZ can be used together; then the one
    holding the fewest resources of the type, so projects spread over the pods.
    """
    pods = await usable_pods(services, project_id, az)
    if not pods:
        if az is not None:
            raise bad_request("The requested availability zone is not available")
        raise ApiError(503, "No pod is available to this project.")
    health = services.pods.health
    up = [p for p in pods if p.enabled and not health.is_down(p.id) and p.id not in excluded]
    if not up:
        names = ", ".join(sorted(p.name for p in pods))
        raise ApiError(503, f"No pod of availability zone {az or '(any)'} is up: {names}.")
    home = await services.routing.pods_holding(TOGETHER, project_id)
    up = [p for p in up if p.id in home] or up
    load = await services.routing.count_by_pod(resource_type)
    fewest = min(load.get(p.id, 0) for p in up)
    return random.choice([p for p in up if load.get(p.id, 0) == fewest])


async def create_in_az(
    services: Services,
    project_id: str,
    az: str | None,
    resource_type: str,
    create: Callable[[PodInfo], Awaitable[T]],
) -> T:
    """`create(pod)` in a pod of the AZ; a pod that surely did not act on it (it could
    not be reached, refused a copy, or answered that it is unavailable) is passed over
    for the next one. A create that reached its pod and got no answer is not repeated
    elsewhere: the pod may have acted on it (the mark and the reconciler settle it),
    so the client gets the error."""
    tried: set[str] = set()
    while True:
        pod = await choose_pod(services, project_id, az, resource_type, excluded=tried)
        try:
            return await create(pod)
        except PodUnavailable as exc:
            if exc.sent:
                raise
            LOG.warning("create in pod %s not taken (%s); trying another", pod.name, exc.reason)
        except CopyFailed as exc:
            LOG.warning("create in pod %s not taken (%s); trying another", pod.name, exc.message)
        tried.add(pod.id)
