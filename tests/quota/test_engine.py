"""Reservations against one limit per project, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from tricircle.config import load_config
from tricircle.db.engine import Database
from tricircle.quota.engine import OverQuota, QuotaEngine, Usage
from tricircle.quota.models import QuotaReservation
from tricircle.quota.resources import COMPUTE

SERVER = {"instances": 1, "cores": 2, "ram": 512}


def engine_on(db: Database, **quota: float) -> QuotaEngine:
    conf = load_config()
    for name, value in quota.items():
        conf.set_override(name, value, "quota")
    return QuotaEngine(db, conf)


async def test_a_committed_create_is_in_use_in_its_pod(db: Database) -> None:
    engine = engine_on(db)
    held = await engine.reserve(COMPUTE, "p", SERVER)
    assert (await engine.usage(COMPUTE, "p"))["cores"] == Usage(in_use=0, reserved=2)
    await engine.commit(held, "pod-a")
    await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-b")
    assert (await engine.usage(COMPUTE, "p"))["cores"] == Usage(in_use=4, reserved=0)
    assert (await engine.usage(COMPUTE, "other")) == {}


async def test_a_commit_tells_the_projects_first_landing_in_a_pod(db: Database) -> None:
    engine = engine_on(db)
    assert await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-a")
    assert not await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-a")
    assert not await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-b", units=0)
    assert await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-b")
    # a share that went back to nothing: the pod has had the project's quotas since
    await engine.change_usage(COMPUTE, "p", "pod-b", {"instances": -1, "cores": -2, "ram": -512})
    assert not await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-b")
    assert (await engine.usage(COMPUTE, "p"))["instances"] == Usage(in_use=3, reserved=0)


async def test_the_limit_counts_what_is_used_and_reserved(db: Database) -> None:
    engine = engine_on(db, instances=3)
    await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-a")
    await engine.reserve(COMPUTE, "p", SERVER)
    await engine.reserve(COMPUTE, "p", SERVER)
    with pytest.raises(OverQuota) as refused:
        await engine.reserve(COMPUTE, "p", SERVER)
    assert (refused.value.resource, refused.value.used, refused.value.limit) == ("instances", 3, 3)


async def test_a_released_reservation_frees_its_units(db: Database) -> None:
    engine = engine_on(db, instances=1)
    await engine.release(await engine.reserve(COMPUTE, "p", SERVER))
    await engine.reserve(COMPUTE, "p", SERVER)
    with pytest.raises(OverQuota):
        await engine.reserve(COMPUTE, "p", SERVER)


async def test_a_multiple_create_gets_as_many_as_fit_between_min_and_max(db: Database) -> None:
    engine = engine_on(db, instances=5, cores=-1)
    held = await engine.reserve(COMPUTE, "p", SERVER, min_units=2, max_units=8)
    assert held.units == 5
    await engine.commit(held, "pod-a", units=3)  # the pod made three: two are free again
    assert (await engine.usage(COMPUTE, "p"))["instances"] == Usage(in_use=3, reserved=0)
    with pytest.raises(OverQuota) as refused:
        await engine.reserve(COMPUTE, "p", SERVER, min_units=3, max_units=3)
    assert refused.value.requested == 3


async def _age_every_reservation(db: Database) -> None:
    async with db.session.begin() as session:
        await session.execute(update(QuotaReservation).values(expires_at=dt.datetime(2000, 1, 1)))


async def _reservation_rows(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(QuotaReservation))


async def test_a_reservation_left_by_a_dead_process_expires(db: Database) -> None:
    engine = engine_on(db, instances=1)
    await engine.reserve(COMPUTE, "p", SERVER)  # never committed nor released
    with pytest.raises(OverQuota):
        await engine.reserve(COMPUTE, "p", SERVER)
    await _age_every_reservation(db)
    assert await engine.usage(COMPUTE, "p") == {}
    await engine.reserve(COMPUTE, "p", SERVER)
    assert await _reservation_rows(db) == 2 * len(SERVER)  # the expired wait for the sweep


async def test_the_sweep_rolls_back_only_expired_reservations(db: Database) -> None:
    engine = engine_on(db)
    await engine.reserve(COMPUTE, "p", SERVER)
    await _age_every_reservation(db)
    await engine.reserve(COMPUTE, "q", SERVER)
    assert await engine.expire() == len(SERVER)
    assert await _reservation_rows(db) == len(SERVER)


async def test_unlimited_and_deleted_usage(db: Database) -> None:
    engine = engine_on(db, instances=-1)
    for _ in range(3):
        await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-a")
    await engine.change_usage(COMPUTE, "p", "pod-a", {"instances": -1, "cores": -2, "ram": -512})
    assert (await engine.usage(COMPUTE, "p"))["instances"] == Usage(in_use=2)
    await engine.change_usage(COMPUTE, "p", "pod-a", {"instances": -5})
    assert (await engine.usage(COMPUTE, "p"))["instances"] == Usage(in_use=0)


async def test_a_correction_replaces_the_pods_share_unless_usage_moved(db: Database) -> None:
    engine = engine_on(db)
    await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-a")
    await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-b")
    seen = await engine.settled_version(COMPUTE, "p")
    assert seen is not None
    assert await engine.correct(COMPUTE, "p", "pod-a", {"instances": 4, "cores": 8}, seen)
    usage = await engine.usage(COMPUTE, "p")
    assert (usage["instances"].in_use, usage["cores"].in_use, usage["ram"].in_use) == (5, 10, 512)
    stale = await engine.settled_version(COMPUTE, "p")
    assert stale is not None
    await engine.commit(await engine.reserve(COMPUTE, "p", SERVER), "pod-a")
    assert not await engine.correct(COMPUTE, "p", "pod-a", {"instances": 0}, stale)
    open_ = await engine.reserve(COMPUTE, "p", SERVER)
    assert await engine.settled_version(COMPUTE, "p") is None  # a create under way
    await engine.release(open_)
    assert (await engine.usage(COMPUTE, "p"))["instances"].in_use == 6
