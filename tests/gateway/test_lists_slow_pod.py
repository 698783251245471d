"""A pod that misses list_timeout is a down pod: its servers are UNKNOWN records in their
places from 2.69 and left out below it, the others' servers are all there in order, and a
marker of the slow pod still pages (its place is in the index of sort values)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from tests.gateway.harness import Gateway
from tests.gateway.test_lists_down_pods import DARK, V2_69
from tests.gateway.test_lists_fleet import (
    Fleet,
    assert_in_global_order,
    ordering_of,
    seed_fleet,
    walk,
)
from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.db.models import RoutingEntry
from tricircle.listing import collection
from tricircle.listing.engine import Cursors
from tricircle.sim import SimCloud
from tricircle.sim.faults import Faults

SERVERS = "/compute/v2.1/servers/detail"


@pytest.fixture
async def fleet(
    sim: SimCloud, sqlite_url: str, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Fleet]:
    # the timeout leaves the healthy pods room to answer on a loaded 2-core machine
    gateway = Gateway(sim, sqlite_url)
    gateway.conf.set_override("list_timeout", 2.0, "pods")
    await gateway.start()
    admin = await gateway.client("admin")
    fleet = await seed_fleet(gateway, admin, await gateway.sim_project("demo"))
    # routes are recorded a moment after the pod made the server: only the index
    # holds the created time the pod shows
    async with gateway.services.db.session.begin() as session:
        await session.execute(update(RoutingEntry).values(created_at=utcnow()))
    monkeypatch.setattr(collection, "_CURSORS", Cursors(ttl=0))
    yield fleet
    await gateway.stop()


async def _slow(fleet: Fleet) -> None:
    await fleet.gateway.sim.pods[DARK].set_faults(Faults(latency=60.0))


async def test_a_slow_pods_servers_are_unknown_in_their_places(fleet: Fleet) -> None:
    demo = await fleet.gateway.client("demo")
    shown = {s["id"]: s["created"] for s in await walk(demo, SERVERS, [("limit", "1000")])}
    await _slow(fleet)
    items = await walk(demo, SERVERS, [("limit", "100")], headers=V2_69)
    assert sorted(s["id"] for s in items) == sorted(fleet.pod_of)
    unknown = [s for s in items if s["status"] == "UNKNOWN"]
    assert {s["id"] for s in unknown} == {i for i, pod in fleet.pod_of.items() if pod == DARK}
    assert all(s["created"] == shown[s["id"]] for s in unknown)
    assert_in_global_order(fleet, items, ordering_of([]))


async def test_below_2_69_a_slow_pod_is_left_out_and_nothing_else(fleet: Fleet) -> None:
    demo = await fleet.gateway.client("demo")
    truth = [s["id"] for s in await walk(demo, SERVERS, [("limit", "1000")])]
    await _slow(fleet)
    items = await walk(demo, SERVERS, [("limit", "100")])
    assert [s["id"] for s in items] == [i for i in truth if fleet.pod_of[i] != DARK]


@pytest.mark.parametrize("sort", [[], [("sort_key", "display_name"), ("sort_dir", "asc")]])
async def test_a_marker_of_the_slow_pod_still_pages(
    fleet: Fleet, sort: list[tuple[str, str]]
) -> None:
    demo = await fleet.gateway.client("demo")
    truth = [s["id"] for s in await walk(demo, SERVERS, [*sort, ("limit", "1000")])]
    await _slow(fleet)
    markers = [i for i in truth if fleet.pod_of[i] == DARK][::50]
    for marker in markers:
        reply = await demo.get(SERVERS, params=[*sort, ("limit", "30"), ("marker", marker)])
        assert reply.status == 200, reply.body
        after = [i for i in truth[truth.index(marker) + 1 :] if fleet.pod_of[i] != DARK]
        assert [s["id"] for s in reply.body["servers"]] == after[:30]
