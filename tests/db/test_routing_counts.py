"""The per (project, type, pod) counts follow every write of the routing entries."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from tests.db.test_registry import make_pods
from tricircle.db.engine import Database
from tricircle.db.models import RoutingCount, RoutingEntry
from tricircle.pods.routing import SERVER, RoutingTable
from tricircle.pods.routing_counts import add_entry, remove_entry


async def _counts(db: Database) -> dict[tuple[str, str, str], int]:
    async with db.session() as session:
        rows = (await session.scalars(select(RoutingCount))).all()
    return {(r.project_id, r.resource_type, r.pod_id): r.entries for r in rows if r.entries}


async def _counted_from_entries(db: Database) -> dict[tuple[str, str, str], int]:
    query = select(
        RoutingEntry.project_id, RoutingEntry.resource_type, RoutingEntry.pod_id, func.count()
    ).group_by(RoutingEntry.project_id, RoutingEntry.resource_type, RoutingEntry.pod_id)
    async with db.session() as session:
        return {(p, t, pod): n for p, t, pod, n in (await session.execute(query)).all()}


async def test_adds_removes_and_transfers_keep_the_counts(db: Database) -> None:
    _, pods = await make_pods(db)
    routing = RoutingTable(db)
    a, b, c = (pod.id for pod in pods)
    entries = [await routing.add("p1", SERVER, f"s{i}", (a, b)[i % 2], f"s{i}") for i in range(6)]
    await routing.add("p1", SERVER, "s0", a, "s0")  # recorded twice: counted once
    await routing.add("p2", "volume", "v1", c, "v1")
    assert await routing.pods_holding(SERVER, "p1") == {a, b}
    assert await routing.count_by_pod(SERVER) == {a: 3, b: 3}
    await routing.remove(entries[1].id)
    await routing.remove(entries[3].id)
    await routing.remove(entries[5].id)
    assert not await routing.remove(entries[5].id)
    assert await routing.pods_holding(SERVER, "p1") == {a}
    assert await routing.reassign("volume", ["v1"], "p3") == 1
    assert await routing.pods_holding("volume", "p2") == set()
    assert await routing.pods_holding(("server", "volume"), "p3") == {c}
    assert await routing.pods_holding(SERVER, None) == {a}
    assert await _counts(db) == await _counted_from_entries(db)


async def test_concurrent_adds_and_removes_add_up(db: Database) -> None:
    _, pods = await make_pods(db)
    routing = RoutingTable(db)
    entries = await asyncio.gather(
        *(routing.add("p", SERVER, f"s{i}", pods[0].id, f"s{i}") for i in range(20))
    )
    await asyncio.gather(*(routing.remove(e.id) for e in entries[:7]))
    assert await routing.count_by_pod(SERVER) == {pods[0].id: 13}
    assert await _counts(db) == await _counted_from_entries(db)


async def test_the_reconcilers_writes_are_counted(db: Database) -> None:
    _, pods = await make_pods(db)
    async with db.session.begin() as session:
        entry = RoutingEntry(
            project_id="p", resource_type=SERVER, top_id="s", pod_id=pods[2].id, bottom_id="s"
        )
        await add_entry(session, entry)
    assert await RoutingTable(db).pods_holding(SERVER, "p") == {pods[2].id}
    async with db.session.begin() as session:
        assert await remove_entry(session, entry.id)
    assert await RoutingTable(db).pods_holding(SERVER, "p") == set()
