"""``/metrics`` of a gateway process on its own port, away from the APIs clients reach."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiohttp import web
from oslo_config import cfg
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import Metric

from tricircle.jobs.metrics import QUEUE_DEPTH
from tricircle.observe.pod_state import PodStateCollector
from tricircle.web.services import Services


class _Exposition:
    """The process-wide registry plus this gateway's pod states (several gateways can share a
    process in tests, so the collector is not registered globally)."""

    def __init__(self, pod_state: PodStateCollector) -> None:
        self._pod_state = pod_state

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from self._pod_state.collect()


def metrics_app(services: Services) -> web.Application:
    exposition = _Exposition(PodStateCollector(services.directory, services.pods.health))

    async def metrics(_request: web.Request) -> web.Response:
        # the queue is in the shared database: a gateway without a worker still shows it
        await QUEUE_DEPTH.refresh(services.db.engine)
        body = generate_latest(exposition)  # type: ignore[arg-type]
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


@asynccontextmanager
async def serve_metrics(
    conf: cfg.ConfigOpts, services: Services, *, offset: int = 0
) -> AsyncIterator[web.AppRunner | None]:
    """Serves /metrics on ``[gateway] metrics_port`` + `offset` (the process's number among
    ``[gateway] workers``, each its own scrape target) while entered; nothing at port 0."""
    if not conf.gateway.metrics_port:
        yield None
        return
    runner = web.AppRunner(metrics_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, conf.gateway.metrics_host, conf.gateway.metrics_port + offset).start()
    try:
        yield runner
    finally:
        await runner.cleanup()
