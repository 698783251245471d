"""An in-memory snapshot of the pods, so routed calls don't read the pods table each time.

Gateway processes share nothing but the database: each refreshes its snapshot
every few seconds and right after its own admin writes.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from tricircle.db.models import Pod
from tricircle.pods.health import PodHealth
from tricircle.pods.registry import PodRegistry


@dataclass(frozen=True, slots=True)
class PodInfo:
    id: str
    name: str
    region_name: str
    az_name: str
    state: str
    endpoints: dict[str, str] = field(hash=False)
    capabilities: dict[str, Any] = field(hash=False)

    @classmethod
    def of(cls, pod: Pod) -> PodInfo:
        return cls(
            id=pod.id,
            name=pod.name,
            region_name=pod.region_name,
            az_name=pod.az_name,
            state=pod.state,
            endpoints=dict(pod.endpoints or {}),
            capabilities=dict(pod.capabilities or {}),
        )

    @property
    def enabled(self) -> bool:
        return self.state == "up"


class PodDirectory:
    def __init__(self, registry: PodRegistry, *, max_age: float = 5.0) -> None:
        self._registry = registry
        self._max_age = max_age
        self._pods: dict[str, PodInfo] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self.health = PodHealth()  # observed, unlike the admin state in `PodInfo.state`

    async def pods(self) -> dict[str, PodInfo]:
        if time.monotonic() - self._loaded_at > self._max_age:
            await self.refresh()
        return self._pods

    async def get(self, pod_id: str) -> PodInfo | None:
        pods = await self.pods()
        if pod_id not in pods:
            await self.refresh()  # created by another gateway process since our last look
        return self._pods.get(pod_id)

    async def refresh(self) -> None:
        async with self._lock:
            self._pods = {pod.id: PodInfo.of(pod) for pod in await self._registry.all()}
            self._loaded_at = time.monotonic()
