"""A router across both real regions, with the real central Neutron behind the gateway:
a bottom router in each pod joined by the bridge network, north-south through the pod of
the external network, floating IPs on servers in both, a port forwarding to the server in
the other region, and nothing left afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.realcloud.helpers import unique, wait_gone, wait_status
from tests.realcloud.test_gateway_networks import (
    ACTIVE_VIA,
    Top,
    boot,
    created,
    eventually,
    listed,
    top,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.realcloud


async def router_in(pod: Any, router_id: str) -> dict[str, Any] | None:
    found = await listed(pod, "routers", f"description={router_id}")
    return found[0] if found else None


async def forwardings_of(client: Any, fip_id: str) -> list[dict[str, Any]]:
    reply = await client.call("network", "GET", f"/v2.0/floatingips/{fip_id}/port_forwardings")
    assert reply.status == 200, reply
    return reply.body["port_forwardings"]


async def test_a_router_across_both_regions(top: Top) -> None:  # noqa: F811
    run = unique("r")
    ext = await created(
        top.admin,
        "networks",
        "network",
        {"name": f"{run}-ext", "router:external": True, "provider:network_type": "vlan",
         "provider:physical_network": "physnet1"},
    )  # fmt: skip
    ext_subnet = await created(
        top.admin,
        "subnets",
        "subnet",
        {"network_id": ext["id"], "cidr": "198.51.100.0/24", "ip_version": 4,
         "enable_dhcp": False},
    )  # fmt: skip
    group = await created(top.demo, "security-groups", "security_group", {"name": run})
    nets, subnets = [], []
    for index in (1, 2):
        net = await created(top.demo, "networks", "network", {"name": f"{run}-{index}"})
        body = {"network_id": net["id"], "cidr": f"10.78.{index}.0/24", "ip_version": 4}
        nets.append(net)
        subnets.append(await created(top.demo, "subnets", "subnet", body))
    (az1, pod1), (az2, pod2) = top.pods.items()
    servers: list[dict[str, Any]] = []
    fips: list[dict[str, Any]] = []
    addresses: list[str] = []
    router = await created(top.demo, "routers", "router", {"name": run})
    try:
        for az, net in ((az1, nets[0]), (az2, nets[1])):
            servers.append(await boot(top, f"{run}-{az}", az, net["id"], run))
        for server in servers:
            path = f"/servers/{server['id']}"
            await wait_status(top.demo, "compute", path, "server", "ACTIVE", ACTIVE_VIA)
        for subnet in subnets:
            reply = await top.demo.call(
                "network",
                "PUT",
                f"/v2.0/routers/{router['id']}/add_router_interface",
                {"subnet_id": subnet["id"]},
            )
            assert reply.status == 200, reply
        gateway = {"router": {"external_gateway_info": {"network_id": ext["id"]}}}
        reply = await top.demo.call("network", "PUT", f"/v2.0/routers/{router['id']}", gateway)
        assert reply.status == 200, reply

        async def wired() -> bool:
            one, two = await router_in(pod1, router["id"]), await router_in(pod2, router["id"])
            if one is None or two is None:
                return False
            return (
                {r["destination"] for r in one["routes"]} == {"10.78.2.0/24"}
                and {r["destination"] for r in two["routes"]} == {"10.78.1.0/24", "0.0.0.0/0"}
                and bool(one["external_gateway_info"])
            )

        await eventually(wired, "the router wired in both regions", timeout=60)
        for server in servers:
            [port] = await listed(top.demo, "ports", f"device_id={server['id']}")
            body = {"floating_network_id": ext["id"], "port_id": port["id"]}
            fips.append(await created(top.demo, "floatingips", "floatingip", body))
            addresses.append(fips[-1]["floating_ip_address"])

        async def floating() -> bool:
            for fip in fips:
                found = await listed(
                    pod1, "floatingips", f"floating_ip_address={fip['floating_ip_address']}"
                )
                if not found or not found[0]["port_id"]:
                    return False
            return True

        await eventually(floating, "both floating IPs in the external network's region")

        # bad input changes nothing: a route to nowhere, an overlapping subnet
        bad = {"router": {"routes": [{"destination": "10.99.0.0/24", "nexthop": "192.0.2.1"}]}}
        reply = await top.demo.call("network", "PUT", f"/v2.0/routers/{router['id']}", bad)
        assert reply.status == 400, reply
        # the second server's floating IP, then its network, leave the router: region two's
        # bottom router and bridge port go
        reply = await top.demo.call("network", "DELETE", f"/v2.0/floatingips/{fips[1]['id']}")
        assert reply.status == 204, reply
        fips.pop()
        await forward_to_region_two(top, ext, servers[1], fips, addresses)
        reply = await top.demo.call(
            "network",
            "PUT",
            f"/v2.0/routers/{router['id']}/remove_router_interface",
            {"subnet_id": subnets[1]["id"]},
        )
        assert reply.status == 200, reply

        async def region_two_unwired() -> bool:
            return await router_in(pod2, router["id"]) is None

        await eventually(region_two_unwired, "region two's bottom router gone")
    finally:
        for fip in fips:
            path = f"/v2.0/floatingips/{fip['id']}"
            for forwarding in await forwardings_of(top.demo, fip["id"]):
                await top.demo.call(
                    "network", "DELETE", f"{path}/port_forwardings/{forwarding['id']}"
                )
            await top.demo.call("network", "DELETE", path)
        for server in servers:
            await top.demo.call("compute", "DELETE", f"/servers/{server['id']}")
        for server in servers:
            await wait_gone(top.demo, "compute", f"/servers/{server['id']}", timeout=120)
        path = f"/v2.0/routers/{router['id']}"
        await top.demo.call("network", "PUT", path, {"router": {"external_gateway_info": {}}})
        for subnet in subnets:
            await top.demo.call(
                "network", "PUT", f"{path}/remove_router_interface", {"subnet_id": subnet["id"]}
            )
        assert (await top.demo.call("network", "DELETE", path)).status == 204

        async def ports_freed() -> bool:
            for net in nets:
                ports = await listed(top.demo, "ports", f"network_id={net['id']}")
                if not all(p["device_owner"].startswith("network:") for p in ports):
                    return False
            return True

        await eventually(ports_freed, "the servers' central ports deleted")
        for path in (
            *(f"/v2.0/networks/{net['id']}" for net in nets),
            f"/v2.0/security-groups/{group['id']}",
        ):
            await top.demo.call("network", "DELETE", path)
        await top.admin.call("network", "DELETE", f"/v2.0/subnets/{ext_subnet['id']}")
        await top.admin.call("network", "DELETE", f"/v2.0/networks/{ext['id']}")

    async def nothing_left() -> bool:
        for pod in top.pods.values():
            if await router_in(pod, router["id"]):
                return False
            for address in addresses:
                if await listed(pod, "floatingips", f"floating_ip_address={address}"):
                    return False
        return True

    await eventually(nothing_left, "no router part left in any region")


async def forward_to_region_two(
    top: Top,  # noqa: F811
    ext: dict[str, Any],
    server: dict[str, Any],
    fips: list,
    addresses: list,
) -> None:
    """A floating IP forwarding to the server in region two: realised in region one (the
    external network's) through a shadow of the server's port, which goes with the
    forwarding."""
    pod1 = next(iter(top.pods.values()))
    fip = await created(top.demo, "floatingips", "floatingip", {"floating_network_id": ext["id"]})
    fips.append(fip)
    addresses.append(fip["floating_ip_address"])
    [port] = await listed(top.demo, "ports", f"device_id={server['id']}")
    body = {
        "protocol": "tcp",
        "internal_port_id": port["id"],
        "internal_ip_address": port["fixed_ips"][0]["ip_address"],
        "internal_port": 22,
        "external_port": 2202,
    }
    path = f"/v2.0/floatingips/{fip['id']}/port_forwardings"
    reply = await top.demo.call("network", "POST", path, {"port_forwarding": body})
    assert reply.status == 201, reply
    forwarding = reply.body["port_forwarding"]

    async def forwarded() -> bool:
        copies = await listed(
            pod1, "floatingips", f"floating_ip_address={fip['floating_ip_address']}"
        )
        if not copies:
            return False
        found = await forwardings_of(pod1, copies[0]["id"])
        if [(f["external_port"], f["internal_port"]) for f in found] != [(2202, 22)]:
            return False
        [shadow] = await listed(pod1, "ports", f"id={found[0]['internal_port_id']}")
        return shadow["mac_address"] == port["mac_address"] and not shadow["device_id"]

    await eventually(forwarded, "the forwarding in region one, to a shadow of the port")
    reply = await top.demo.call("network", "DELETE", f"{path}/{forwarding['id']}")
    assert reply.status == 204, reply

    async def shadow_gone() -> bool:
        return not await listed(pod1, "ports", f"mac_address={port['mac_address']}")

    await eventually(shadow_gone, "the shadow of the port gone from region one")
    reply = await top.demo.call("network", "DELETE", f"/v2.0/floatingips/{fip['id']}")
    assert reply.status == 204, reply
    fips.remove(fip)
