"""What an operator may do with jobs: list, show, redo a failed one, delete a
waiting or failed one. The admin API and tests call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.jobs import notify
from tricircle.jobs.models import FAIL, NEW, Job, JobAttempt

FILTERS = ("type", "status", "project_id", "resource_type", "resource_id")


class JobConflict(Exception):
    """The job is not in a state that allows this."""


@dataclass(frozen=True)
class JobDetail:
    job: Job
    attempts: Sequence[JobAttempt]


async def list_jobs(
    db: Database, *, limit: int, marker: str | None = None, **filters: str
) -> list[Job]:
    """Newest first; `marker` is the id of the last job of the previous page."""
    query = select(Job)
    for name, value in filters.items():
        query = query.where(getattr(Job, name) == value)
    async with db.session() as session:
        if marker is not None:
            last = await session.get(Job, marker)
            if last is None:
                raise LookupError(f"Marker job {marker} could not be found.")
            query = query.where(
                or_(
                    Job.created_at < last.created_at,
                    and_(Job.created_at == last.created_at, Job.id < last.id),
                )
            )
        query = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
        return list((await session.scalars(query)).all())


async def get_job(db: Database, job_id: str) -> JobDetail | None:
    async with db.session() as session:
        job = await session.get(Job, job_id)
        if job is None:
            return None
        attempts = await session.scalars(
            select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.id)
        )
        return JobDetail(job, list(attempts))


async def redo(db: Database, job_id: str) -> Job:
    """Queue a failed job again, due now, with a fresh attempt budget."""
    try:
        async with db.session.begin() as session:
            job = await session.get(Job, job_id, with_for_update=True)
            if job is None:
                raise LookupError(f"Job {job_id} could not be found.")
            if job.status != FAIL:
                raise JobConflict(f"Job {job_id} is {job.status}; only a failed job can be redone.")
            resource = f"{job.resource_type} {job.resource_id}"
            await session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status=NEW, pending_key=job.key, attempts=0, run_at=utcnow(), finished_at=None
                ),
                execution_options={"synchronize_session": False},
            )
            await notify.announce(session)
    except IntegrityError:
        raise JobConflict(f"Another job for {resource} is already waiting.") from None
    detail = await get_job(db, job_id)
    assert detail is not None
    return detail.job


async def remove(db: Database, job_id: str) -> None:
    """Delete a waiting or failed job; a running one must finish first."""
    async with db.session.begin() as session:
        deleted = await session.execute(
            delete(Job).where(Job.id == job_id, Job.status.in_((NEW, FAIL)))
        )
        if deleted.rowcount:
            return
        job = await session.get(Job, job_id)
    if job is None:
        raise LookupError(f"Job {job_id} could not be found.")
    raise JobConflict(f"Job {job_id} is {job.status}; only a waiting or failed job can be deleted.")
