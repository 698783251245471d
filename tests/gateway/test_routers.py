"""Routers across pods: a bottom router in each pod a central router's networks reach,
joined by the tenant's bridge network, north-south through the pod with the external
network, floating IPs there (a shadow port for a server elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import Client, Gateway
from tests.gateway.test_networks import (
    boot,
    central_port,
    make_network,
    pod_list,
    pod_neutron,
    server_pod,
)
from tests.jobs.helpers import eventually
from tricircle.gateway.network import NEUTRONS
from tricircle.network.sync import NetworkSync

NET = "/network/v2.0"


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway(central=True)


async def external_network(admin: Client) -> dict[str, Any]:
    body = {"name": "ext", "router:external": True, "provider:network_type": "flat"}
    body["provider:physical_network"] = "physnet1"
    reply = await admin.post(f"{NET}/networks", {"network": body})
    assert reply.status == 201, reply.body
    net = reply.body["network"]
    subnet = {"network_id": net["id"], "cidr": "203.0.113.0/24", "ip_version": 4}
    subnet["enable_dhcp"] = False
    assert (await admin.post(f"{NET}/subnets", {"subnet": subnet})).status == 201
    return net


async def bottom_router(gateway: Gateway, pod: str, router_id: str) -> dict[str, Any] | None:
    found = await pod_list(gateway, pod, "routers", description=router_id)
    return found[0] if found else None


async def interface_networks(gateway: Gateway, pod: str, bottom_id: str) -> set[str]:
    ports = await pod_list(
        gateway, pod, "ports", device_id=bottom_id, device_owner="network:router_interface"
    )
    networks = {n["id"]: n["name"] for n in await pod_list(gateway, pod, "networks")}
    return {networks[p["network_id"]] for p in ports}


async def router_interface(demo: Client, router: str, action: str, subnet: str) -> None:
    path = f"{NET}/routers/{router}/{action}_router_interface"
    reply = await demo.put(path, {"subnet_id": subnet})
    assert reply.status == 200, reply.body


async def two_servers_and_an_external_network(
    gateway: Gateway, demo: Client
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """ext (its pod: pod1), net1's subnet with vm1 in az1, net2's with vm2 in az2."""
    ext = await external_network(await gateway.client("admin"))
    net1, sub1 = await make_network(demo, "net1", "10.0.1.0/24")
    net2, sub2 = await make_network(demo, "net2", "10.0.2.0/24")
    vm1 = await boot(demo, "vm1", "az1", [{"uuid": net1["id"]}])
    vm2 = await boot(demo, "vm2", "az2", [{"uuid": net2["id"]}])
    return ext, sub1, sub2, vm1, vm2


async def test_a_router_across_two_pods(gateway: Gateway, demo: Client) -> None:
    ext, sub1, sub2, vm1, vm2 = await two_servers_and_an_external_network(gateway, demo)
    pod_a, pod_b = await server_pod(gateway, vm1["id"]), await server_pod(gateway, vm2["id"])
    assert pod_a == "pod1"
    reply = await demo.post(f"{NET}/routers", {"router": {"name": "r1"}})
    assert reply.status == 201, reply.body
    r1 = reply.body["router"]["id"]
    await router_interface(demo, r1, "add", sub1["id"])
    await router_interface(demo, r1, "add", sub2["id"])
    project = await gateway.sim_project("demo")
    bridge = f"tricircle-bridge-{project}"

    async def wired() -> bool:
        for pod, net in ((pod_a, "net1"), (pod_b, "net2")):
            router = await bottom_router(gateway, pod, r1)
            if router is None or await interface_networks(gateway, pod, router["id"]) != {
                net,
                bridge,
            }:
                return False
            if len(router["routes"]) != 1:
                return False
        return True

    await eventually(wired)
    bridge_ips = {}
    for pod in (pod_a, pod_b):
        router = await bottom_router(gateway, pod, r1)
        [bridge_net] = await pod_list(gateway, pod, "networks", name=bridge)
        [bridge_port] = await pod_list(
            gateway, pod, "ports", network_id=bridge_net["id"], device_id=router["id"]
        )
        bridge_ips[pod] = bridge_port["fixed_ips"][0]["ip_address"]
    routes = {pod: (await bottom_router(gateway, pod, r1))["routes"] for pod in (pod_a, pod_b)}
    assert routes[pod_a] == [{"destination": "10.0.2.0/24", "nexthop": bridge_ips[pod_b]}]
    assert routes[pod_b] == [{"destination": "10.0.1.0/24", "nexthop": bridge_ips[pod_a]}]
    # the gateway pod's router has the subnet's central gateway address and MAC
    central_if = (
        await demo.get(f"{NET}/ports", params={"device_id": r1, "network_id": sub1["network_id"]})
    ).body["ports"][0]
    [bottom_if] = await pod_list(gateway, pod_a, "ports", mac_address=central_if["mac_address"])
    assert bottom_if["fixed_ips"][0]["ip_address"] == sub1["gateway_ip"]

    # north-south: the gateway in pod1 (the external network's pod); pod B goes through it
    gateway_info = {"external_gateway_info": {"network_id": ext["id"]}}
    assert (await demo.put(f"{NET}/routers/{r1}", {"router": gateway_info})).status == 200

    async def north_south() -> bool:
        router_a = await bottom_router(gateway, pod_a, r1)
        router_b = await bottom_router(gateway, pod_b, r1)
        default = {"destination": "0.0.0.0/0", "nexthop": bridge_ips[pod_a]}
        return bool(router_a["external_gateway_info"]) and default in router_b["routes"]

    await eventually(north_south)

    # floating IPs: vm1's in its own pod, vm2's through a shadow of its port in pod1
    fips = {}
    for vm in (vm1, vm2):
        port = await central_port(demo, vm["id"])
        body = {"floating_network_id": ext["id"], "port_id": port["id"]}
        reply = await demo.post(f"{NET}/floatingips", {"floatingip": body})
        assert reply.status == 201, reply.body
        fips[vm["id"]] = (reply.body["floatingip"], port)

    async def floating() -> bool:
        for fip, port in fips.values():
            found = await pod_list(
                gateway, pod_a, "floatingips", floating_ip_address=fip["floating_ip_address"]
            )
            if not found or not found[0]["port_id"]:
                return False
            [bottom_port] = await pod_list(gateway, pod_a, "ports", id=found[0]["port_id"])
            if bottom_port["mac_address"] != port["mac_address"]:
                return False
        return True

    await eventually(floating)
    router_a = await bottom_router(gateway, pod_a, r1)
    assert "net2" in await interface_networks(gateway, pod_a, router_a["id"])

    # vm2's floating IP goes, then net2 leaves the router: pod B's router and bridge go
    fip2, _ = fips[vm2["id"]]
    assert (await demo.delete(f"{NET}/floatingips/{fip2['id']}")).status == 204
    await router_interface(demo, r1, "remove", sub2["id"])

    async def pod_b_unwired() -> bool:
        return await bottom_router(gateway, pod_b, r1) is None

    await eventually(pod_b_unwired)

    # everything deleted at the top: nothing left in any pod
    fip1, _ = fips[vm1["id"]]
    assert (await demo.delete(f"{NET}/floatingips/{fip1['id']}")).status == 204
    await router_interface(demo, r1, "remove", sub1["id"])
    assert (await demo.delete(f"{NET}/routers/{r1}")).status == 204

    async def no_router_parts() -> bool:
        for pod in gateway.sim.pods:
            if await pod_list(gateway, pod, "routers", project_id=project):
                return False
            if await pod_list(gateway, pod, "floatingips"):
                return False
        return True

    await eventually(no_router_parts)


async def test_bad_router_input_changes_nothing(
    gateway: Gateway, demo: Client, other: Client
) -> None:
    _, sub1 = await make_network(demo, "net1", "10.0.1.0/24")
    _, same = await make_network(demo, "net3", "10.0.1.0/24")
    reply = await demo.post(f"{NET}/routers", {"router": {"name": "r1"}})
    r1 = reply.body["router"]["id"]
    await router_interface(demo, r1, "add", sub1["id"])
    path = f"{NET}/routers/{r1}/add_router_interface"
    reply = await demo.put(path, {"subnet_id": same["id"]})  # overlaps net1's subnet
    assert reply.status == 400, reply.body
    routes = {"routes": [{"destination": "10.9.0.0/24", "nexthop": "192.0.2.1"}]}
    reply = await demo.put(f"{NET}/routers/{r1}", {"router": routes})  # a hop to nowhere
    assert reply.status == 400, reply.body
    assert reply.body["NeutronError"]["type"] == "InvalidRoutes"
    theirs, _ = await make_network(other, "theirs", "10.7.0.0/24")
    port = (await other.post(f"{NET}/ports", {"port": {"network_id": theirs["id"]}})).body
    admin = await gateway.client("admin")
    ext = await external_network(admin)
    body = {"floating_network_id": ext["id"], "port_id": port["port"]["id"]}
    reply = await demo.post(f"{NET}/floatingips", {"floatingip": body})  # not demo's port
    assert reply.status in (400, 404), reply.body
    for pod in gateway.sim.pods:
        assert await pod_list(gateway, pod, "routers") == []
        assert await pod_list(gateway, pod, "floatingips") == []


async def test_the_routers_own_routes_and_their_repair(gateway: Gateway, demo: Client) -> None:
    net1, sub1 = await make_network(demo, "net1", "10.0.1.0/24")
    net2, sub2 = await make_network(demo, "net2", "10.0.2.0/24")
    vm1 = await boot(demo, "vm1", "az1", [{"uuid": net1["id"]}])
    vm2 = await boot(demo, "vm2", "az2", [{"uuid": net2["id"]}])
    pod_a, pod_b = await server_pod(gateway, vm1["id"]), await server_pod(gateway, vm2["id"])
    r1 = (await demo.post(f"{NET}/routers", {"router": {"name": "r1"}})).body["router"]["id"]
    await router_interface(demo, r1, "add", sub1["id"])
    await router_interface(demo, r1, "add", sub2["id"])
    own = {"destination": "172.16.0.0/24", "nexthop": "10.0.1.50"}  # a host on net1
    reply = await demo.put(f"{NET}/routers/{r1}", {"router": {"routes": [own]}})
    assert reply.status == 200, reply.body

    async def routed() -> bool:
        a, b = await bottom_router(gateway, pod_a, r1), await bottom_router(gateway, pod_b, r1)
        if a is None or b is None:
            return False
        return own in a["routes"] and any(
            r["destination"] == own["destination"] and r["nexthop"] != own["nexthop"]
            for r in b["routes"]
        )  # pod B reaches the hop through the bridge

    await eventually(routed)
    bottom = await bottom_router(gateway, pod_a, r1)
    pod = gateway.sim.pods[pod_a]
    pod.network.routers[bottom["id"]]["routes"] = []  # lost in the pod
    await NetworkSync(gateway.services.db, gateway.app[NEUTRONS]).reconcile(grace=3600)
    assert own in (await bottom_router(gateway, pod_a, r1))["routes"]


async def bottom_forwardings(gateway: Gateway, pod: str, address: str) -> list[dict] | None:
    """The forwardings of the pod's copy of the floating IP at `address` (None: no copy)."""
    found = await pod_list(gateway, pod, "floatingips", floating_ip_address=address)
    if not found:
        return None
    neutron = await pod_neutron(gateway, pod)
    reply = await neutron.get(f"/v2.0/floatingips/{found[0]['id']}/port_forwardings")
    if reply.status == 404:  # removed by the job since it was listed
        return None
    assert reply.status == 200, reply.body
    return reply.body["port_forwardings"]


