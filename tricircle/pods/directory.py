"""An in-memory snapshot of the pods, so routed calls don't read the pods table each time.

Gateway processes share nothing but the database: each refreshes its snapshot
every few seconds and right after its own admin writes. A stale snapshot keeps
serving while the refresh runs in the background, so no call waits on the database
for it; what is derived from the pods (the microversion range) is computed once per
snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tricircle.db.models import Pod
from tricircle.pods.registry import PodRegistry

LOG = logging.getLogger(__name__)
T = TypeVar("T")


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
        self._derived: dict[Callable[..., Any], Any] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None

    async def pods(self) -> dict[str, PodInfo]:
        if time.monotonic() - self._loaded_at > self._max_age:
            if self._loaded_at == float("-inf"):
                await self.refresh()
            elif self._refreshing is None:
                self._refreshing = asyncio.create_task(self._refresh_in_background())
        return self._pods

    def snapshot(self) -> Mapping[str, PodInfo]:
        """The pods as last loaded, without waiting (for readers that cannot await)."""
        return self._pods

    async def get(self, pod_id: str) -> PodInfo | None:
        pods = await self.pods()
        if pod_id not in pods:
            await self.refresh()  # created by another gateway process since our last look
        return self._pods.get(pod_id)

    async def derived(self, compute: Callable[[Mapping[str, PodInfo]], T]) -> T:
        """`compute(pods)`, computed once per snapshot (`compute` is the cache key)."""
        pods = await self.pods()
        if compute not in self._derived:
            self._derived[compute] = compute(pods)
        return self._derived[compute]

    async def refresh(self) -> None:
        async with self._lock:
            pods = {pod.id: PodInfo.of(pod) for pod in await self._registry.all()}
            # both at once: what is derived always belongs to the snapshot served
            self._pods, self._derived = pods, {}
            self._loaded_at = time.monotonic()

    async def _refresh_in_background(self) -> None:
        try:
            await self.refresh()
        except Exception:
            LOG.exception("could not refresh the pod snapshot; serving the previous one")
        finally:
            self._refreshing = None

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)
