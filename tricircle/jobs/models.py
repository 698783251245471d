"""The job tables: the queue itself, its attempt log, and delete tombstones.

Jobs live next to the routing tables so that a change and the job it needs are
written in one transaction. Two nullable unique keys carry the queue's rules in
the schema itself: `pending_key` is set only while a job waits and
`running_key` only while it runs, so per (type, resource) at most one job waits
and at most one runs, whatever the number of gateways and workers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from tricircle.db.base import Base, new_uuid, utcnow

# MySQL/MariaDB DATETIME keeps whole seconds unless told otherwise; leases,
# backoff and pickup latency need microseconds.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

NEW, RUNNING, SUCCESS, FAIL, SUPERSEDED = "new", "running", "success", "fail", "superseded"
STATUSES = (NEW, RUNNING, SUCCESS, FAIL, SUPERSEDED)


def job_key(job_type: str, resource_type: str, resource_id: str) -> str:
    return f"{job_type}:{resource_type}:{resource_id}"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # the claim query: due jobs by status and run time
        Index("ix_jobs_status_run_at", "status", "run_at"),
        Index("ix_jobs_resource", "resource_type", "resource_id"),
        Index("ix_jobs_project", "project_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    type: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=NEW)
    key: Mapped[str] = mapped_column(String(400))
    pending_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    running_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # requests that collapsed into this job (1 + the ones that superseded it while it waited)
    requests: Mapped[int] = mapped_column(Integer, default=1)
    run_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)


class JobAttempt(Base):
    """One run of a job: who ran it, when, and how it ended."""

    __tablename__ = "job_attempts"
    __table_args__ = (Index("ix_job_attempts_job", "job_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"))
    # the job's attempt count at this run; it restarts at 1 after a redo or a newer request
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    # success | retry | fail | released | lease_lost | superseded; None while running
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    # what the handler reported, e.g. the reconciler's findings
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Deletion(Base):
    """A top resource being deleted whose bottom copies may still exist.

    Written with the top delete and its cleanup job; the cleanup removes it once
    no copy is left, and the reconciler re-queues cleanups whose tombstone lingers.
    """

    __tablename__ = "deletions"

    resource_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    top_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
