"""The compute microversion range: what every enabled pod supports, and 406 outside it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.gateway.harness import Client, Gateway
from tricircle.db.engine import Database
from tricircle.sim import SimCloud


@pytest.fixture
async def gateway(sim: SimCloud, sqlite_url: str, sqlite_db: Database) -> AsyncIterator[Gateway]:
    """Pods of three Nova releases: the oldest bounds what the gateway may promise."""
    gateway = Gateway(sim, sqlite_url)
    await gateway.start()
    admin = await gateway.client("admin")
    for name, max_version in (("new", "2.96"), ("old", "2.79"), ("mid", "2.90")):
        await sim.add_pod(name, az="az1", compute_max_version=max_version)
        reply = await admin.post(
            "/v1.0/pods", {"pod": {"name": name, "region_name": name, "az_name": "az1"}}
        )
        assert reply.status == 201, reply.body
    yield gateway
    await gateway.stop()


async def _version(client: Client, asked: str | None) -> tuple[int, str | None]:
    headers = {"OpenStack-API-Version": f"compute {asked}"} if asked else {}
    reply = await client.get("/compute/v2.1/servers", headers=headers)
    return reply.status, reply.headers.get("OpenStack-API-Version")


async def test_version_documents_advertise_the_common_range(gateway: Gateway) -> None:
    anonymous = Client(gateway.http, gateway.url, "")  # discovery needs no token
    root = await anonymous.get("/compute/")
    assert root.status == 200
    legacy, version = root.body["versions"]  # v2.0, then v2.1, as Nova lists them
    assert legacy["id"] == "v2.0"
    assert (version["min_version"], version["version"]) == ("2.1", "2.79")
    v21 = await anonymous.get("/compute/v2.1/")
    assert (v21.body["version"]["min_version"], v21.body["version"]["version"]) == ("2.1", "2.79")


async def test_requests_inside_the_range_pass_and_outside_get_406(gateway: Gateway) -> None:
    demo = await gateway.client("demo")
    assert await _version(demo, None) == (200, "compute 2.1")
    assert await _version(demo, "2.79") == (200, "compute 2.79")
    assert await _version(demo, "latest") == (200, "compute 2.79")
    reply = await demo.get(
        "/compute/v2.1/servers", headers={"OpenStack-API-Version": "compute 2.80"}
    )
    assert reply.status == 406
    (fault,) = reply.body.values()  # the fault's name is the error format's business
    assert fault["message"] == (
        "Version 2.80 is not supported by the API. Minimum is 2.1 and maximum is 2.79."
    )
    legacy = await demo.get(
        "/compute/v2.1/servers", headers={"X-OpenStack-Nova-API-Version": "2.5"}
    )
    assert (legacy.status, legacy.headers["X-OpenStack-Nova-API-Version"]) == (200, "2.5")
    reply = await demo.get("/compute/v2.1/servers", headers={"OpenStack-API-Version": "compute 2"})
    assert reply.status == 400


async def test_a_pod_out_of_service_no_longer_bounds_the_range(gateway: Gateway) -> None:
    admin = await gateway.client("admin")
    pods = (await admin.get("/v1.0/pods")).body["pods"]
    old = next(p for p in pods if p["name"] == "old")
    reply = await admin.put(f"/v1.0/pods/{old['id']}", {"pod": {"state": "maintenance"}})
    assert reply.status == 200, reply.body
    await gateway.services.directory.refresh()
    demo = await gateway.client("demo")
    assert await _version(demo, "latest") == (200, "compute 2.90")
    assert (await _version(demo, "2.91"))[0] == 406
