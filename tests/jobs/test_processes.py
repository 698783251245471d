"""Workers as real processes: many of them share the queue; kill -9 loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.jobs import handlers
from tests.jobs.helpers import attempts, eventually, job, status_is
from tricircle.db.engine import Database
from tricircle.jobs.models import SUCCESS, Job
from tricircle.jobs.queue import enqueue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def tables(db: Database) -> AsyncIterator[Database]:
    async with db.engine.begin() as connection:
        await connection.run_sync(handlers.metadata.create_all)
    yield db
    async with db.engine.begin() as connection:
        await connection.run_sync(handlers.metadata.drop_all)


@pytest.fixture
def spawn(database_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `tricircle worker` processes; whatever is left is killed at the end."""
    started: list[subprocess.Popen] = []

    def start(name: str, lease: float = 1.0) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "tricircle.jobs.cli", "worker",
             "--handlers", "tests.jobs.handlers",
             "--name", name, "--lease", str(lease), "--poll-interval", "0.02",
             "--concurrency", "16", "--shutdown-timeout", "0.5"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "OS_DATABASE__CONNECTION": database_url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)
        _wait_for_log(tmp_path / f"{name}.log", "worker", process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _wait_for_log(path: Path, marker: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while f"{marker} " not in path.read_text() or " runs " not in path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"worker did not start:\n{path.read_text()}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


async def _statuses(db: Database) -> dict[str, int]:
    """Statuses of this test's jobs (workers also keep their periodic jobs scheduled)."""
    async with db.session() as session:
        rows = await session.execute(
            select(Job.status, func.count()).where(Job.type == "test_count").group_by(Job.status)
        )
        return dict(rows.all())


async def test_thousand_jobs_on_two_workers_run_exactly_once(tables: Database, spawn) -> None:
    db = tables
    # A lease must outlast the slowest renewal; 32 writers queueing on SQLite's
    # single write lock can hold one up for more than a second.
    workers = [spawn("w1", lease=10), spawn("w2", lease=10)]
    async with db.session.begin() as session:
        ids = [(await enqueue(session, "test_count", "thing", f"r-{n}")).id for n in range(1000)]

    async def all_done() -> bool:
        return (await _statuses(db)).get(SUCCESS, 0) == 1000

    await eventually(all_done, timeout=90)
    assert [_stop(w) for w in workers] == [0, 0]
    async with db.session() as session:
        per_job = dict(
            (await session.execute(
                select(handlers.runs.c.job_id, func.count()).group_by(handlers.runs.c.job_id)
            )).all()
        )  # fmt: skip
        pids = set((await session.scalars(select(handlers.runs.c.pid).distinct())).all())
    assert set(per_job) == set(ids) and set(per_job.values()) == {1}
    assert len(pids) == 2, "both workers took jobs"
    assert await _statuses(db) == {SUCCESS: 1000}


async def test_kill_9_mid_job_is_taken_over_and_not_doubled(tables: Database, spawn) -> None:
    db = tables
    doomed = spawn("doomed", lease=1.0)
    async with db.session.begin() as session:
        job_id = (
            await enqueue(
                session, "test_effect", "thing", "r-kill", payload={"hang_on_first_attempt": True}
            )
        ).id

    async def effect_applied() -> bool:
        async with db.session() as session:
            return bool(await session.scalar(select(func.count()).select_from(handlers.effects)))

    await eventually(effect_applied)
    doomed.kill()  # SIGKILL: no cleanup, the lease is simply never renewed
    doomed.wait()
    heir = spawn("heir", lease=1.0)
    await eventually(lambda: status_is(db, job_id, SUCCESS), timeout=30)
    assert _stop(heir) == 0
    log = await attempts(db, job_id)
    assert [(a.worker, a.outcome) for a in log] == [("doomed", "lease_lost"), ("heir", "success")]
    async with db.session() as session:
        effects = (await session.execute(select(handlers.effects))).all()
        run_count = await session.scalar(select(func.count()).select_from(handlers.runs))
    assert len(effects) == 1 and run_count == 2  # run twice, applied once
    assert (await job(db, job_id)).attempts == 2


async def test_sigterm_releases_the_running_job(tables: Database, spawn) -> None:
    db = tables
    worker = spawn("polite")
    async with db.session.begin() as session:
        job_id = (
            await enqueue(
                session, "test_effect", "thing", "r-term", payload={"hang_on_first_attempt": True}
            )
        ).id
    await eventually(lambda: status_is(db, job_id, "running"))
    await asyncio.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    # the job hangs past the shutdown timeout (0.5 s), so it is released
    assert worker.wait(timeout=30) == 0
    released = await job(db, job_id)
    assert released.status == "new" and released.lease_owner is None
    assert [a.outcome for a in await attempts(db, job_id)] == ["released"]
