"""Quota benchmark: what a reservation adds to a create, and admissions at the limit edge.

    .venv/bin/python bench/quota_bench.py --url postgresql://postgres@127.0.0.1:5432/postgres

Creates a scratch database on the server (or an SQLite file) and migrates it, and runs on
uvloop where it is installed, as the gateway does. A reserved create does two things an
unreserved one does not, both in the top database: the reservation before the forward
and its commit after the pod's answer. The first part times that pair, one create at a
time, and counts the statements and COMMITs it sends. The second runs `--clients`
concurrent clients on one project whose instance limit is `--limit`, each reserving one
instance, committing it, then deleting it: always at the limit's edge. It counts
admissions per second and checks that no more than the limit were ever held at once.
On PostgreSQL it also sends a reserved create's round trips through the driver alone:
the least this machine's database allows, beside what the engine takes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.databases import scratch_database  # noqa: E402
from tricircle.config import load_config  # noqa: E402
from tricircle.db.engine import Database  # noqa: E402
from tricircle.quota.engine import OverQuota, QuotaEngine  # noqa: E402
from tricircle.quota.resources import COMPUTE  # noqa: E402

SERVER = {"instances": 1, "cores": 1, "ram": 512}


def _engine(db: Database, instances: int) -> QuotaEngine:
    conf = load_config()
    conf.set_override("instances", instances, "quota")
    conf.set_override("cores", -1, "quota")
    conf.set_override("ram", -1, "quota")
    return QuotaEngine(db, conf)


async def empty_transactions(db: Database, samples: int) -> tuple[list[float], float]:
    """Seconds of one transaction of one ``SELECT 1`` (what a statement costs here now), and
    the process's CPU seconds of each."""
    timings = []
    cpu = time.process_time()
    for _ in range(samples):
        start = time.perf_counter()
        async with db.engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
        timings.append(time.perf_counter() - start)
    return sorted(timings), (time.process_time() - cpu) / samples


class Sent:
    """Statements and COMMITs sent through an engine while it is listened to."""

    def __init__(self) -> None:
        self.statements = self.commits = 0

    def statement(self, *_args: object) -> None:
        self.statements += 1

    def commit(self, *_args: object) -> None:
        self.commits += 1

    def listeners(self) -> list[tuple[str, Callable[..., None]]]:
        return [("before_cursor_execute", self.statement), ("commit", self.commit)]


async def reserved_create(
    engine: QuotaEngine, samples: int
) -> tuple[list[float], tuple[float, float], float]:
    """Seconds of reserve + commit, one create at a time; with the statements and COMMITs
    sent and the process's CPU seconds, per create (what the machine's load does not
    change)."""
    sent = Sent()
    for name, listener in sent.listeners():
        event.listen(engine.db.engine.sync_engine, name, listener)
    timings = []
    cpu = time.process_time()
    for _ in range(samples):
        start = time.perf_counter()
        held = await engine.reserve(COMPUTE, "latency", SERVER)
        await engine.commit(held, "pod-1")
        timings.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu
    for name, listener in sent.listeners():
        event.remove(engine.db.engine.sync_engine, name, listener)
    return sorted(timings), (sent.statements / samples, sent.commits / samples), cpu / samples


# A reserved create's round trips as SQL text, for the driver alone (PostgreSQL): the
# project's row locked, what it holds read, the reservation written (one transaction),
# then its commit in one statement, as tricircle/quota/statements.py has them.
_FLOOR_LOCK = (
    "INSERT INTO quota_projects (project_id, service, version) VALUES ($1, $2, 1) "
    "ON CONFLICT (project_id, service) DO UPDATE SET version = quota_projects.version + 1"
)
_FLOOR_READ = (
    "SELECT resource, sum(in_use) FROM quota_usages WHERE project_id = $1 AND service = $2 "
    "GROUP BY resource UNION ALL SELECT resource, sum(amount) FROM quota_reservations "
    "WHERE project_id = $1 AND service = $2 GROUP BY resource"
)
_FLOOR_RESERVE = (
    "INSERT INTO quota_reservations (uuid, project_id, user_id, service, resource, amount, "
    "expires_at) SELECT $1, $2, '*', $3, unnest($4::text[]), unnest($5::bigint[]), "
    "now() + interval '1 minute'"
)
_FLOOR_COMMIT = (
    "WITH gone AS (DELETE FROM quota_reservations WHERE uuid = $1) "
    "INSERT INTO quota_usages (project_id, service, resource, pod_id, in_use, updated_at) "
    "SELECT $2, $3, unnest($4::text[]), 'pod-1', unnest($5::bigint[]), now() "
    "ON CONFLICT (project_id, service, resource, pod_id) "
    "DO UPDATE SET in_use = quota_usages.in_use + excluded.in_use"
)


