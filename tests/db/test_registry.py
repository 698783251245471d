"""Pods, bindings and routing entries on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio

import pytest

from tricircle.db.engine import Database
from tricircle.pods.registry import BindingRegistry, Conflict, PodRegistry
from tricircle.pods.routing import SERVER, RoutingTable


async def make_pods(db: Database) -> tuple[PodRegistry, list]:
    registry = PodRegistry(db)
    pods = [
        await registry.create(
            name=f"pod{i}",
            region_name=f"R{i}",
            az_name=f"az{i % 2}",
            endpoints={"compute": f"http://h{i}/v2.1"},
            capabilities={},
        )
        for i in range(3)
    ]
    return registry, pods


async def test_pods_are_unique_by_name_and_region(db: Database) -> None:
    registry, pods = await make_pods(db)
    with pytest.raises(Conflict):
        await registry.create(
            name="pod0", region_name="other", az_name="az0", endpoints={}, capabilities={}
        )
    with pytest.raises(Conflict):
        await registry.update(pods[1].id, region_name="R0")
    assert [p.name for p in await registry.all()] == ["pod0", "pod1", "pod2"]


async def test_bindings_narrow_the_usable_pods(db: Database) -> None:
    registry, pods = await make_pods(db)
    bindings = BindingRegistry(db)
    assert len(await registry.usable("proj")) == 3
    assert [p.name for p in await registry.usable("proj", "az1")] == ["pod1"]
    await bindings.bind("proj", pods[2].id)
    assert [p.name for p in await registry.usable("proj")] == ["pod2"]
    assert await registry.usable("proj", "az1") == []
    with pytest.raises(Conflict):
        await bindings.bind("proj", pods[2].id)
    with pytest.raises(LookupError):
        await bindings.bind("proj", "missing")
    assert await bindings.unbind("proj", pods[2].id)
    assert not await bindings.unbind("proj", pods[2].id)


async def test_routing_entries_are_scoped_idempotent_and_block_pod_removal(db: Database) -> None:
    registry, pods = await make_pods(db)
    routing = RoutingTable(db)
    first = await routing.add("p1", SERVER, "s1", pods[0].id, "s1")
    again = await routing.add("p1", SERVER, "s1", pods[0].id, "s1")
    assert first.id == again.id
    await routing.add("p2", SERVER, "s2", pods[1].id, "s2")
    assert [e.top_id for e in await routing.find(SERVER, "s1", "p1")] == ["s1"]
    assert await routing.find(SERVER, "s1", "p2") == []
    assert await routing.pods_holding(SERVER, "p1") == {pods[0].id}
    assert await routing.pods_holding(SERVER, None) == {pods[0].id, pods[1].id}
    with pytest.raises(Conflict):
        await registry.delete(pods[0].id)
    assert await routing.remove(first.id)
    assert await registry.delete(pods[0].id)


async def test_concurrent_adds_of_one_copy_make_one_entry(db: Database) -> None:
    _, pods = await make_pods(db)
    routing = RoutingTable(db)
    entries = await asyncio.gather(
        *(routing.add("p", "flavor", "f1", pods[0].id, "f1") for _ in range(8))
    )
    assert len({e.id for e in entries}) == 1
    assert len(await routing.find("flavor", "f1")) == 1


async def test_routing_pages_by_id_with_filters(db: Database) -> None:
    _, pods = await make_pods(db)
    routing = RoutingTable(db)
    for i in range(5):
        await routing.add("p", SERVER, f"s{i}", pods[i % 2].id, f"s{i}")
    first = await routing.page(resource_type=SERVER, limit=2)
    second = await routing.page(resource_type=SERVER, limit=2, marker=first[-1].id)
    assert [e.top_id for e in first + second] == ["s0", "s1", "s2", "s3"]
    assert [e.top_id for e in await routing.page(pod_id=pods[1].id)] == ["s1", "s3"]
