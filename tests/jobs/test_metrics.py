"""The /metrics view shows queue depth, pickup latency, run time and failures."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.jobs.helpers import eventually, quick, status_is
from tricircle.db.engine import Database
from tricircle.jobs.metrics import QUEUE_DEPTH, metrics_view
from tricircle.jobs.models import FAIL
from tricircle.jobs.policy import PermanentError
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import JobContext, Registry
from tricircle.jobs.worker import Worker


async def test_metrics_after_a_success_and_a_failure(sqlite_db: Database) -> None:
    db = sqlite_db
    handlers = Registry()

    @handlers.handler("metrics_probe")
    async def probe(ctx: JobContext) -> None:
        if ctx.job.resource_id == "bad":
            raise PermanentError("no")

    async with Worker(db, handlers, quick()):
        async with db.session.begin() as session:
            await enqueue(session, "metrics_probe", "thing", "good")
            bad = (await enqueue(session, "metrics_probe", "thing", "bad")).id
            await enqueue(session, "metrics_unhandled", "thing", "x")
        await eventually(lambda: status_is(db, bad, FAIL))
        await QUEUE_DEPTH.refresh(db.engine)

    app = web.Application()
    app.router.add_get("/metrics", metrics_view)
    async with TestClient(TestServer(app)) as client:
        text = await (await client.get("/metrics")).text()
    assert 'tricircle_jobs{status="new",type="metrics_unhandled"} 1.0' in text
    assert 'tricircle_jobs{status="fail",type="metrics_probe"} 1.0' in text
    assert 'tricircle_job_pickup_seconds_count{type="metrics_probe"}' in text
    assert 'tricircle_job_run_seconds_count{outcome="success",type="metrics_probe"}' in text
    assert 'tricircle_job_failures_total{reason="permanent",type="metrics_probe"} 1.0' in text
