"""One tenant network across both real regions, owned by the real central Neutron behind
the gateway: copies with the central segment, addresses and MACs in each pod, security
group rules that follow, and nothing left anywhere once it is all deleted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from tests.realcloud.conftest import RealCloud
from tests.realcloud.gateway import running_gateway
from tests.realcloud.helpers import BASE_FLAVOR, BASE_IMAGE, unique, wait_gone, wait_status
from tests.realcloud.targets import Client

pytestmark = pytest.mark.realcloud
ACTIVE_VIA = {"BUILD", "ACTIVE"}


class Top:
    """The tenant and the operator at the gateway, and the operator in each pod."""

    def __init__(self, demo: Client, admin: Client, pods: dict[str, Client]) -> None:
        self.demo, self.admin, self.pods = demo, admin, pods


@pytest.fixture
async def top(realcloud: RealCloud) -> AsyncIterator[Top]:
    spec = realcloud.spec
    async with running_gateway(realcloud), aiohttp.ClientSession() as http:
        demo = await Client(http, realcloud.target(spec.top_region)).login(spec.demo)
        admin = await Client(http, realcloud.target(spec.top_region)).login(spec.admin)
        pods = {
            pod.az: await Client(http, realcloud.target(pod.region)).login(spec.admin)
            for pod in spec.pods
        }
        yield Top(demo, admin, pods)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.5)


async def listed(client: Client, collection: str, query: str) -> list[dict[str, Any]]:
    reply = await client.call("network", "GET", f"/v2.0/{collection}?{query}")
    assert reply.status == 200, reply
    return reply.body[collection.replace("-", "_")]


async def created(client: Client, collection: str, singular: str, body: dict) -> dict:
    reply = await client.call("network", "POST", f"/v2.0/{collection}", {singular: body})
    assert reply.status == 201, reply
    return reply.body[singular]


async def boot(top: Top, name: str, az: str, net: str, group: str) -> dict[str, Any]:
    server = {
        "name": name,
        "flavorRef": await flavor_id(top),
        "imageRef": await image_id(top),
        "availability_zone": az,
        "networks": [{"uuid": net}],
        "security_groups": [{"name": group}],
    }
    reply = await top.demo.call("compute", "POST", "/servers", {"server": server})
    assert reply.status == 202, reply
    return reply.body["server"]


async def flavor_id(top: Top) -> str:
    reply = await top.demo.call("compute", "GET", "/flavors")
    return next(f["id"] for f in reply.body["flavors"] if f["name"] == BASE_FLAVOR)


async def image_id(top: Top) -> str:
    reply = await top.demo.call("image", "GET", f"/v2/images?name={BASE_IMAGE}")
    return reply.body["images"][0]["id"]


async def test_one_network_in_both_regions(top: Top) -> None:
    run = unique("net")
    net = await created(top.demo, "networks", "network", {"name": run})
    subnet = await created(
        top.demo,
        "subnets",
        "subnet",
        {"network_id": net["id"], "cidr": "10.77.1.0/24", "ip_version": 4, "name": run},
    )
    group = await created(top.demo, "security-groups", "security_group", {"name": run})
    central_net = (await top.admin.call("network", "GET", f"/v2.0/networks/{net['id']}")).body[
        "network"
    ]
    segment = central_net["provider:segmentation_id"]
    (az1, pod1), (az2, pod2) = top.pods.items()
    servers: dict[str, dict[str, Any]] = {}
    try:
        servers = {az: await boot(top, f"{run}-{az}", az, net["id"], run) for az in (az1, az2)}
        for server in servers.values():
            await wait_status(
                top.demo, "compute", f"/servers/{server['id']}", "server", "ACTIVE", ACTIVE_VIA
            )
        ports = {
            az: (await listed(top.demo, "ports", f"device_id={server['id']}"))[0]
            for az, server in servers.items()
        }
        addresses = {p["fixed_ips"][0]["ip_address"] for p in ports.values()}
        assert len(addresses) == 2
        for az, pod in top.pods.items():
            [copy] = await listed(pod, "networks", f"provider:segmentation_id={segment}")
            assert copy["provider:network_type"] == central_net["provider:network_type"]
            [bottom_subnet] = await listed(pod, "subnets", f"network_id={copy['id']}")
            assert (bottom_subnet["cidr"], bottom_subnet["gateway_ip"]) == (
                subnet["cidr"],
                subnet["gateway_ip"],
            )
            [bottom_port] = await listed(pod, "ports", f"mac_address={ports[az]['mac_address']}")
            assert (
                bottom_port["fixed_ips"][0]["ip_address"] == ports[az]["fixed_ips"][0]["ip_address"]
            )
            assert bottom_port["device_id"] == servers[az]["id"]
            assert ports[az]["device_id"] == servers[az]["id"]

        # a rule added at the top reaches both pods; a remote-group rule admits az2's
        # server by its address in az1's pod
        ssh = {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22}
        for rule in (ssh, {"remote_group_id": group["id"]}):
            body = {"security_group_id": group["id"], "direction": "ingress", **rule}
            await created(top.demo, "security-group-rules", "security_group_rule", body)
        vm2_address = ports[az2]["fixed_ips"][0]["ip_address"]

        async def copy_rules(pod: Client) -> list[dict[str, Any]]:
            [copy] = await listed(pod, "security-groups", f"description={group['id']}")
            return await listed(pod, "security-group-rules", f"security_group_id={copy['id']}")

        async def ssh_everywhere() -> bool:
            for pod in (pod1, pod2):
                if not any(r["port_range_min"] == 22 for r in await copy_rules(pod)):
                    return False
            return True

        await eventually(ssh_everywhere, "the ssh rule in both pods", timeout=30)

        async def vm2_admitted() -> bool:
            return any(r["remote_ip_prefix"] == f"{vm2_address}/32" for r in await copy_rules(pod1))

        await eventually(vm2_admitted, "az2's server admitted in az1's pod", timeout=30)
    finally:
        for server in servers.values():
            await top.demo.call("compute", "DELETE", f"/servers/{server['id']}")
        for server in servers.values():
            await wait_gone(top.demo, "compute", f"/servers/{server['id']}", timeout=120)

        async def ports_freed() -> bool:
            ports = await listed(top.demo, "ports", f"network_id={net['id']}")
            return all(p["device_owner"].startswith("network:") for p in ports)

        await eventually(ports_freed, "the servers' central ports deleted")
        for path in (
            f"/v2.0/security-groups/{group['id']}",
            f"/v2.0/subnets/{subnet['id']}",
            f"/v2.0/networks/{net['id']}",
        ):
            reply = await top.demo.call("network", "DELETE", path)
            assert reply.status == 204, (path, reply)

    async def nothing_left() -> bool:
        for pod in top.pods.values():
            if await listed(pod, "networks", f"provider:segmentation_id={segment}"):
                return False
            if await listed(pod, "security-groups", f"description={group['id']}"):
                return False
        return True

    await eventually(nothing_left, "no copy left in any pod")


async def test_bad_networks_change_nothing(top: Top) -> None:
    run = unique("badnet")
    net = await created(top.demo, "networks", "network", {"name": run})
    await created(
        top.demo,
        "subnets",
        "subnet",
        {"network_id": net["id"], "cidr": "10.77.2.0/24", "ip_version": 4},
    )
    try:
        base = {"name": run, "flavorRef": await flavor_id(top), "imageRef": await image_id(top)}
        for wanted in (
            {"uuid": net["id"], "fixed_ip": "10.99.0.5"},  # outside the subnet
            {"uuid": "00000000-0000-0000-0000-000000000000"},  # no such network
        ):
            server = {**base, "networks": [wanted]}
            reply = await top.demo.call("compute", "POST", "/servers", {"server": server})
            assert reply.status == 400, (wanted, reply)
        reply = await top.demo.call("compute", "GET", f"/servers?name={run}")
        assert reply.body["servers"] == []
        assert await listed(top.demo, "ports", f"network_id={net['id']}&device_owner=") == []
        for pod in top.pods.values():
            assert await listed(pod, "networks", f"name={run}") == []
    finally:
        reply = await top.demo.call("network", "DELETE", f"/v2.0/networks/{net['id']}")
        assert reply.status == 204, reply
