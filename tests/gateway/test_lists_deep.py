"""Deep pages at random markers, each served by a process that served nothing before it.

The marker's place and every pod's own marker come from the top's index of sort
values; each page must be exactly the servers that follow the marker in the
gateway's order, and no pod may be read from its start.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.gateway.harness import IMAGE_ID, Client, Gateway
from tests.gateway.test_lists_fleet import Fleet, seed_fleet, walk
from tests.gateway.test_servers import SERVERS, boot
from tricircle.db.engine import Database
from tricircle.db.models import RoutingEntry
from tricircle.listing import collection, sort_index
from tricircle.listing.engine import Cursors
from tricircle.sim import SimCloud

SORTS = {
    "default": [],
    "created_at asc": [("sort_key", "created_at"), ("sort_dir", "asc")],
    "display_name asc": [("sort_key", "display_name"), ("sort_dir", "asc")],
    "display_name desc": [("sort_key", "display_name"), ("sort_dir", "desc")],
}
PAGE = 40
MARKERS = 25


@pytest.fixture(params=[True, False], ids=["indexed", "not indexed"])
async def fleet(
    request: pytest.FixtureRequest, sim: SimCloud, sqlite_url: str, sqlite_db: Database
) -> AsyncIterator[Fleet]:
    gateway = Gateway(sim, sqlite_url)
    await gateway.start()
    admin = await gateway.client("admin")
    project = await gateway.sim_project("demo")
    fleet = Fleet(gateway, indexed=request.param)
    seeded = await seed_fleet(gateway, admin, project, fleet=fleet)
    yield seeded
    await gateway.stop()


@pytest.mark.parametrize("sort", list(SORTS))
async def test_deep_pages_at_random_markers_are_exact(
    fleet: Fleet, sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo: Client = await fleet.gateway.client("demo")
    params = SORTS[sort]
    truth = [s["id"] for s in await walk(demo, "/compute/v2.1/servers/detail", params)]
    assert len(truth) == 1000
    monkeypatch.setattr(collection, "_CURSORS", Cursors(ttl=0))
    given: list[dict[str, str]] = []
    pod_markers = sort_index.pod_markers

    async def spied(*args: Any) -> dict[str, str]:
        given.append(await pod_markers(*args))
        return given[-1]

    monkeypatch.setattr(sort_index, "pod_markers", spied)
    rng = random.Random(sort)
    for index in rng.sample(range(len(truth)), MARKERS):
        given.clear()
        reply = await demo.get(
            "/compute/v2.1/servers/detail",
            params=[*params, ("limit", str(PAGE)), ("marker", truth[index])],
        )
        assert reply.status == 200, reply.body
        assert [s["id"] for s in reply.body["servers"]] == truth[index + 1 : index + 1 + PAGE]
        if not fleet.indexed:
            assert given == []
            continue
        # every other pod with a server before the marker resumes after one of its own
        marker_pod = fleet.pod_ids[fleet.pod_of[truth[index]]]
        before = {fleet.pod_ids[fleet.pod_of[i]] for i in truth[:index]} - {marker_pod}
        assert set(given[0]) == before
        for pod_id, marker in given[0].items():
            assert fleet.pod_ids[fleet.pod_of[marker]] == pod_id
            assert truth.index(marker) < index


async def _indexed(gateway: Gateway, server_id: str) -> tuple[str | None, str | None]:
    query = select(RoutingEntry.sort_created, RoutingEntry.sort_name).where(
        RoutingEntry.top_id == server_id
    )
    async with gateway.services.db.session() as session:
        created, name = (await session.execute(query)).one()
    return created, name


async def test_a_created_server_is_indexed_and_a_rename_follows(
    gateway: Gateway, demo: Client
) -> None:
    reply = await demo.post(SERVERS, boot(name="Alpha"))
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]
    shown = (await demo.get(f"{SERVERS}/{server_id}")).body["server"]
    assert await _indexed(gateway, server_id) == (shown["created"], "alpha")
    renamed = await demo.put(f"{SERVERS}/{server_id}", {"server": {"name": "Beta"}})
    assert renamed.status == 200
    assert await _indexed(gateway, server_id) == (shown["created"], "beta")
    for _ in range(100):  # a rebuild needs the server ACTIVE
        if (await demo.get(f"{SERVERS}/{server_id}")).body["server"]["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    rebuild = {"rebuild": {"imageRef": IMAGE_ID, "name": "Gamma"}}
    rebuilt = await demo.post(f"{SERVERS}/{server_id}/action", rebuild)
    assert rebuilt.status == 202, rebuilt.body
    assert await _indexed(gateway, server_id) == (shown["created"], "gamma")
