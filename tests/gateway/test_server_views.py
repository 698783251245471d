"""A server's views through the gateway carry what Nova shows, whichever pod served them."""

from __future__ import annotations

import asyncio

from tests.gateway.conftest import GatewayFactory
from tests.gateway.test_networks import NET, boot, make_network


async def test_a_server_on_a_network_shows_the_groups_it_was_booted_with(
    make_gateway: GatewayFactory,
) -> None:
    gateway = await make_gateway(central=True)
    demo = await gateway.client("demo")
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    await demo.post(f"{NET}/security-groups", {"security_group": {"name": "web"}})
    groups = [{"name": "web"}]
    created = await boot(demo, "vm1", "az2", [{"uuid": net["id"]}], security_groups=groups)
    assert created["security_groups"] == groups  # not the pod's default: it got none
    path = f"/compute/v2.1/servers/{created['id']}"
    for _ in range(100):
        shown = (await demo.get(path)).body["server"]
        if shown["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    assert shown["security_groups"] == groups
    (listed,) = (await demo.get("/compute/v2.1/servers/detail")).body["servers"]
    assert listed["security_groups"] == groups
