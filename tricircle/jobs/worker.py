"""The worker: claim due jobs, run their handlers under a renewed lease, record
how each attempt ended.

Any number of workers, in any number of processes and hosts, share the queue
through the database alone. A worker that dies stops renewing its leases;
once they run out another worker takes its jobs over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row

from tricircle.db.engine import Database
from tricircle.jobs import metrics, notify, store
from tricircle.jobs.policy import Backoff, RetryableError, describe, is_permanent
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import Handler, JobContext, JobInfo, Registry, registry

LOG = logging.getLogger(__name__)


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerSettings:
    concurrency: int = 8
    lease: float = 30.0  # seconds; renewed every lease/3
    poll_interval: float = 0.1  # without LISTEN/NOTIFY; ten times longer with it
    max_attempts: int = 8
    backoff: Backoff = field(default_factory=Backoff)
    shutdown_timeout: float = 10.0  # let running jobs finish this long, then release them
    metrics_interval: float = 10.0  # queue depth refresh


class Worker:
    def __init__(
        self,
        db: Database,
        handlers: Registry = registry,
        settings: WorkerSettings | None = None,
        *,
        name: str | None = None,
        services: dict[str, Any] | None = None,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.settings = settings or WorkerSettings()
        self.name = name or default_name()
        self.services = services or {}
        self._engine = store.worker_engine(db)
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[asyncio.Task[None], Row] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: notify.PostgresListener | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        notify.subscribe_local(self._wakeup)
        if self.db.backend == "postgresql":
            self._listener = notify.PostgresListener(self.db.url, self._wakeup)
            try:
                await self._listener.start()
            except Exception:  # the poll still finds the jobs, only later
                LOG.exception("LISTEN failed; polling only")
                self._listener = None
        self._tasks = [asyncio.create_task(self._claim_loop(), name=f"jobs-claim-{self.name}")]
        if self.handlers.periodic():
            self._tasks.append(asyncio.create_task(self._schedule_periodic()))
        self._tasks.append(asyncio.create_task(self._refresh_metrics()))

    async def stop(self) -> None:
        """Stop claiming, let running jobs finish for a while, release the rest."""
        # the loops see the flag at their next pause; cancelling them mid-statement
        # could leave a pooled connection behind
        self._stopping.set()
        self._wakeup.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        running = list(self._running)
        if running:
            _, pending = await asyncio.wait(running, timeout=self.settings.shutdown_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        notify.unsubscribe_local(self._wakeup)
        if self._listener is not None:
            await self._listener.close()

    async def __aenter__(self) -> Worker:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # -- claiming --------------------------------------------------------------

    def _poll_interval(self) -> float:
        listening = self._listener is not None and self._listener.alive
        return self.settings.poll_interval * (10 if listening else 1)

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            free = self.settings.concurrency - len(self._running)
            claimed: list[store.Claimed] = []
            if free > 0:
                try:
                    claimed = await store.claim(
                        self._engine,
                        self.db.backend,
                        self.name,
                        self.handlers.types,
                        free,
                        self.settings.lease,
                    )
                except Exception:
                    LOG.exception("claiming jobs failed")
            for item in claimed:
                self._observe_pickup(item)
                task = asyncio.create_task(self._run(item.job))
                self._running[task] = item.job
                task.add_done_callback(self._done)
            if claimed and len(claimed) == free:
                continue  # more may be due right now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._poll_interval())

    def _observe_pickup(self, item: store.Claimed) -> None:
        job = item.job
        if item.taken_over:
            metrics.TAKEOVERS.labels(job.type).inc()
            LOG.warning("job %s (%s) taken over after its lease ran out", job.id, job.type)
        elif job.started_at is not None:
            latency = (job.started_at - job.run_at).total_seconds()
            metrics.PICKUP.labels(job.type).observe(max(latency, 0.0))

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._wakeup.set()  # a slot is free

    # -- running ---------------------------------------------------------------

    async def _run(self, job: Row) -> None:
        handler = self.handlers[job.type]
        context = JobContext(
            job=JobInfo(
                id=job.id,
                type=job.type,
                resource_type=job.resource_type,
                resource_id=job.resource_id,
                project_id=job.project_id,
                payload=dict(job.payload or {}),
                attempt=job.attempts,
            ),
            session=self.db.session,
            services=self.services,
        )
        started = time.monotonic()
        attempt = asyncio.ensure_future(self._call(handler, context))
        try:
            lost = await self._hold_lease(job, attempt)
        except asyncio.CancelledError:
            # shutdown ran out of patience: give the job back for another worker
            attempt.cancel()
            with contextlib.suppress(BaseException):
                await attempt
            await store.requeue(self._engine, job, self.name, delay=0, outcome="released")
            LOG.info("job %s released at shutdown", job.id)
            raise
        if lost:
            LOG.warning("job %s: lease lost, another worker has it", job.id)
            return
        # recording the outcome must not be cut short by a shutdown
        outcome = await asyncio.shield(self._record(job, handler, attempt))
        elapsed = time.monotonic() - started
        metrics.RUN_TIME.labels(job.type, outcome).observe(elapsed)
        metrics.ATTEMPTS.labels(job.type, outcome).inc()

    @staticmethod
    async def _call(handler: Handler, context: JobContext) -> dict[str, Any] | None:
        if handler.timeout is None:
            return await handler.fn(context)
        async with asyncio.timeout(handler.timeout):
            return await handler.fn(context)

    async def _hold_lease(self, job: Row, attempt: asyncio.Future[Any]) -> bool:
        """Renew the lease until the attempt ends; True if the lease was lost."""
        every = self.settings.lease / 3
        while True:
            done, _ = await asyncio.wait({attempt}, timeout=every)
            if done:
                return False
            try:
                still_ours = await store.renew(self._engine, job, self.name, self.settings.lease)
            except Exception:  # a database hiccup: keep going, the lease has slack
                LOG.exception("renewing the lease of job %s failed", job.id)
                continue
            if not still_ours:
                attempt.cancel()
                with contextlib.suppress(BaseException):
                    await attempt
                return True

    async def _record(self, job: Row, handler: Handler, attempt: asyncio.Future[Any]) -> str:
        exc = attempt.exception()
        if exc is None:
            result = attempt.result()
            await store.finish(self._engine, job, self.name, result=result)
            return "success"
        error = describe(exc)
        max_attempts = handler.max_attempts or self.settings.max_attempts
        if is_permanent(exc) or job.attempts >= max_attempts:
            reason = "permanent" if is_permanent(exc) else "attempts_exhausted"
            LOG.warning("job %s (%s) failed (%s): %s", job.id, job.type, reason, error)
            await store.finish(self._engine, job, self.name, error=error)
            metrics.FAILURES.labels(job.type, reason).inc()
            return "fail"
        delay = self.settings.backoff.delay(job.attempts)
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        LOG.info("job %s (%s) retries in %.2fs: %s", job.id, job.type, delay, error)
        await store.requeue(self._engine, job, self.name, delay=delay, outcome="retry", error=error)
        return "retry"

    # -- housekeeping ----------------------------------------------------------

    async def _schedule_periodic(self) -> None:
        """Keep one job of every periodic type waiting; many workers still make one."""
        periodic = self.handlers.periodic()
        interval = min(h.every for h in periodic if h.every)
        while not self._stopping.is_set():
            for handler in periodic:
                try:
                    async with self.db.session.begin() as session:
                        await enqueue(
                            session,
                            handler.type,
                            "periodic",
                            handler.type,
                            delay=handler.every or 0.0,
                            replace=False,
                        )
                except Exception:
                    LOG.exception("scheduling periodic job %s failed", handler.type)
            await self._pause(interval)

    async def _refresh_metrics(self) -> None:
        while not self._stopping.is_set():
            try:
                await metrics.QUEUE_DEPTH.refresh(self._engine)
            except Exception:
                LOG.exception("refreshing queue metrics failed")
            await self._pause(self.settings.metrics_interval)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
