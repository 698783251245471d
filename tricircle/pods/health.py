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
from collections.abc import Awaitable, Callable

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
