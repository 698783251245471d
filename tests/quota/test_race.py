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


async def test_racers_at_the_edge_never_hold_more_than_the_limit(db: Database) -> None:
    """Clients reserving, committing and deleting in a loop on one project: never more held
    than the limit (counted from each reservation until before its delete), and no
    transaction refused by the database's locks."""
    second = Database(db.url)
    engines = [engine_on(db, instances=4), engine_on(second, instances=4)]
    held = most = admitted = 0

    async def client(engine: QuotaEngine) -> None:
        nonlocal held, most, admitted
        for _ in range(10):
            try:
                reservation = await engine.reserve(COMPUTE, "p", SERVER)
            except OverQuota:
                await asyncio.sleep(0)
                continue
            held += 1
            most = max(most, held)
            await engine.commit(reservation, "pod-a")
            admitted += 1
            held -= 1
            await engine.change_usage(COMPUTE, "p", "pod-a", {"instances": -1})

    try:
        await asyncio.gather(*(client(engines[i % 2]) for i in range(16)))
    finally:
        await second.dispose()
    assert admitted and most <= 4
    assert (await engines[0].usage(COMPUTE, "p"))["instances"].in_use == 0
