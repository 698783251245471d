"""Operator actions on every backend: list with filters and pages, redo, delete."""

from __future__ import annotations

import pytest

from tests.jobs.helpers import attempts, eventually, job, quick, status_is
from tricircle.db.engine import Database
from tricircle.jobs import manage
from tricircle.jobs.models import FAIL, NEW, SUCCESS
from tricircle.jobs.policy import PermanentError
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import JobContext, Registry
from tricircle.jobs.worker import Worker


def _copy_image(broken: bool) -> Registry:
    handlers = Registry()

    @handlers.handler("copy_image")
    async def copy(_ctx: JobContext) -> None:
        if broken:
            raise PermanentError("image img-1 is not active in pod1")

    return handlers


async def _enqueue(db: Database, resource_id: str = "img-1", **kwargs: object) -> str:
    async with db.session.begin() as session:
        return (await enqueue(session, "copy_image", "image", resource_id, **kwargs)).id


async def _failed_job(db: Database) -> str:
    job_id = await _enqueue(db)
    async with Worker(db, _copy_image(broken=True), quick()):
        await eventually(lambda: status_is(db, job_id, FAIL))
    return job_id


async def test_redo_requeues_a_failed_job_which_then_succeeds(db: Database) -> None:
    job_id = await _failed_job(db)
    redone = await manage.redo(db, job_id)
    assert redone.status == NEW and redone.attempts == 0 and redone.pending_key
    async with Worker(db, _copy_image(broken=False), quick()):
        await eventually(lambda: status_is(db, job_id, SUCCESS))
    assert [a.outcome for a in await attempts(db, job_id)] == ["fail", "success"]
    with pytest.raises(manage.JobConflict, match="only a failed job"):
        await manage.redo(db, job_id)
    with pytest.raises(LookupError):
        await manage.redo(db, "no-such-job")


async def test_redo_refuses_when_a_newer_request_waits(db: Database) -> None:
    job_id = await _failed_job(db)
    newer = await _enqueue(db)
    with pytest.raises(manage.JobConflict, match="already waiting"):
        await manage.redo(db, job_id)
    assert (await job(db, job_id)).status == FAIL and newer != job_id


async def test_delete_takes_waiting_and_failed_jobs_only(db: Database) -> None:
    failed = await _failed_job(db)
    waiting = await _enqueue(db, "img-2")
    await manage.remove(db, failed)
    await manage.remove(db, waiting)
    assert await manage.get_job(db, failed) is None and await manage.get_job(db, waiting) is None
    done = await _enqueue(db, "img-3")
    async with Worker(db, _copy_image(broken=False), quick()):
        await eventually(lambda: status_is(db, done, SUCCESS))
    with pytest.raises(manage.JobConflict, match="is success"):
        await manage.remove(db, done)
    with pytest.raises(LookupError):
        await manage.remove(db, "no-such-job")


async def test_list_filters_and_pages_newest_first(db: Database) -> None:
    ids = [await _enqueue(db, f"img-{n}", project_id=f"p{n % 2}") for n in range(7)]
    everything = await manage.list_jobs(db, limit=100)
    assert [j.id for j in everything] == ids[::-1]
    pages, marker = [], None
    while True:
        page = await manage.list_jobs(db, limit=3, marker=marker)
        pages.append([j.id for j in page])
        if len(page) < 3:
            break
        marker = page[-1].id
    assert [i for page in pages for i in page] == ids[::-1] and [len(p) for p in pages] == [3, 3, 1]
    p1 = await manage.list_jobs(db, limit=100, project_id="p1", status=NEW)
    assert {j.id for j in p1} == {ids[1], ids[3], ids[5]}
    one = await manage.list_jobs(db, limit=100, resource_type="image", resource_id="img-4")
    assert [j.id for j in one] == [ids[4]]
    with pytest.raises(LookupError):
        await manage.list_jobs(db, limit=3, marker="no-such-job")
