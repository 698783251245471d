"""Observed pod health, per gateway process.

A pod's admin state (up/down/maintenance, in the database) says whether it should
be used; its health says whether it answers. Health is learned from every call the
gateway makes to a pod, whatever the service, and from a probe of every pod at a
fixed interval, so a pod that hangs is known within seconds even when no call goes
to it. A pod is marked down when `down_after` of its last twice `down_after` outcomes
failed (a pod that refuses or hangs within a few calls; one that fails every other
call too): lists answer for it from the routing table at once, writes to it fail at
once and new resources go elsewhere. `down_after` successes in a row bring it back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

from tricircle.pods.directory import PodInfo

LOG = logging.getLogger(__name__)
# Probes one pod: None when it answered, else why not.
Probe = Callable[[PodInfo], Awaitable[str | None]]


class PodHealth:
    def __init__(self, *, down_after: int = 3) -> None:
        self._down_after = down_after
        self._outcomes: dict[str, deque[bool]] = {}  # pod id -> its last outcomes, True: failed
        self._down: dict[str, str] = {}  # pod id -> why

    def _record(self, pod_id: str, failed: bool) -> deque[bool]:
        outcomes = self._outcomes.get(pod_id)
        if outcomes is None:
            outcomes = self._outcomes[pod_id] = deque(maxlen=2 * self._down_after)
        outcomes.append(failed)
        return outcomes

    def is_down(self, pod_id: str) -> bool:
        return pod_id in self._down

    def reason(self, pod_id: str) -> str | None:
        return self._down.get(pod_id)

    def answered(self, pod: PodInfo) -> None:
        outcomes = self._record(pod.id, False)
        if pod.id not in self._down:
            return
        recent = list(outcomes)[-self._down_after :]
        if len(recent) == self._down_after and not any(recent):
            del self._down[pod.id]
            LOG.info("pod %s answers again", pod.name)

    def failed(self, pod: PodInfo, reason: str) -> None:
        outcomes = self._record(pod.id, True)
        if pod.id in self._down:
            self._down[pod.id] = reason  # the latest reason is the one to tell
        elif sum(outcomes) >= self._down_after:
            self._down[pod.id] = reason
            LOG.warning("pod %s marked down: %s", pod.name, reason)

    async def watch(
        self, pods: Callable[[], Awaitable[Mapping[str, PodInfo]]], probe: Probe, interval: float
    ) -> None:
        """Probes every enabled pod every `interval` seconds, until cancelled."""
        while True:
            enabled = [pod for pod in (await pods()).values() if pod.enabled]
            outcomes = await asyncio.gather(*(probe(pod) for pod in enabled))
            for pod, failure in zip(enabled, outcomes, strict=True):
                if failure is None:
                    self.answered(pod)
                else:
                    self.failed(pod, failure)
            await asyncio.sleep(interval)
