"""The worker's side of the queue: claim due jobs, renew leases, record outcomes.

Every write after the claim is fenced by the lease owner, so a worker that lost
its lease (paused, partitioned) can no longer change a job another worker took.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from tricircle.db.engine import Database
from tricircle.db.models import utcnow
from tricircle.jobs.models import FAIL, NEW, RUNNING, SUCCESS, SUPERSEDED, Job, JobAttempt

_running = aliased(Job)


@dataclass(frozen=True)
class Claimed:
    job: Job
    # the previous worker's lease ran out while it ran the job
    taken_over: bool


def worker_sessions(db: Database) -> async_sessionmaker[AsyncSession]:
    # READ COMMITTED on MariaDB: its default REPEATABLE READ adds gap locks to the
    # claim that would make enqueues wait on it.
    engine = db.engine
    if db.backend == "mysql":
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    return async_sessionmaker(engine, expire_on_commit=False)


def _claimable(types: Sequence[str], now: dt.datetime, limit: int):
    due = and_(
        Job.status == NEW,
        Job.run_at <= now,
        # the previous job for the same resource still runs: this one waits its turn
        ~exists().where(_running.running_key == Job.key),
    )
    abandoned = and_(Job.status == RUNNING, Job.lease_expires_at < now)
    return (
        select(Job.id)
        .where(Job.type.in_(types), or_(due, abandoned))
        .order_by(Job.run_at)
        .limit(limit)
    )


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    backend: str,
    worker: str,
    types: Sequence[str],
    limit: int,
    lease: float,
) -> list[Claimed]:
    """Take up to `limit` due jobs (or jobs whose worker's lease ran out)."""
    now = utcnow()
    changes = {
        "status": RUNNING,
        "running_key": Job.key,
        "pending_key": None,
        "lease_owner": worker,
        "lease_expires_at": now + dt.timedelta(seconds=lease),
        "attempts": Job.attempts + 1,
        "started_at": now,
        "updated_at": now,
    }
    async with sessions.begin() as session:
        query = _claimable(types, now, limit)
        if backend == "sqlite":
            # SQLite serialises writers: one conditional UPDATE claims atomically.
            stmt = update(Job).where(Job.id.in_(query.scalar_subquery())).values(**changes)
            ids = list((await session.scalars(stmt.returning(Job.id))).all())
        else:
            ids = list((await session.scalars(query.with_for_update(skip_locked=True))).all())
            if ids:
                await session.execute(update(Job).where(Job.id.in_(ids)).values(**changes))
        if not ids:
            return []
        # an attempt still open belongs to a worker whose lease ran out
        taken_over = set(
            (
                await session.scalars(
                    select(JobAttempt.job_id).where(
                        JobAttempt.job_id.in_(ids), JobAttempt.outcome.is_(None)
                    )
                )
            ).all()
        )
        await session.execute(
            update(JobAttempt)
            .where(JobAttempt.job_id.in_(ids), JobAttempt.outcome.is_(None))
            .values(outcome="lease_lost", finished_at=now, error="lease expired; taken over")
        )
        jobs = list(
            (
                await session.scalars(
                    select(Job).where(Job.id.in_(ids)).execution_options(populate_existing=True)
                )
            ).all()
        )
        for job in jobs:
            session.add(
                JobAttempt(job_id=job.id, attempt=job.attempts, worker=worker, started_at=now)
            )
    return [Claimed(job, job.id in taken_over) for job in jobs]


def _owned(job: Job, worker: str):
    return and_(Job.id == job.id, Job.status == RUNNING, Job.lease_owner == worker)


async def renew(
    sessions: async_sessionmaker[AsyncSession], job: Job, worker: str, lease: float
) -> bool:
    """Extend the lease; False if the job is no longer ours."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(Job)
            .where(_owned(job, worker))
            .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease))
        )
    return bool(result.rowcount)


async def _close_attempt(
    session: AsyncSession,
    job: Job,
    outcome: str,
    now: dt.datetime,
    error: str | None,
    result: dict | None,
) -> None:
    await session.execute(
        update(JobAttempt)
        .where(JobAttempt.job_id == job.id, JobAttempt.attempt == job.attempts)
        .values(outcome=outcome, finished_at=now, error=error, result=result)
    )


async def finish(
    sessions: async_sessionmaker[AsyncSession],
    job: Job,
    worker: str,
    *,
    error: str | None = None,
    result: dict | None = None,
) -> bool:
    """End the job as success (no error) or fail; False if it was no longer ours."""
    now = utcnow()
    async with sessions.begin() as session:
        done = await session.execute(
            update(Job)
            .where(_owned(job, worker))
            .values(
                status=FAIL if error else SUCCESS,
                running_key=None,
                lease_owner=None,
                lease_expires_at=None,
                finished_at=now,
                updated_at=now,
                last_error=error,
            )
        )
        if not done.rowcount:
            return False
        await _close_attempt(session, job, FAIL if error else SUCCESS, now, error, result)
    return True


async def requeue(
    sessions: async_sessionmaker[AsyncSession],
    job: Job,
    worker: str,
    *,
    delay: float,
    outcome: str,
    error: str | None = None,
) -> str | None:
    """Put the job back to wait `delay` seconds (a retry, or a release at shutdown).

    A release gives the attempt back. If a newer request for the same resource
    is already waiting, that one will do the work: this job ends as superseded.
    Returns the job's new status, or None if it was no longer ours.
    """
    now = utcnow()
    back = {
        "running_key": None,
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": now,
    }
    if error is not None:
        back["last_error"] = error
    if outcome == "released":
        back["attempts"] = Job.attempts - 1
    waiting = {
        "status": NEW,
        "pending_key": Job.key,
        "run_at": now + dt.timedelta(seconds=delay),
        **back,
    }
    for status, values in ((NEW, waiting), (SUPERSEDED, {"status": SUPERSEDED, **back})):
        try:
            async with sessions.begin() as session:
                done = await session.execute(
                    update(Job).where(_owned(job, worker)).values(**values)
                )
                if not done.rowcount:
                    return None
                closing = outcome if status == NEW else SUPERSEDED
                await _close_attempt(session, job, closing, now, error, None)
            return status
        except IntegrityError:
            continue  # a newer request waits (pending_key taken)
    raise AssertionError("unreachable: superseding needs no unique key")
