"""Shared bits of the job tests: quick worker settings and waiting on the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from tricircle.db.engine import Database
from tricircle.jobs.models import Job, JobAttempt
from tricircle.jobs.policy import Backoff
from tricircle.jobs.worker import WorkerSettings


def quick(**overrides: object) -> WorkerSettings:
    settings = WorkerSettings(
        concurrency=8,
        lease=1.0,
        poll_interval=0.02,
        max_attempts=4,
        backoff=Backoff(base=0.05, cap=0.2),
        shutdown_timeout=2.0,
        metrics_interval=0.2,
    )
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


# the job types every worker keeps one of scheduled ahead: never "done"
PERIODIC = ("reconcile", "network_reconcile", "quota_usage")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def job(db: Database, job_id: str) -> Job:
    async with db.session() as session:
        found = await session.get(Job, job_id)
        assert found is not None
        return found


async def attempts(db: Database, job_id: str) -> list[JobAttempt]:
    async with db.session() as session:
        rows = await session.scalars(
            select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.id)
        )
        return list(rows)


async def status_is(db: Database, job_id: str, *statuses: str) -> bool:
    return (await job(db, job_id)).status in statuses
