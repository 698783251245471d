"""Lists when pods go dark or slow: answered from the others, down servers as Nova shows them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.gateway.harness import Gateway
from tests.gateway.test_lists_fleet import (
    COUNTS,
    Fleet,
    assert_in_global_order,
    ordering_of,
    seed_fleet,
    walk,
)
from tricircle.db.engine import Database
from tricircle.sim import SimCloud
from tricircle.sim.faults import Faults

DARK = "pod4"  # 233 servers
V2_69 = {"OpenStack-API-Version": "compute 2.69"}
FleetFactory = Callable[..., Awaitable[Fleet]]


@pytest.fixture
async def make_fleet(
    sim: SimCloud, sqlite_url: str, sqlite_db: Database
) -> AsyncIterator[FleetFactory]:
    gateways: list[Gateway] = []

    async def make(**pods_options: Any) -> Fleet:
        gateway = Gateway(sim, sqlite_url)
        for name, value in {"probe_interval": 0.05, **pods_options}.items():
            gateway.conf.set_override(name, value, "pods")
        await gateway.start()
        gateways.append(gateway)
        admin = await gateway.client("admin")
        return await seed_fleet(gateway, admin, await gateway.sim_project("demo"))

    yield make
    for gateway in gateways:
        await gateway.stop()


def _go_dark(fleet: Fleet, page: int) -> Callable[[int], Awaitable[None]]:
    async def between(done: int) -> None:
        if done == page:
            await fleet.gateway.sim.pods[DARK].set_faults(Faults(down="refuse"))

    return between


@pytest.mark.parametrize("sort", ["default", "display_name"])
async def test_pod_dark_mid_walk_below_2_69(make_fleet: FleetFactory, sort: str) -> None:
    fleet = await make_fleet()
    demo = await fleet.gateway.client("demo")
    params = [("sort_key", "display_name"), ("sort_dir", "asc")] if sort != "default" else []
    items = await walk(
        demo,
        "/compute/v2.1/servers/detail",
        [*params, ("limit", "13")],
        between=_go_dark(fleet, 20),
    )
    ids = [s["id"] for s in items]
    assert len(ids) == len(set(ids))
    assert {i for i in fleet.pod_of if fleet.pod_of[i] != DARK} <= set(ids)
    from_dark = [i for i in ids if fleet.pod_of[i] == DARK]
    assert 0 < len(from_dark) < COUNTS[4]  # what it gave before it went dark, nothing after
    assert all(s["status"] != "UNKNOWN" for s in items)
    assert_in_global_order(fleet, items, ordering_of(params))


async def test_pod_dark_mid_walk_from_2_69(make_fleet: FleetFactory) -> None:
    """Partial records are placed by their created time: the default order loses nothing."""
    fleet = await make_fleet()
    demo = await fleet.gateway.client("demo")
    items = await walk(
        demo,
        "/compute/v2.1/servers/detail",
        [("limit", "13")],
        between=_go_dark(fleet, 20),
        headers=V2_69,
    )
    ids = [s["id"] for s in items]
    assert sorted(ids) == sorted(fleet.pod_of), "every server exactly once, full or partial"
    partial = [s for s in items if s["status"] == "UNKNOWN"]
    assert partial and all(fleet.pod_of[s["id"]] == DARK for s in partial)
    assert set(partial[0]) == {"id", "status", "tenant_id", "created", "links"}
    assert_in_global_order(fleet, items, ordering_of([]))


async def test_pod_dark_mid_walk_by_name_from_2_69(make_fleet: FleetFactory) -> None:
    """Partial records have no name: they sort first, so those the walk had not reached
    when the pod went dark are behind it. Nothing is listed twice."""
    fleet = await make_fleet()
    demo = await fleet.gateway.client("demo")
    params = [("sort_key", "display_name"), ("sort_dir", "asc")]
    items = await walk(
        demo,
        "/compute/v2.1/servers/detail",
        [*params, ("limit", "13")],
        between=_go_dark(fleet, 20),
        headers=V2_69,
    )
    ids = [s["id"] for s in items]
    assert len(ids) == len(set(ids))
    assert {i for i in fleet.pod_of if fleet.pod_of[i] != DARK} <= set(ids)
    assert_in_global_order(fleet, items, ordering_of(params))


async def test_pod_dark_before_the_walk_by_name_from_2_69(make_fleet: FleetFactory) -> None:
    fleet = await make_fleet()
    demo = await fleet.gateway.client("demo")
    await fleet.gateway.sim.pods[DARK].set_faults(Faults(down="refuse"))
    params = [("sort_key", "display_name"), ("sort_dir", "asc")]
    items = await walk(
        demo, "/compute/v2.1/servers/detail", [*params, ("limit", "13")], headers=V2_69
    )
    assert sorted(s["id"] for s in items) == sorted(fleet.pod_of)
    assert all(s["status"] == "UNKNOWN" for s in items[: COUNTS[4]])
    assert_in_global_order(fleet, items, ordering_of(params))


async def test_partial_records_in_the_brief_list(make_fleet: FleetFactory) -> None:
    fleet = await make_fleet()
    demo = await fleet.gateway.client("demo")
    await fleet.gateway.sim.pods[DARK].set_faults(Faults(down="refuse"))
    reply = await demo.get("/compute/v2.1/servers", headers=V2_69)
    partial = [s for s in reply.body["servers"] if s.get("status") == "UNKNOWN"]
    assert len(partial) == COUNTS[4]
    assert set(partial[0]) == {"id", "status", "links"}
    assert all(set(s) == {"id", "name", "links"} for s in reply.body["servers"] if "name" in s)
    # a filter can't be said to match what nobody can see
    filtered = await demo.get("/compute/v2.1/servers", params={"name": "vm"}, headers=V2_69)
    assert all("status" not in s for s in filtered.body["servers"])


async def test_a_slow_pod_is_left_out_within_the_timeout(make_fleet: FleetFactory) -> None:
    # the timeout leaves the healthy pods room to answer on a loaded 2-core machine
    fleet = await make_fleet(list_timeout=3.0)
    demo = await fleet.gateway.client("demo")
    await fleet.gateway.sim.pods[DARK].set_faults(Faults(latency=60.0))
    reply = await asyncio.wait_for(demo.get("/compute/v2.1/servers"), 20)
    assert reply.status == 200
    assert len(reply.body["servers"]) == sum(COUNTS) - COUNTS[4]
    reply = await demo.get("/compute/v2.1/servers", headers=V2_69)
    assert len(reply.body["servers"]) == sum(COUNTS)
    assert sum(s.get("status") == "UNKNOWN" for s in reply.body["servers"]) == COUNTS[4]


async def test_the_operator_can_make_incomplete_lists_fail(make_fleet: FleetFactory) -> None:
    fleet = await make_fleet(list_down_pods="fail")
    demo = await fleet.gateway.client("demo")
    await fleet.gateway.sim.pods[DARK].set_faults(Faults(down="refuse"))
    reply = await demo.get("/compute/v2.1/servers", headers=V2_69)
    assert reply.status == 503
    assert DARK in reply.body["serviceUnavailable"]["message"]


async def test_the_operator_can_leave_partial_records_out(make_fleet: FleetFactory) -> None:
    fleet = await make_fleet(list_down_pods="omit")
    demo = await fleet.gateway.client("demo")
    await fleet.gateway.sim.pods[DARK].set_faults(Faults(down="refuse"))
    reply = await demo.get("/compute/v2.1/servers", headers=V2_69)
    assert len(reply.body["servers"]) == sum(COUNTS) - COUNTS[4]


async def test_a_down_pod_fails_writes_fast_and_comes_back(make_fleet: FleetFactory) -> None:
    fleet = await make_fleet()
    demo = await fleet.gateway.client("demo")
    pod = fleet.gateway.sim.pods[DARK]
    server_id = next(i for i, name in fleet.pod_of.items() if name == DARK)
    health = fleet.gateway.services.pods.health
    await pod.set_faults(Faults(down="refuse"))
    for _ in range(fleet.gateway.conf.pods.down_after_failures):
        assert (await demo.get("/compute/v2.1/servers")).status == 200
    assert health.is_down(fleet.pod_ids[DARK])
    # the list no longer waits for it, and a write is refused before anything is sent
    reply = await demo.put(f"/compute/v2.1/servers/{server_id}", {"server": {"name": "x"}})
    assert reply.status == 503
    assert DARK in reply.body["serviceUnavailable"]["message"]
    await pod.set_faults(Faults())
    for _ in range(100):
        if not health.is_down(fleet.pod_ids[DARK]):
            break
        await asyncio.sleep(0.05)
    assert not health.is_down(fleet.pod_ids[DARK]), "the probe should bring it back"
    reply = await demo.put(f"/compute/v2.1/servers/{server_id}", {"server": {"name": "x"}})
    assert reply.status == 200
    assert len((await demo.get("/compute/v2.1/servers")).body["servers"]) == sum(COUNTS)
