"""Gateways racing for the last units: the row lock lets exactly as many win as fit, on
SQLite, PostgreSQL and MariaDB, each racer with its own engine and connection pool."""

from __future__ import annotations

import asyncio

from tests.quota.test_engine import SERVER, engine_on
from tricircle.db.engine import Database
from tricircle.quota.engine import OverQuota, QuotaEngine
from tricircle.quota.resources import COMPUTE


async def _attempt(engine: QuotaEngine) -> bool:
    try:
        held = await engine.reserve(COMPUTE, "p", SERVER)
    except OverQuota:
        return False
    await engine.commit(held, "pod-a")
    return True


async def test_two_engines_racing_for_the_last_instance_one_wins(db: Database) -> None:
    second = Database(db.url)
    try:
        engines = [engine_on(db, instances=10), engine_on(second, instances=10)]
        for _ in range(9):
            assert await _attempt(engines[0])
        won = await asyncio.gather(*(_attempt(engine) for engine in engines))
        assert sorted(won) == [False, True]
    finally:
        await second.dispose()


async def test_many_racers_never_take_more_than_the_limit(db: Database) -> None:
    second = Database(db.url)
    try:
        engines = [engine_on(db, instances=7), engine_on(second, instances=7)]
        won = await asyncio.gather(*(_attempt(engines[i % 2]) for i in range(24)))
        assert won.count(True) == 7
        assert (await engines[0].usage(COMPUTE, "p"))["instances"].in_use == 7
    finally:
        await second.dispose()
