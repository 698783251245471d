"""Enqueue: one transaction with the caller's change, dedup and supersede."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from tricircle.db.engine import Database
from tricircle.db.models import Pod
from tricircle.jobs.models import NEW, Deletion, Job
from tricircle.jobs.queue import CLEANUP, enqueue, mark_deleted


async def _count(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Job)) or 0


async def test_job_commits_and_rolls_back_with_the_change(db: Database) -> None:
    async with db.session.begin() as session:
        session.add(Pod(name="p1", region_name="r1", az_name="az1"))
        job = await enqueue(session, "router_setup", "router", "r-1", project_id="p")
    async with db.session() as session:
        stored = await session.get(Job, job.id)
    assert stored is not None and stored.status == NEW and stored.requests == 1

    with pytest.raises(RuntimeError):
        async with db.session.begin() as session:
            session.add(Pod(name="p2", region_name="r2", az_name="az1"))
            await enqueue(session, "router_setup", "router", "r-2")
            raise RuntimeError("the change failed")
    assert await _count(db) == 1


async def test_newer_request_supersedes_the_waiting_one(db: Database) -> None:
    ids = set()
    for n in range(5):
        async with db.session.begin() as session:
            job = await enqueue(session, "sg_sync", "security_group", "sg-1", payload={"n": n})
            ids.add(job.id)
    async with db.session.begin() as session:
        other = await enqueue(session, "sg_sync", "security_group", "sg-2")
    assert len(ids) == 1
    async with db.session() as session:
        stored = await session.get(Job, job.id)
    assert stored.payload == {"n": 4} and stored.requests == 5
    assert other.id != job.id and await _count(db) == 2


async def test_replace_false_keeps_the_waiting_job(db: Database) -> None:
    async with db.session.begin() as session:
        first = await enqueue(session, "reconcile", "periodic", "reconcile", delay=60)
    async with db.session.begin() as session:
        again = await enqueue(
            session, "reconcile", "periodic", "reconcile", delay=1, replace=False, payload={"x": 1}
        )
    assert again.id == first.id and again.payload == {} and again.requests == 1
    assert again.run_at == first.run_at


async def test_concurrent_enqueues_collapse_into_one_job(db: Database) -> None:
    async def one(n: int) -> str:
        async with db.session.begin() as session:
            return (await enqueue(session, "copy_image", "image", "img-1", payload={"n": n})).id

    ids = await asyncio.gather(*(one(n) for n in range(20)))
    assert len(set(ids)) == 1 and await _count(db) == 1
    async with db.session() as session:
        assert (await session.get(Job, ids[0])).requests == 20


async def test_mark_deleted_records_tombstone_and_cleanup(db: Database) -> None:
    for _ in range(2):
        async with db.session.begin() as session:
            job = await mark_deleted(session, "network", "net-1", project_id="p")
    async with db.session() as session:
        assert await session.get(Deletion, ("network", "net-1")) is not None
        stored = await session.get(Job, job.id)
    assert stored.type == CLEANUP and stored.resource_id == "net-1" and stored.requests == 2
