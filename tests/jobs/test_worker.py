"""The worker in-process: outcomes, retries, serialisation per resource, shutdown, takeover."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter

from tests.jobs.helpers import attempts, eventually, job, quick, status_is
from tricircle.db.engine import Database
from tricircle.jobs import store
from tricircle.jobs.models import FAIL, NEW, SUCCESS, SUPERSEDED
from tricircle.jobs.policy import Backoff, PermanentError, RetryableError
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import JobContext, Registry
from tricircle.jobs.worker import Worker


async def _enqueue(db: Database, kind: str, resource: str = "r-1", **kwargs: object) -> str:
    async with db.session.begin() as session:
        return (await enqueue(session, kind, "thing", resource, **kwargs)).id


async def test_success_is_recorded_with_the_handlers_result(db: Database) -> None:
    handlers = Registry()
    seen: list[dict] = []

    @handlers.handler("echo")
    async def echo(ctx: JobContext) -> dict:
        seen.append(ctx.job.payload)
        return {"echoed": ctx.job.payload["x"]}

    async with Worker(db, handlers, quick()):
        job_id = await _enqueue(db, "echo", payload={"x": 7})
        await eventually(lambda: status_is(db, job_id, SUCCESS))
    log = await attempts(db, job_id)
    assert seen == [{"x": 7}]
    assert [(a.attempt, a.outcome, a.result) for a in log] == [(1, "success", {"echoed": 7})]
    assert (await job(db, job_id)).running_key is None


async def test_retryable_errors_back_off_then_succeed(db: Database) -> None:
    handlers = Registry()

    @handlers.handler("flaky")
    async def flaky(ctx: JobContext) -> None:
        if ctx.job.attempt < 3:
            raise RetryableError("pod busy")

    async with Worker(db, handlers, quick()):
        job_id = await _enqueue(db, "flaky")
        await eventually(lambda: status_is(db, job_id, SUCCESS))
    log = await attempts(db, job_id)
    assert [a.outcome for a in log] == ["retry", "retry", "success"]
    assert "pod busy" in log[0].error
    # base 0.05: the first retry waits 0.025-0.05 s, the second 0.05-0.1 s
    gaps = [(b.started_at - a.finished_at).total_seconds() for a, b in itertools.pairwise(log)]
    assert gaps[0] >= 0.025 and gaps[1] >= 0.05


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=60.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (30, 60)]:
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert min(delays) >= ceiling / 2 and max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not one value


async def test_permanent_error_fails_at_once_with_the_reason(db: Database) -> None:
    handlers = Registry()

    @handlers.handler("bad")
    async def bad(_ctx: JobContext) -> None:
        raise PermanentError("flavor m1.huge does not exist in pod2")

    async with Worker(db, handlers, quick()):
        job_id = await _enqueue(db, "bad")
        await eventually(lambda: status_is(db, job_id, FAIL))
    failed = await job(db, job_id)
    assert failed.attempts == 1 and "m1.huge" in failed.last_error
    assert failed.pending_key is None and failed.running_key is None


async def test_retries_stop_at_the_limit(db: Database) -> None:
    handlers = Registry()

    @handlers.handler("down", max_attempts=3)
    async def down(_ctx: JobContext) -> None:
        raise ConnectionRefusedError("pod1 unreachable")

    async with Worker(db, handlers, quick()):
        job_id = await _enqueue(db, "down")
        await eventually(lambda: status_is(db, job_id, FAIL))
    assert [a.outcome for a in await attempts(db, job_id)] == ["retry", "retry", "fail"]
    assert "ConnectionRefusedError" in (await job(db, job_id)).last_error


async def test_handler_timeout_is_retried(db: Database) -> None:
    handlers = Registry()

    @handlers.handler("slow", timeout=0.05, max_attempts=2)
    async def slow(_ctx: JobContext) -> None:
        await asyncio.sleep(5)

    async with Worker(db, handlers, quick()):
        job_id = await _enqueue(db, "slow")
        await eventually(lambda: status_is(db, job_id, FAIL))
    assert "timed out" in (await job(db, job_id)).last_error


async def test_one_job_per_resource_runs_and_a_burst_collapses(db: Database) -> None:
    handlers = Registry()
    gate = asyncio.Event()
    running: Counter[str] = Counter()
    runs: list[dict] = []

    @handlers.handler("sync")
    async def sync(ctx: JobContext) -> None:
        running[ctx.job.resource_id] += 1
        assert running[ctx.job.resource_id] == 1, "two jobs of one resource at once"
        runs.append(ctx.job.payload)
        await gate.wait()
        running[ctx.job.resource_id] -= 1

    async with Worker(db, handlers, quick()):
        first = await _enqueue(db, "sync", payload={"n": 0})
        await eventually(lambda: status_is(db, first, "running"))
        burst = {await _enqueue(db, "sync", payload={"n": n}) for n in range(1, 6)}
        assert len(burst) == 1
        second = burst.pop()
        await asyncio.sleep(0.2)  # the worker polls many times meanwhile
        assert (await job(db, second)).status == NEW
        gate.set()
        await eventually(lambda: status_is(db, second, SUCCESS))
    assert runs == [{"n": 0}, {"n": 5}]
    assert (await job(db, second)).requests == 5


async def test_retry_behind_a_newer_request_is_superseded(db: Database) -> None:
    handlers = Registry()
    gate = asyncio.Event()

    @handlers.handler("sync")
    async def sync(ctx: JobContext) -> None:
        if ctx.job.payload.get("first"):
            await gate.wait()
            raise RetryableError("pod timeout")

    async with Worker(db, handlers, quick()):
        first = await _enqueue(db, "sync", payload={"first": True})
        await eventually(lambda: status_is(db, first, "running"))
        newer = await _enqueue(db, "sync")
        gate.set()
        await eventually(lambda: status_is(db, newer, SUCCESS))
    assert (await job(db, first)).status == SUPERSEDED
    assert [a.outcome for a in await attempts(db, first)] == [SUPERSEDED]


async def test_shutdown_lets_short_jobs_finish(db: Database) -> None:
    handlers = Registry()

    @handlers.handler("short")
    async def short(_ctx: JobContext) -> None:
        await asyncio.sleep(0.2)

    worker = Worker(db, handlers, quick())
    await worker.start()
    job_id = await _enqueue(db, "short")
    await eventually(lambda: status_is(db, job_id, "running"))
    await worker.stop()
    assert (await job(db, job_id)).status == SUCCESS


async def test_shutdown_releases_jobs_that_outlast_it(db: Database) -> None:
    handlers = Registry()

    @handlers.handler("long")
    async def long(_ctx: JobContext) -> None:
        await asyncio.sleep(60)

    worker = Worker(db, handlers, quick(shutdown_timeout=0.1))
    await worker.start()
    job_id = await _enqueue(db, "long")
    await eventually(lambda: status_is(db, job_id, "running"))
    await worker.stop()
    released = await job(db, job_id)
    assert released.status == NEW and released.attempts == 0 and released.lease_owner is None
    assert [a.outcome for a in await attempts(db, job_id)] == ["released"]


async def test_a_dead_workers_job_is_taken_over_after_its_lease(db: Database) -> None:
    handlers = Registry()
    handlers.register("work", _noop)
    job_id = await _enqueue(db, "work")
    # a worker claims the job and dies: it never runs it nor renews the lease
    engine = store.worker_engine(db)
    [dead] = await store.claim(engine, db.backend, "dead", ["work"], 1, lease=0.3)
    assert dead.job.id == job_id and not dead.taken_over
    async with Worker(db, handlers, quick()):
        await eventually(lambda: status_is(db, job_id, SUCCESS))
    log = await attempts(db, job_id)
    assert [(a.worker == "dead", a.outcome) for a in log] == [
        (True, "lease_lost"),
        (False, "success"),
    ]
    # the dead worker's late report changes nothing
    assert not await store.finish(engine, dead.job, "dead", error="late")
    assert (await job(db, job_id)).status == SUCCESS


async def test_a_running_job_keeps_its_lease(db: Database, monkeypatch) -> None:
    """The lease is renewed while the job runs, however long: counted renewals, no clock."""
    handlers = Registry()
    finish = asyncio.Event()
    renewals: list[bool] = []
    renew = store.renew

    async def counted(*args, **kwargs) -> bool:
        renewals.append(await renew(*args, **kwargs))
        return renewals[-1]

    monkeypatch.setattr(store, "renew", counted)

    @handlers.handler("long")
    async def long(_ctx: JobContext) -> None:
        await finish.wait()

    # no polling: one claim, at the enqueue's wakeup, so a slow machine cannot make the
    # worker take its own job back; the renewals are counted, not timed
    async with Worker(db, handlers, quick(lease=0.3, poll_interval=3600)) as worker:
        job_id = await _enqueue(db, "long")
        await eventually(lambda: _at_least(renewals, 3))
        running = await job(db, job_id)
        assert running.status == "running" and running.lease_owner == worker.name
        finish.set()
        await eventually(lambda: status_is(db, job_id, SUCCESS))
    assert all(renewals)
    assert [a.outcome for a in await attempts(db, job_id)] == ["success"]


async def test_workers_claim_only_types_they_handle(db: Database) -> None:
    handlers = Registry()
    handlers.register("known", _noop)
    async with Worker(db, handlers, quick()):
        unknown = await _enqueue(db, "unknown")
        known = await _enqueue(db, "known")
        await eventually(lambda: status_is(db, known, SUCCESS))
    assert (await job(db, unknown)).status == NEW


async def test_periodic_jobs_keep_coming_from_many_workers(db: Database) -> None:
    handlers = Registry()
    runs: list[str] = []

    @handlers.handler("tick", every=0.1)
    async def tick(ctx: JobContext) -> None:
        runs.append(ctx.job.id)

    async with Worker(db, handlers, quick()), Worker(db, handlers, quick()):
        await eventually(lambda: _at_least(runs, 3))
    assert len(set(runs)) == len(runs)


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n


async def _noop(_ctx: JobContext) -> None:
    return None
