"""Per-pod fault injection: latency, random 5xx errors, and going dark."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from tricircle.sim.http import SimError

Down = Literal["refuse", "hang"] | None


@dataclass(frozen=True)
class Faults:
    """What is wrong with a pod.

    latency: seconds added to every answer; error_rate: share of requests (0..1) that fail
    with 500 or 503 in the service's own error body; down: "refuse" stops the pod's listener
    (connection refused), "hang" accepts requests and never answers.
    """

    latency: float = 0.0
    error_rate: float = 0.0
    down: Down = None

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if self.down not in (None, "refuse", "hang"):
            raise ValueError('down must be None, "refuse" or "hang"')

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Faults:
        return cls(
            latency=float(body.get("latency", 0.0)),
            error_rate=float(body.get("error_rate", 0.0)),
            down=body.get("down") or None,
        )

    def to_json(self) -> dict[str, Any]:
        return {"latency": self.latency, "error_rate": self.error_rate, "down": self.down}


class FaultGate:
    """Applies a pod's current faults to each request; wakes hung requests on change."""

    def __init__(self) -> None:
        self.faults = Faults()
        self._changed = asyncio.Event()
        # "METHOD /path" of the latest requests as they arrive, before any fault, and how
        # many arrived in all: tests act at the moment a call reaches the pod rather than
        # after guessed sleeps
        self.arrivals: deque[str] = deque(maxlen=10_000)
        self.arrived = 0

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self._changed.set()
        self._changed = asyncio.Event()

    async def apply(self) -> None:
        while self.faults.down is not None:
            # "hang" never answers; a request that slipped in before "refuse" hangs as well,
            # since its connection is being torn down anyway.
            await self._changed.wait()
        faults = self.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if faults.error_rate and random.random() < faults.error_rate:
            if random.random() < 0.5:
                raise SimError(
                    503, "The server is currently unavailable. Please try again at a later time."
                )
            raise SimError(500, "Unexpected API Error.")

    def middleware(self) -> Callable:
        @web.middleware
        async def faults_middleware(request: web.Request, handler: Callable) -> web.StreamResponse:
            # A real service has the whole request before it is slow: a client that goes
            # away during the delay still gets its create done, as with a real pod.  Image
            # data (octet-stream) is left for its handler to stream: it may be gigabytes.
            if request.content_type != "application/octet-stream":
                await request.read()
            self.arrivals.append(f"{request.method} {request.path}")
            self.arrived += 1
            await self.apply()
            return await handler(request)

        return faults_middleware
