"""The worker's side of the queue: claim due jobs, renew leases, record outcomes.

Every write after the claim is fenced by the lease owner, so a worker that lost
its lease (paused, partitioned) can no longer change a job another worker took.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.jobs.models import FAIL, NEW, RUNNING, SUCCESS, SUPERSEDED, Job, JobAttempt

JOBS = Job.__table__
ATTEMPTS = JobAttempt.__table__
_running = JOBS.alias("running")


@dataclass(frozen=True)
class Claimed:
    job: Row
    # the previous worker's lease ran out while it ran the job
    taken_over: bool


def worker_engine(db: Database) -> AsyncEngine:
    """The engine the worker's own statements run on: plain Core, no ORM session,
    since this is the hot path."""
    # READ COMMITTED on MariaDB: its default REPEATABLE READ adds gap locks to the
    # claim that would make enqueues wait on it.
    if db.backend == "mysql":
        return db.engine.execution_options(isolation_level="READ COMMITTED")
    return db.engine


def _claimable(types: Sequence[str], now: dt.datetime, limit: int):
    due = and_(
        JOBS.c.status == NEW,
        JOBS.c.run_at <= now,
        # the previous job for the same resource still runs: this one waits its turn
        ~exists().where(_running.c.running_key == JOBS.c.key),
    )
    abandoned = and_(JOBS.c.status == RUNNING, JOBS.c.lease_expires_at < now)
    return (
        select(JOBS.c.id)
        .where(JOBS.c.type.in_(types), or_(due, abandoned))
        .order_by(JOBS.c.run_at)
        .limit(limit)
    )


async def claim(
    engine: AsyncEngine,
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
        "running_key": JOBS.c.key,
        "pending_key": None,
        "lease_owner": worker,
        "lease_expires_at": now + dt.timedelta(seconds=lease),
        "attempts": JOBS.c.attempts + 1,
        "started_at": now,
        "updated_at": now,
    }
    async with engine.begin() as connection:
        query = _claimable(types, now, limit)
        if backend == "sqlite":
            # SQLite serialises writers: one conditional UPDATE claims atomically.
            stmt = update(JOBS).where(JOBS.c.id.in_(query.scalar_subquery())).values(**changes)
            ids = list((await connection.scalars(stmt.returning(JOBS.c.id))).all())
        else:
            ids = list((await connection.scalars(query.with_for_update(skip_locked=True))).all())
            if ids:
                await connection.execute(update(JOBS).where(JOBS.c.id.in_(ids)).values(**changes))
        if not ids:
            return []
        # an attempt still open belongs to a worker whose lease ran out
        taken_over = set(
            (
                await connection.scalars(
                    select(ATTEMPTS.c.job_id).where(
                        ATTEMPTS.c.job_id.in_(ids), ATTEMPTS.c.outcome.is_(None)
                    )
                )
            ).all()
        )
        await connection.execute(
            update(ATTEMPTS)
            .where(ATTEMPTS.c.job_id.in_(ids), ATTEMPTS.c.outcome.is_(None))
            .values(outcome="lease_lost", finished_at=now, error="lease expired; taken over")
        )
        jobs = list((await connection.execute(select(JOBS).where(JOBS.c.id.in_(ids)))).all())
        await connection.execute(
            insert(ATTEMPTS),
            [
                {"job_id": job.id, "attempt": job.attempts, "worker": worker, "started_at": now}
                for job in jobs
            ],
        )
    return [Claimed(job, job.id in taken_over) for job in jobs]


def _owned(job: Row, worker: str):
    return and_(JOBS.c.id == job.id, JOBS.c.status == RUNNING, JOBS.c.lease_owner == worker)


async def renew(engine: AsyncEngine, job: Row, worker: str, lease: float) -> bool:
    """Extend the lease; False if the job is no longer ours."""
    async with engine.begin() as connection:
        result = await connection.execute(
            update(JOBS)
            .where(_owned(job, worker))
            .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease))
        )
    return bool(result.rowcount)


async def _close_attempt(
    connection: AsyncConnection,
    job: Row,
    outcome: str,
    now: dt.datetime,
    error: str | None,
    result: dict | None,
) -> None:
    await connection.execute(
        update(ATTEMPTS)
        .where(ATTEMPTS.c.job_id == job.id, ATTEMPTS.c.outcome.is_(None))
        .values(outcome=outcome, finished_at=now, error=error, result=result)
    )


async def finish(
    engine: AsyncEngine,
    job: Row,
    worker: str,
    *,
    error: str | None = None,
    result: dict | None = None,
) -> bool:
    """End the job as success (no error) or fail; False if it was no longer ours."""
    now = utcnow()
    async with engine.begin() as connection:
        done = await connection.execute(
            update(JOBS)
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
        await _close_attempt(connection, job, FAIL if error else SUCCESS, now, error, result)
    return True


async def requeue(
    engine: AsyncEngine,
    job: Row,
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
        back["attempts"] = JOBS.c.attempts - 1
    waiting = {
        "status": NEW,
        "pending_key": JOBS.c.key,
        "run_at": now + dt.timedelta(seconds=delay),
        **back,
    }
    for status, values in ((NEW, waiting), (SUPERSEDED, {"status": SUPERSEDED, **back})):
        try:
            async with engine.begin() as connection:
                done = await connection.execute(
                    update(JOBS).where(_owned(job, worker)).values(**values)
                )
                if not done.rowcount:
                    return None
                closing = outcome if status == NEW else SUPERSEDED
                await _close_attempt(connection, job, closing, now, error, None)
            return status
        except IntegrityError:
            continue  # a newer request waits (pending_key taken)
    raise AssertionError("unreachable: superseding needs no unique key")
