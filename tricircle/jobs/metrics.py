"""Prometheus metrics of the job queue, and a /metrics view to mount.

Queue depth is read from the database (it is shared by every process), the
rest is counted by the worker that does the work.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tricircle.jobs.models import Job

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

PICKUP = Histogram(
    "tricircle_job_pickup_seconds",
    "From the time a job became due to the time a worker claimed it",
    ["type"],
    buckets=_LATENCY_BUCKETS,
)
RUN_TIME = Histogram(
    "tricircle_job_run_seconds",
    "Run time of one attempt",
    ["type", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
ATTEMPTS = Counter("tricircle_job_attempts", "Finished attempts by outcome", ["type", "outcome"])
FAILURES = Counter(
    "tricircle_job_failures", "Jobs that ended in fail, by cause", ["type", "reason"]
)
TAKEOVERS = Counter(
    "tricircle_job_takeovers", "Jobs taken over after their worker's lease ran out", ["type"]
)
RECONCILER = Counter(
    "tricircle_reconciler_findings", "Drift found by the reconciler", ["kind", "action"]
)


class QueueDepth(Collector):
    """Jobs by status and type as of the last refresh()."""

    def __init__(self) -> None:
        self._depth: dict[tuple[str, str], int] = {}

    async def refresh(self, engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Job.status, Job.type, func.count()).group_by(Job.status, Job.type)
            )
            # statuses that emptied must read 0, not keep their last value
            depth = dict.fromkeys(self._depth, 0)
            depth.update({(status, kind): count for status, kind, count in rows})
        self._depth = depth

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "tricircle_jobs", "Jobs in the database by status and type", labels=["status", "type"]
        )
        for (status, kind), count in sorted(self._depth.items()):
            gauge.add_metric([status, kind], count)
        yield gauge


QUEUE_DEPTH = QueueDepth()
REGISTRY.register(QUEUE_DEPTH)


async def metrics_view(
    _request: web.Request, registry: CollectorRegistry = REGISTRY
) -> web.Response:
    """aiohttp handler for GET /metrics."""
    body = generate_latest(registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
