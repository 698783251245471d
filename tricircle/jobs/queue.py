"""Enqueueing jobs inside the caller's transaction.

A gateway writes its change and the job that finishes it in one transaction:
commit both or neither. Per (type, resource) at most one job waits; a newer
request supersedes the waiting one (new payload, due now, attempts reset), so a
burst of requests collapses into one run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tricircle.db.base import new_uuid, utcnow
from tricircle.jobs import notify
from tricircle.jobs.models import NEW, Deletion, Job, job_key

CLEANUP = "cleanup"
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert, "mysql": mysql.insert}


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows its backend's upsert."""
    return _INSERTS[session.bind.dialect.name]


async def enqueue(
    session: AsyncSession,
    job_type: str,
    resource_type: str,
    resource_id: str,
    *,
    project_id: str | None = None,
    payload: dict[str, Any] | None = None,
    delay: float = 0.0,
    replace: bool = True,
) -> Job:
    """Queue a job in `session`'s transaction and return the waiting job.

    replace=False only makes sure a job waits: an existing waiting job is kept
    as it is (periodic jobs use this).
    """
    key = job_key(job_type, resource_type, resource_id)
    now = utcnow()
    run_at = now + dt.timedelta(seconds=delay)
    insert = _insert(session)
    stmt = insert(Job.__table__).values(
        id=new_uuid(),
        type=job_type,
        resource_type=resource_type,
        resource_id=resource_id,
        project_id=project_id,
        payload=payload or {},
        status=NEW,
        key=key,
        pending_key=key,
        attempts=0,
        requests=1,
        run_at=run_at,
        created_at=now,
        updated_at=now,
    )
    new = stmt.inserted if session.bind.dialect.name == "mysql" else stmt.excluded
    if replace:
        changes: dict[str, Any] = {
            "payload": new.payload,
            "project_id": new.project_id,
            "run_at": new.run_at,
            "attempts": 0,
            "requests": Job.__table__.c.requests + 1,
            "updated_at": new.updated_at,
        }
    else:
        changes = {"pending_key": Job.__table__.c.pending_key}  # keep the waiting one as is
    # One atomic upsert on the waiting slot: no check-then-insert race, and on
    # MariaDB no duplicate-key S-lock that turns concurrent enqueues into deadlocks.
    if session.bind.dialect.name == "mysql":
        stmt = stmt.on_duplicate_key_update(**changes)
    else:
        stmt = stmt.on_conflict_do_update(index_elements=["pending_key"], set_=changes)
    await session.execute(stmt)
    job = await session.scalar(
        select(Job).where(Job.pending_key == key).execution_options(populate_existing=True)
    )
    assert job is not None
    if delay <= 0:
        await notify.announce(session)
    return job


async def mark_deleted(
    session: AsyncSession,
    resource_type: str,
    top_id: str,
    *,
    project_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Job:
    """Record that a top resource is being deleted and queue the cleanup of its
    bottom copies, in the caller's transaction (with the top delete itself)."""
    insert = _insert(session)
    tombstone = insert(Deletion.__table__).values(
        resource_type=resource_type, top_id=top_id, project_id=project_id, requested_at=utcnow()
    )
    # a delete already on record stays as it is
    if session.bind.dialect.name == "mysql":
        tombstone = tombstone.on_duplicate_key_update(top_id=Deletion.__table__.c.top_id)
    else:
        tombstone = tombstone.on_conflict_do_nothing()
    await session.execute(tombstone)
    return await enqueue(
        session, CLEANUP, resource_type, top_id, project_id=project_id, payload=payload
    )
