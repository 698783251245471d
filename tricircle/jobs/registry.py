"""Job handlers by type. A worker claims only the types it has handlers for."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass(frozen=True)
class JobInfo:
    """What a handler learns about its job: enough to find the current state."""

    id: str
    type: str
    resource_type: str
    resource_id: str
    project_id: str | None
    payload: dict[str, Any]
    attempt: int


@dataclass(frozen=True)
class JobContext:
    job: JobInfo
    # handlers open their own transactions and read the current state, never a
    # copy taken at enqueue time
    session: async_sessionmaker[AsyncSession]
    services: dict[str, Any]


# A handler returns None or a small JSON-able dict kept in the attempt log.
HandlerFn = Callable[[JobContext], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Handler:
    type: str
    fn: HandlerFn
    max_attempts: int | None = None
    timeout: float | None = None
    # run periodically: every worker keeps one such job scheduled this many seconds ahead
    every: float | None = None


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(
        self,
        job_type: str,
        fn: HandlerFn,
        *,
        max_attempts: int | None = None,
        timeout: float | None = None,
        every: float | None = None,
    ) -> None:
        if job_type in self._handlers:
            raise ValueError(f"job type {job_type!r} already has a handler")
        self._handlers[job_type] = Handler(job_type, fn, max_attempts, timeout, every)

    def handler(self, job_type: str, **options: Any) -> Callable[[HandlerFn], HandlerFn]:
        def decorate(fn: HandlerFn) -> HandlerFn:
            self.register(job_type, fn, **options)
            return fn

        return decorate

    def __getitem__(self, job_type: str) -> Handler:
        return self._handlers[job_type]

    def __contains__(self, job_type: object) -> bool:
        return job_type in self._handlers

    @property
    def types(self) -> list[str]:
        return sorted(self._handlers)

    def periodic(self) -> list[Handler]:
        return [h for h in self._handlers.values() if h.every]


# The process-wide registry: handler modules register here when imported.
registry = Registry()
handler = registry.handler


def load_modules(names: Iterable[str]) -> None:
    """Import handler modules so that they register themselves."""
    for name in names:
        importlib.import_module(name)
