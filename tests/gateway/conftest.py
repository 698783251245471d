from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.gateway.harness import IMAGE_ID, PASSWORD, Client, Gateway
from tricircle.db.engine import Database
from tricircle.sim import SimCloud

FLAVORS = (("1", "m1.tiny", 512, 1, 1), ("2", "m1.small", 2048, 1, 20))


@pytest.fixture
async def sim() -> AsyncIterator[SimCloud]:
    cloud = SimCloud(boot_delay=0.05)
    await cloud.start()
    for name in ("demo", "other"):
        cloud.identity.create_user(name, PASSWORD, project=name, roles=["member"])
    yield cloud
    await cloud.stop()


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway(
    sim: SimCloud, sqlite_url: str, sqlite_db: Database
) -> AsyncIterator[GatewayFactory]:
    """Three pods in two AZs behind a gateway, with two flavors; `pods` options override
    the gateway's ``[pods]`` settings; `central` puts a central Neutron behind it, `images`
    a top Glance (holding the pods' cirros image too)."""
    started: list[Gateway] = []

    async def make(*, central: bool = False, images: bool = False, **pods: Any) -> Gateway:
        gateway = Gateway(sim, sqlite_url)
        for name, value in pods.items():
            gateway.conf.set_override(name, value, "pods")
        if central:  # the top's own Neutron behind the gateway
            top = await sim.add_central()
            gateway.conf.set_override("network_url", top.url("network"), "central")
        if images:  # the top's own Glance behind the gateway
            top = await sim.add_central()
            top.add_image(name="cirros", id=IMAGE_ID)
            gateway.conf.set_override("image_url", top.url("image"), "central")
        await gateway.start()
        started.append(gateway)
        admin = await gateway.client("admin")
        for name, az in (("pod1", "az1"), ("pod2", "az2"), ("pod3", "az2")):
            await gateway.add_pod(admin, name, az)
        for flavor_id, name, ram, vcpus, disk in FLAVORS:
            flavor = {"id": flavor_id, "name": name, "ram": ram, "vcpus": vcpus, "disk": disk}
            reply = await admin.post("/compute/v2.1/flavors", {"flavor": flavor})
            assert reply.status == 200, reply.body
        return gateway

    yield make
    for gateway in started:
        await gateway.stop()


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway()


@pytest.fixture
async def admin(gateway: Gateway) -> Client:
    return await gateway.client("admin")


@pytest.fixture
async def demo(gateway: Gateway) -> Client:
    return await gateway.client("demo")


@pytest.fixture
async def other(gateway: Gateway) -> Client:
    return await gateway.client("other")