async def driver_floor(db: Database, samples: int) -> list[float]:
    """PostgreSQL: seconds of a reserved create's round trips sent through asyncpg itself
    on one of the pool's connections, without SQLAlchemy and without the engine's own
    work: what this machine's database allows a reserved create at the least."""
    names, amounts = list(SERVER), list(SERVER.values())
    timings = []
    async with db.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        for index in range(samples):
            reservation = f"floor-{index}"
            start = time.perf_counter()
            async with raw.transaction():
                await raw.execute(_FLOOR_LOCK, "floor", COMPUTE)
                await raw.fetch(_FLOOR_READ, "floor", COMPUTE)
                await raw.execute(_FLOOR_RESERVE, reservation, "floor", COMPUTE, names, amounts)
            await raw.execute(_FLOOR_COMMIT, reservation, "floor", COMPUTE, names, amounts)
            timings.append(time.perf_counter() - start)
    return sorted(timings)


class Edge:
    """Clients at the limit's edge, and what they were admitted."""

    def __init__(self, engine: QuotaEngine, limit: int) -> None:
        self.engine, self.limit = engine, limit
        self.held = self.most_held = self.admitted = self.refused = 0

    async def client(self, until: float) -> None:
        while time.monotonic() < until:
            try:
                reservation = await self.engine.reserve(COMPUTE, "edge", SERVER)
            except OverQuota:
                self.refused += 1
                await asyncio.sleep(0)
                continue
            # counted as held from the reservation until before its delete: never more
            # than the database holds, so more than the limit here is an over-admission
            self.held += 1
            self.most_held = max(self.most_held, self.held)
            await self.engine.commit(reservation, "pod-1")
            self.admitted += 1
            self.held -= 1
            await self.engine.change_usage(COMPUTE, "edge", "pod-1", {"instances": -1})


async def _measure(url: str, args: argparse.Namespace) -> None:
    db = Database(url, pool_size=args.clients, max_overflow=0)
    try:
        # a limit that is checked (not unlimited) and never reached
        far = _engine(db, 10**9)
        await reserved_create(far, 20)  # warm the pool
        timings, sent, cpu = await reserved_create(far, args.samples)
        baseline, baseline_cpu = await empty_transactions(db, args.samples)
        floor = await driver_floor(db, args.samples) if db.backend == "postgresql" else []
        edge = Edge(_engine(db, args.limit), args.limit)
        start = time.monotonic()
        until = start + args.seconds
        await asyncio.gather(*(edge.client(until) for _ in range(args.clients)))
        elapsed = time.monotonic() - start
    finally:
        await db.dispose()
    print(
        f"one empty transaction: p50={1000 * statistics.median(baseline):.2f} ms "
        f"p99={1000 * baseline[int(0.99 * len(baseline))]:.2f} ms, "
        f"{1000 * baseline_cpu:.2f} ms of the process's CPU each"
    )
    print(
        f"reserved create adds: p50={1000 * statistics.median(timings):.2f} ms "
        f"p99={1000 * timings[int(0.99 * len(timings))]:.2f} ms (n={len(timings)}), "
        f"each: statements {sent[0]:.0f}, COMMITs {sent[1]:.0f}, "
        f"{1000 * cpu:.2f} ms of the process's CPU"
    )
    if floor:
        print(
            f"the same round trips through asyncpg alone: p50={1000 * statistics.median(floor):.2f}"
            f" ms p99={1000 * floor[int(0.99 * len(floor))]:.2f} ms"
        )
    print(
        f"at the edge, {args.clients} clients, limit {args.limit}: "
        f"{edge.admitted / elapsed:.0f} creates/s admitted, {edge.refused / elapsed:.0f}/s "
        f"refused, most held at once {edge.most_held} "
        f"({'no over-admission' if edge.most_held <= args.limit else 'OVER-ADMITTED'})"
    )


def _event_loop() -> str:
    """The gateway's event loop (tricircle/gateway/serve.py): uvloop where it is installed."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        return "uvloop"
    return "asyncio"


def main(args: argparse.Namespace) -> None:
    backend = make_url(args.url).get_backend_name()
    print(
        f"backend={backend} python={platform.python_version()} cpus={os.cpu_count()} "
        f"loop={_event_loop()}"
    )
    with scratch_database(args.url, prefix="tricircle_bench") as url:
        asyncio.run(_measure(url, args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    main(parser.parse_args())
