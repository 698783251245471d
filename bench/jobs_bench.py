"""Job queue benchmark: pickup latency and no-op throughput of one worker process.

    .venv/bin/python bench/jobs_bench.py --url postgresql://postgres@127.0.0.1:5432/postgres

Creates a scratch database on the server (or an SQLite file), migrates it, runs
`tricircle worker` as a separate process (so wakeups come through the database,
never in-process) and drops the database afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.databases import scratch_database  # noqa: E402
from tricircle.db.engine import Database  # noqa: E402
from tricircle.jobs.models import SUCCESS, Job, JobAttempt  # noqa: E402
from tricircle.jobs.queue import enqueue  # noqa: E402
from tricircle.jobs.registry import JobContext, handler  # noqa: E402


@handler("bench_noop")
async def noop(_ctx: JobContext) -> None:
    return None


@contextlib.contextmanager
def worker(url: str, concurrency: int, poll: float) -> Iterator[None]:
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "tricircle.jobs.cli", "worker",
         "--handlers", "bench.jobs_bench", "--concurrency", str(concurrency),
         "--poll-interval", str(poll), "--name", "bench"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "OS_DATABASE__CONNECTION": url},
        stdout=log, stderr=log,
    )  # fmt: skip
    try:
        while " runs " not in Path(log.name).read_text():
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text())
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait()
        os.unlink(log.name)


async def _done(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).where(Job.status == SUCCESS)) or 0


async def pickup(db: Database, samples: int) -> list[float]:
    """Enqueue one job at a time into an idle worker; pickup = claim - enqueue."""
    for n in range(samples):
        async with db.session.begin() as session:
            await enqueue(session, "bench_noop", "bench", f"p-{n}")
        while await _done(db) < n + 1:
            await asyncio.sleep(0.002)
        # arrive at a random moment of the worker's poll cycle, as real requests do
        await asyncio.sleep(random.uniform(0.01, 0.2))
    async with db.session() as session:
        rows = await session.execute(
            select(JobAttempt.started_at, Job.run_at).join(Job, Job.id == JobAttempt.job_id)
        )
        return sorted((started - due).total_seconds() for started, due in rows)


async def throughput(db: Database, jobs: int, url: str, concurrency: int, poll: float) -> float:
    async with db.session.begin() as session:
        for n in range(jobs):
            await enqueue(session, "bench_noop", "bench", f"t-{n}")
    start = time.monotonic()
    with worker(url, concurrency, poll):
        start = time.monotonic()
        while await _done(db) < jobs:
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - start
    return jobs / elapsed


def _pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))]


async def _measure(url: str, args: argparse.Namespace) -> tuple[list[float], float]:
    db = Database(url)
    try:
        with worker(url, args.concurrency, args.poll):
            latencies = await pickup(db, args.samples)
        async with db.session.begin() as session:
            await session.execute(JobAttempt.__table__.delete())
            await session.execute(Job.__table__.delete())
        rate = await throughput(db, args.jobs, url, args.concurrency, args.poll)
    finally:
        await db.dispose()
    return latencies, rate


def main(args: argparse.Namespace) -> None:
    with scratch_database(args.url, prefix="tricircle_bench") as url:
        latencies, rate = asyncio.run(_measure(url, args))
    backend = make_url(args.url).get_backend_name()
    print(f"backend={backend} python={platform.python_version()} cpus={os.cpu_count()}")
    print(
        f"pickup ms: p50={1000 * statistics.median(latencies):.1f} "
        f"p99={1000 * _pct(latencies, 0.99):.1f} max={1000 * latencies[-1]:.1f} "
        f"(n={len(latencies)}, poll={args.poll}s)"
    )
    print(f"no-op throughput: {rate:.0f} jobs/s, one worker, concurrency {args.concurrency}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--poll", type=float, default=0.1)
    main(parser.parse_args())