async def test_port_forwardings_reach_servers_in_both_pods(gateway: Gateway, demo: Client) -> None:
    ext, sub1, sub2, vm1, vm2 = await two_servers_and_an_external_network(gateway, demo)
    # vm2 in az2's pods, away from pod1, where the external network is
    assert await server_pod(gateway, vm1["id"]) == "pod1"
    assert await server_pod(gateway, vm2["id"]) != "pod1"
    gateway_info = {"external_gateway_info": {"network_id": ext["id"]}}
    reply = await demo.post(f"{NET}/routers", {"router": {"name": "r1", **gateway_info}})
    r1 = reply.body["router"]["id"]
    await router_interface(demo, r1, "add", sub1["id"])
    await router_interface(demo, r1, "add", sub2["id"])
    reply = await demo.post(
        f"{NET}/floatingips", {"floatingip": {"floating_network_id": ext["id"]}}
    )
    fip = reply.body["floatingip"]
    address, forwardings = (
        fip["floating_ip_address"],
        f"{NET}/floatingips/{fip['id']}/port_forwardings",
    )
    ports = {vm["id"]: await central_port(demo, vm["id"]) for vm in (vm1, vm2)}
    made = {}
    for outside, vm in ((2201, vm1), (2202, vm2)):
        port = ports[vm["id"]]
        body = {
            "protocol": "tcp",
            "internal_port_id": port["id"],
            "internal_ip_address": port["fixed_ips"][0]["ip_address"],
            "internal_port": 22,
            "external_port": outside,
        }
        reply = await demo.post(forwardings, {"port_forwarding": body})
        assert reply.status == 201, reply.body
        made[outside] = reply.body["port_forwarding"]

    async def pod1_macs() -> dict[int, str]:
        """outside port -> the MAC of the pod1 port it forwards to."""
        found = await bottom_forwardings(gateway, "pod1", address) or []
        macs = {}
        for forwarding in found:
            [port] = await pod_list(gateway, "pod1", "ports", id=forwarding["internal_port_id"])
            macs[forwarding["external_port"]] = port["mac_address"]
        return macs

    wanted = {2201: ports[vm1["id"]]["mac_address"], 2202: ports[vm2["id"]]["mac_address"]}

    async def forwarded() -> bool:
        return await pod1_macs() == wanted

    # vm1 through its own port in pod1; vm2 through a shadow of its port there
    await eventually(forwarded)
    [own] = await pod_list(gateway, "pod1", "ports", mac_address=wanted[2201])
    assert own["device_id"] == vm1["id"]

    # a forwarding lost in the pod comes back with the reconciler
    pod1 = gateway.sim.pods["pod1"].network
    lost = next(f for f in pod1.port_forwardings.values() if f["external_port"] == 2201)
    pod1.remove_port_forwarding(lost["id"])
    await NetworkSync(gateway.services.db, gateway.app[NEUTRONS]).reconcile(grace=3600)
    assert await pod1_macs() == wanted

    # a change of the inside port follows; a port for the forwarding floating IP is refused
    path = f"{forwardings}/{made[2202]['id']}"
    reply = await demo.put(path, {"port_forwarding": {"internal_port": 2222}})
    assert reply.status == 200, reply.body

    async def moved() -> bool:
        found = await bottom_forwardings(gateway, "pod1", address) or []
        return {f["external_port"]: f["internal_port"] for f in found} == {2201: 22, 2202: 2222}

    await eventually(moved)
    associate = {"floatingip": {"port_id": ports[vm1["id"]]["id"]}}
    reply = await demo.put(f"{NET}/floatingips/{fip['id']}", associate)
    assert (reply.status, reply.body["NeutronError"]["type"]) == (409, "FipInUseByPortForwarding")

    # vm2's forwarding goes, and with it vm2's shadow in pod1; vm1's own port stays
    assert (await demo.delete(path)).status == 204

    async def shadow_gone() -> bool:
        return await pod1_macs() == {2201: wanted[2201]} and not await pod_list(
            gateway, "pod1", "ports", mac_address=wanted[2202]
        )

    await eventually(shadow_gone)
    assert await pod_list(gateway, "pod1", "ports", mac_address=wanted[2201])

    # the last forwarding and the floating IP go: nothing of them is left in pod1
    assert (await demo.delete(f"{forwardings}/{made[2201]['id']}")).status == 204
    assert (await demo.delete(f"{NET}/floatingips/{fip['id']}")).status == 204

    async def no_floating_ip() -> bool:
        return await bottom_forwardings(gateway, "pod1", address) is None

    await eventually(no_floating_ip)
