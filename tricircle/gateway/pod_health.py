"""The gateway's side of pod health: feeding it from calls, probing, failing fast."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp

from tricircle.pods.directory import PodInfo
from tricircle.pods.discovery import service_root
from tricircle.web.errors import ApiError
from tricircle.web.services import Services

LOG = logging.getLogger(__name__)


def pod_answered(services: Services, pod: PodInfo) -> None:
    services.directory.health.answered(pod.id)


def pod_failed(services: Services, pod: PodInfo, reason: str) -> None:
    health = services.directory.health
    if health.failed(pod.id, reason, services.conf.pods.down_after_failures):
        LOG.warning("pod %s marked down: %s", pod.name, reason)
        services.background(_watch(services, pod))


def _watch(services: Services, pod: PodInfo) -> Coroutine[Any, Any, None]:
    url = service_root(pod.endpoints["compute"]) + "/"

    limit = aiohttp.ClientTimeout(total=services.conf.pods.list_timeout)

    async def probe() -> bool:
        try:
            async with services.http.get(url, timeout=limit) as answer:
                return answer.status < 500
        except (aiohttp.ClientError, TimeoutError):
            return False

    return services.directory.health.watch(pod.id, probe, services.conf.pods.probe_interval)


def ensure_up(services: Services, pod: PodInfo) -> None:
    """Fails fast when the pod is known not to answer."""
    reason = services.directory.health.reason(pod.id)
    if reason is not None:
        raise ApiError(503, f"Pod {pod.name} ({pod.region_name}) is unavailable: {reason}")
