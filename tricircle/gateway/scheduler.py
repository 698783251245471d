"""Choosing the pod for a new server or volume."""

from __future__ import annotations

import random

from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request
from tricircle.web.services import Services


async def usable_pods(
    services: Services, project_id: str | None, az: str | None = None
) -> list[PodInfo]:
    """The pods (as this process sees them) that the project may use, in `az` if given."""
    allowed = {pod.id for pod in await services.registry.usable(project_id or "", az)}
    return [p for p in (await services.directory.pods()).values() if p.id in allowed]


async def choose_pod(
    services: Services, project_id: str, az: str | None, resource_type: str
) -> PodInfo:
    """A pod of `az` (any, when None) that the project may use and that is up.

    Among several, the one holding the fewest resources of the type, so load spreads.
    """
    pods = await usable_pods(services, project_id, az)
    if not pods:
        if az is not None:
            raise bad_request("The requested availability zone is not available")
        raise ApiError(503, "No pod is available to this project.")
    health = services.directory.health
    up = [p for p in pods if p.enabled and not health.is_down(p.id)]
    if not up:
        names = ", ".join(sorted(p.name for p in pods))
        raise ApiError(503, f"No pod of availability zone {az or '(any)'} is up: {names}.")
    load = await services.routing.count_by_pod(resource_type)
    fewest = min(load.get(p.id, 0) for p in up)
    return random.choice([p for p in up if load.get(p.id, 0) == fewest])
