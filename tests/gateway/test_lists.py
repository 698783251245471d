"""Server lists over 7 pods: every server exactly once, in order, across pages of 13."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.gateway.harness import Client, Gateway
from tests.gateway.test_lists_fleet import (
    COUNTS,
    Fleet,
    assert_in_global_order,
    ordering_of,
    pod_truth,
    seed_fleet,
    walk,
)
from tricircle.db.engine import Database
from tricircle.gateway.compute import server_list
from tricircle.listing import collection
from tricircle.listing.engine import Cursors
from tricircle.sim import SimCloud

SORTS = {
    "default": [],
    "display_name asc": [("sort_key", "display_name"), ("sort_dir", "asc")],
}
FILTERS = {
    "none": [],
    "status=ACTIVE": [("status", "ACTIVE")],
    "name regex": [("name", "^vm-1")],
}


@pytest.fixture
async def fleet(sim: SimCloud, sqlite_url: str, sqlite_db: Database) -> AsyncIterator[Fleet]:
    gateway = Gateway(sim, sqlite_url)
    await gateway.start()
    admin = await gateway.client("admin")
    fleet = await seed_fleet(gateway, admin, await gateway.sim_project("demo"))
    yield fleet
    await gateway.stop()


@pytest.fixture
async def demo(fleet: Fleet) -> Client:
    return await fleet.gateway.client("demo")


@pytest.fixture(params=["one process", "many processes"])
def cursors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """'many processes': no page is served by the process that served the one before."""
    if request.param == "many processes":
        monkeypatch.setattr(collection, "_CURSORS", Cursors(ttl=0))


async def _check_walk(fleet: Fleet, client: Client, params: list[tuple[str, str]]) -> None:
    items = await walk(client, "/compute/v2.1/servers/detail", [*params, ("limit", "13")])
    ids = [s["id"] for s in items]
    assert len(ids) == len(set(ids)), "a server was listed twice"
    for pod_name in fleet.pod_ids:
        truth = await pod_truth(fleet, client, pod_name, params)
        assert [i for i in ids if fleet.pod_of[i] == pod_name] == truth, pod_name
    assert_in_global_order(fleet, items, ordering_of(params))


@pytest.mark.usefixtures("cursors")
@pytest.mark.parametrize("sort", list(SORTS))
async def test_walk_every_server_once_in_order(fleet: Fleet, demo: Client, sort: str) -> None:
    await _check_walk(fleet, demo, SORTS[sort])


@pytest.mark.parametrize("filters", ["status=ACTIVE", "name regex"])
@pytest.mark.parametrize("sort", list(SORTS))
async def test_filtered_walk(fleet: Fleet, demo: Client, sort: str, filters: str) -> None:
    await _check_walk(fleet, demo, [*FILTERS[filters], *SORTS[sort]])


async def test_the_whole_walk_covers_all_1000(fleet: Fleet, demo: Client) -> None:
    items = await walk(demo, "/compute/v2.1/servers", [("limit", "13")])
    assert len({s["id"] for s in items}) == len(items) == sum(COUNTS)
    assert set(items[0]) == {"id", "name", "links"}


@pytest.mark.usefixtures("cursors")
@pytest.mark.parametrize("sort", list(SORTS))
async def test_servers_created_during_the_walk(fleet: Fleet, demo: Client, sort: str) -> None:
    project = await fleet.gateway.sim_project("demo")
    before = set(fleet.pod_of)
    added: list[str] = []

    async def create(page: int) -> None:
        if page % 10 == 0:
            added.extend(await fleet.add_servers(f"pod{page % 7}", project, 3))

    params = [*SORTS[sort], ("limit", "13")]
    items = await walk(demo, "/compute/v2.1/servers/detail", params, between=create)
    ids = [s["id"] for s in items]
    assert len(ids) == len(set(ids))
    assert before <= set(ids)
    assert_in_global_order(fleet, items, ordering_of(SORTS[sort]))


async def test_all_tenants_is_for_admins(fleet: Fleet, demo: Client) -> None:
    other = await fleet.gateway.client("other")
    mine = await fleet.add_servers("pod2", await fleet.gateway.sim_project("other"), 5)
    assert {s["id"] for s in (await other.get("/compute/v2.1/servers")).body["servers"]} == set(
        mine
    )
    assert (await demo.get("/compute/v2.1/servers", params={"all_tenants": "1"})).status == 403
    admin = await fleet.gateway.client("admin")
    items = await walk(
        admin, "/compute/v2.1/servers/detail", [("all_tenants", "1"), ("limit", "97")]
    )
    assert {s["id"] for s in items} == set(fleet.pod_of)
    assert len(items) == sum(COUNTS) + 5


async def test_limit_is_capped_and_markers_checked(fleet: Fleet, demo: Client) -> None:
    reply = await demo.get("/compute/v2.1/servers", params={"limit": "5000"})
    assert len(reply.body["servers"]) == server_list.MAX_LIMIT
    assert "marker=" in reply.body["servers_links"][0]["href"]
    reply = await demo.get("/compute/v2.1/servers", params={"marker": "no-such-server"})
    assert reply.status == 400
    assert "marker [no-such-server] not found" in reply.body["badRequest"]["message"]
    reply = await demo.get("/compute/v2.1/servers", params={"limit": "-1"})
    assert reply.status == 400
    last = await demo.get("/compute/v2.1/servers", params={"limit": str(sum(COUNTS))})
    assert "servers_links" in last.body  # a full page links on, as Nova does
