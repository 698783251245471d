"""Observed pod health, per gateway process.

A pod's admin state (up/down/maintenance, in the database) says whether it should
be used; its health says whether it answers. Health is learned from the calls the
gateway makes anyway: a few consecutive failures mark a pod down, so lists stop
waiting for it and writes to it fail at once. A background probe of the pod's
version document brings it back without anyone having to call it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp

from tricircle.gateway.errors import ApiError
from tricircle.pods.discovery import service_root

if TYPE_CHECKING:
    from tricircle.gateway.state import Services
    from tricircle.pods.directory import PodInfo

LOG = logging.getLogger(__name__)
Probe = Callable[[], Awaitable[bool]]


class PodHealth:
    def __init__(self) -> None:
        self._failures: dict[str, int] = {}
        self._down: dict[str, str] = {}  # pod id -> why

    def is_down(self, pod_id: str) -> bool:
        return pod_id in self._down

    def reason(self, pod_id: str) -> str | None:
        return self._down.get(pod_id)

    def answered(self, pod_id: str) -> None:
        self._failures.pop(pod_id, None)
        if self._down.pop(pod_id, None) is not None:
            LOG.info("pod %s answers again", pod_id)

    def failed(self, pod_id: str, reason: str, threshold: int) -> bool:
        """Counts a failure; True when it is the one that marks the pod down."""
        count = self._failures[pod_id] = self._failures.get(pod_id, 0) + 1
        if count < threshold or pod_id in self._down:
            return False
        self._down[pod_id] = reason
        return True

    async def watch(self, pod_id: str, probe: Probe, interval: float) -> None:
        """Probes a down pod until it answers."""
        while self.is_down(pod_id):
            await asyncio.sleep(interval)
            if await probe():
                self.answered(pod_id)


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
