"""Asking many pods at once, within bounds: a request never opens more than
``[pods] fanout_per_request`` calls at a time, nor the process more than
``[pods] fanout_total`` such calls, so one aggregated call over a hundred pods
cannot crowd out everything else."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from tricircle.kit.calls import call_pod
from tricircle.pods.client import PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.services import services_of

_TOTAL = web.AppKey("fanout_total", asyncio.Semaphore)


def install(app: web.Application, total: int) -> None:
    """Gives the gateway application its process-wide bound."""
    app[_TOTAL] = asyncio.Semaphore(total)


async def ask_each(
    request: web.Request, pods: Iterable[PodInfo], path: str, *, params: Any = None
) -> list[tuple[PodInfo, PodResponse | None]]:
    """GET `path` from each pod within the list timeout; None for a pod that did not answer."""
    services = services_of(request)
    mine = asyncio.Semaphore(services.conf.pods.fanout_per_request)
    total = request.config_dict[_TOTAL]
    timeout = services.conf.pods.list_timeout

    async def ask(pod: PodInfo) -> tuple[PodInfo, PodResponse | None]:
        async with mine, total:
            try:
                return pod, await call_pod(
                    request, pod, "GET", path, params=params, timeout=timeout
                )
            except PodUnavailable:
                return pod, None

    return list(await asyncio.gather(*(ask(pod) for pod in pods)))
