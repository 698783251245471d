"""Handlers for the tests that run workers as real processes (``--handlers tests.jobs.handlers``).

Every run is written down in `runs`; `effects` stands for what a job changes in
a pod, made idempotently the way real handlers do (look first, create if absent).
"""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from tricircle.jobs.registry import JobContext, handler

metadata = MetaData()
runs = Table(
    "test_job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("pid", Integer, nullable=False),
)
effects = Table(
    "test_job_effects",
    metadata,
    Column("resource_id", String(64), primary_key=True),
    Column("pid", Integer, nullable=False),
)


@handler("test_count")
async def count(ctx: JobContext) -> None:
    async with ctx.session.begin() as session:
        await session.execute(
            insert(runs).values(job_id=ctx.job.id, attempt=ctx.job.attempt, pid=os.getpid())
        )


@handler("test_effect")
async def effect(ctx: JobContext) -> None:
    async with ctx.session.begin() as session:
        await session.execute(
            insert(runs).values(job_id=ctx.job.id, attempt=ctx.job.attempt, pid=os.getpid())
        )
        found = await session.scalar(
            select(effects.c.resource_id).where(effects.c.resource_id == ctx.job.resource_id)
        )
        if found is None:
            await session.execute(
                insert(effects).values(resource_id=ctx.job.resource_id, pid=os.getpid())
            )
    if ctx.job.payload.get("hang_on_first_attempt") and ctx.job.attempt == 1:
        await asyncio.sleep(3600)  # the test kills this worker here
