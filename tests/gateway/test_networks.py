"""Tenant networks across pods: the central Neutron behind the gateway, copies in the pods
where servers boot, security groups that follow their ports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_openstack_cli import openstack_cli
from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import IMAGE_ID, PASSWORD, Client, Gateway
from tests.jobs.helpers import eventually
from tricircle.demo import write_clouds_yaml
from tricircle.gateway.network import NEUTRONS
from tricircle.network.sync import NetworkSync
from tricircle.sim import Faults

NET = "/network/v2.0"


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway(central=True)


async def pod_neutron(gateway: Gateway, pod: str) -> Client:
    """The pod's own Neutron, as its admin sees it (what the tenant never sees)."""
    admin = await gateway.client("admin")
    return Client(admin.http, gateway.sim.pods[pod].url("network"), admin.token)


async def pod_list(gateway: Gateway, pod: str, collection: str, **params: Any) -> list[dict]:
    neutron = await pod_neutron(gateway, pod)
    reply = await neutron.get(f"/v2.0/{collection}", params=params)
    assert reply.status == 200, reply.body
    return reply.body[collection.replace("-", "_")]


async def make_network(demo: Client, name: str, cidr: str) -> tuple[dict, dict]:
    reply = await demo.post(f"{NET}/networks", {"network": {"name": name}})
    assert reply.status == 201, reply.body
    net = reply.body["network"]
    subnet = {"network_id": net["id"], "cidr": cidr, "ip_version": 4, "name": name}
    reply = await demo.post(f"{NET}/subnets", {"subnet": subnet})
    assert reply.status == 201, reply.body
    return net, reply.body["subnet"]


async def boot(demo: Client, name: str, az: str, networks: Any, **extra: Any) -> dict:
    server = {
        "name": name,
        "flavorRef": "1",
        "imageRef": IMAGE_ID,
        "availability_zone": az,
        "networks": networks,
        **extra,
    }
    reply = await demo.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == 202, reply.body
    return reply.body["server"]


async def server_pod(gateway: Gateway, server_id: str) -> str:
    for name, pod in gateway.sim.pods.items():
        if server_id in pod.servers:
            return name
    raise AssertionError(f"server {server_id} is in no pod")


async def central_port(demo: Client, server_id: str) -> dict:
    reply = await demo.get(f"{NET}/ports", params={"device_id": server_id})
    assert reply.status == 200, reply.body
    [port] = reply.body["ports"]
    return port


async def test_network_calls_pass_to_the_central_neutron(gateway: Gateway, demo: Client) -> None:
    net, subnet = await make_network(demo, "net1", "10.0.1.0/24")
    reply = await demo.get(f"{NET}/networks/{net['id']}")
    assert reply.status == 200 and reply.body["network"]["subnets"] == [subnet["id"]]
    reply = await demo.get(f"{NET}/networks/00000000-0000-0000-0000-000000000000")
    assert reply.status == 404
    assert "NeutronError" in reply.body
    # nothing reached a pod: a network lives at the top until a server needs it somewhere
    for pod in gateway.sim.pods:
        assert await pod_list(gateway, pod, "networks", name="net1") == []
    root = await demo.get("/network/")
    assert root.status == 200
    assert all(gateway.url in link["href"] for v in root.body["versions"] for link in v["links"])


async def test_servers_in_two_azs_share_one_network(gateway: Gateway, demo: Client) -> None:
    net, subnet = await make_network(demo, "net1", "10.0.1.0/24")
    vm1 = await boot(demo, "vm1", "az1", [{"uuid": net["id"]}])
    vm2 = await boot(demo, "vm2", "az2", [{"uuid": net["id"]}])
    pods = {await server_pod(gateway, vm1["id"]), await server_pod(gateway, vm2["id"])}
    assert len(pods) == 2 and "pod1" in pods

    admin = await gateway.client("admin")
    central_net = (await admin.get(f"{NET}/networks/{net['id']}")).body["network"]
    ports = {vm["id"]: await central_port(demo, vm["id"]) for vm in (vm1, vm2)}
    addresses = {p["fixed_ips"][0]["ip_address"] for p in ports.values()}
    assert len(addresses) == 2  # one address space: the central IPAM gave each its own
    for vm_id, port in ports.items():
        pod = await server_pod(gateway, vm_id)
        [copy] = await pod_list(
            gateway,
            pod,
            "networks",
            **{"provider:segmentation_id": central_net["provider:segmentation_id"]},
        )
        assert copy["provider:network_type"] == central_net["provider:network_type"]
        [bottom_subnet] = await pod_list(gateway, pod, "subnets", network_id=copy["id"])
        assert bottom_subnet["cidr"] == subnet["cidr"]
        assert bottom_subnet["gateway_ip"] == subnet["gateway_ip"]
        assert bottom_subnet["allocation_pools"] == []  # no address of its own to hand out
        [bottom_port] = await pod_list(gateway, pod, "ports", mac_address=port["mac_address"])
        assert bottom_port["fixed_ips"][0]["ip_address"] == port["fixed_ips"][0]["ip_address"]
        assert bottom_port["device_id"] == vm_id  # the pod's Nova plugged it
        # the central port shows where it is plugged
        assert port["device_id"] == vm_id
        assert port["device_owner"] == f"compute:{gateway.sim.pods[pod].az}"
        shown = (await admin.get(f"{NET}/ports/{port['id']}")).body["port"]
        assert shown["binding:host_id"] == pod


async def test_rules_follow_the_group_into_every_pod(gateway: Gateway, demo: Client) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    reply = await demo.post(f"{NET}/security-groups", {"security_group": {"name": "web"}})
    assert reply.status == 201, reply.body
    web = reply.body["security_group"]
    groups = [{"name": "web"}]
    vm1 = await boot(demo, "vm1", "az1", [{"uuid": net["id"]}], security_groups=groups)
    vm2 = await boot(demo, "vm2", "az2", [{"uuid": net["id"]}], security_groups=groups)
    pod1, pod2 = await server_pod(gateway, vm1["id"]), await server_pod(gateway, vm2["id"])
    vm2_ip = (await central_port(demo, vm2["id"]))["fixed_ips"][0]["ip_address"]

    rule = {"security_group_id": web["id"], "direction": "ingress", "protocol": "tcp"}
    rule |= {"port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"}
    reply = await demo.post(f"{NET}/security-group-rules", {"security_group_rule": rule})
    assert reply.status == 201, reply.body
    http_rule = reply.body["security_group_rule"]
    reply = await demo.post(
        f"{NET}/security-group-rules",
        {
            "security_group_rule": {
                "security_group_id": web["id"],
                "direction": "ingress",
                "remote_group_id": web["id"],
            }
        },
    )
    assert reply.status == 201, reply.body

    async def copy_rules(pod: str) -> list[dict]:
        [copy] = await pod_list(gateway, pod, "security-groups", description=web["id"])
        return await pod_list(gateway, pod, "security-group-rules", security_group_id=copy["id"])

    async def both_have_http() -> bool:
        for pod in (pod1, pod2):
            if not any(r.get("port_range_min") == 80 for r in await copy_rules(pod)):
                return False
        return True

    await eventually(both_have_http)

    async def vm2_admitted_in_vm1_pod() -> bool:
        rules = await copy_rules(pod1)
        return any(r.get("remote_ip_prefix") == f"{vm2_ip}/32" for r in rules)

    await eventually(vm2_admitted_in_vm1_pod)
    assert not any(r.get("remote_group_id") for r in await copy_rules(pod1))

    reply = await demo.delete(f"{NET}/security-group-rules/{http_rule['id']}")
    assert reply.status == 204

    async def http_rule_gone() -> bool:
        for pod in (pod1, pod2):
            if any(r.get("port_range_min") == 80 for r in await copy_rules(pod)):
                return False
        return True

    await eventually(http_rule_gone)


async def test_deleting_everything_leaves_nothing_in_any_pod(
    gateway: Gateway, demo: Client
) -> None:
    net, subnet = await make_network(demo, "net1", "10.0.1.0/24")
    vms = [
        await boot(demo, "vm1", "az1", [{"uuid": net["id"]}]),
        await boot(demo, "vm2", "az2", [{"uuid": net["id"]}]),
    ]
    for vm in vms:
        assert (await demo.delete(f"/compute/v2.1/servers/{vm['id']}")).status == 204

    async def ports_gone() -> bool:
        reply = await demo.get(f"{NET}/ports", params={"network_id": net["id"]})
        mine = [p for p in reply.body["ports"] if not p["device_owner"].startswith("network:")]
        return not mine

    await eventually(ports_gone, timeout=20)
    assert (await demo.delete(f"{NET}/subnets/{subnet['id']}")).status == 204
    assert (await demo.delete(f"{NET}/networks/{net['id']}")).status == 204

    async def pods_empty() -> bool:
        for pod in gateway.sim.pods:
            if await pod_list(gateway, pod, "networks", name="net1"):
                return False
            if await pod_list(gateway, pod, "ports", project_id=demo_project):
                return False
        return True

    demo_project = await gateway.sim_project("demo")
    await eventually(pods_empty, timeout=20)


@pytest.mark.parametrize(
    ("wanted", "status"),
    [
        ({"fixed_ip": "10.9.9.9"}, 400),  # outside the subnet
        ({"uuid": "00000000-0000-0000-0000-000000000000"}, 400),  # unknown network
    ],
)
async def test_bad_networks_leave_nothing(
    gateway: Gateway, demo: Client, wanted: dict, status: int
) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az1"}
    server["networks"] = [{"uuid": net["id"], **wanted}]
    reply = await demo.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == status, reply.body
    ports = (await demo.get(f"{NET}/ports", params={"network_id": net["id"]})).body["ports"]
    assert [p for p in ports if not p["device_owner"].startswith("network:")] == []
    for pod in gateway.sim.pods.values():
        assert pod.servers == {}
    assert await pod_list(gateway, "pod1", "networks", name="net1") == []


async def test_a_fixed_ip_in_use_is_refused(gateway: Gateway, demo: Client) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    await boot(demo, "vm1", "az1", [{"uuid": net["id"], "fixed_ip": "10.0.1.50"}])
    server = {"name": "vm2", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az2"}
    server["networks"] = [{"uuid": net["id"], "fixed_ip": "10.0.1.50"}]
    reply = await demo.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == 400, reply.body
    assert all(pod.name == "pod1" or not pod.servers for pod in gateway.sim.pods.values())


async def test_another_projects_network_is_not_found(
    gateway: Gateway, demo: Client, other: Client
) -> None:
    net, _ = await make_network(other, "theirs", "10.0.2.0/24")
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az1"}
    server["networks"] = [{"uuid": net["id"]}]
    reply = await demo.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == 400, reply.body
    assert "could not be found" in reply.body["badRequest"]["message"]


async def test_interfaces_name_the_central_ports(gateway: Gateway, demo: Client) -> None:
    net, subnet = await make_network(demo, "net1", "10.0.1.0/24")
    other, other_subnet = await make_network(demo, "net2", "10.0.2.0/24")
    vm = await boot(demo, "vm1", "az1", [{"uuid": net["id"]}])
    await eventually(lambda: _active(demo, vm["id"]))
    path = f"/compute/v2.1/servers/{vm['id']}/os-interface"
    reply = await demo.post(path, {"interfaceAttachment": {"net_id": other["id"]}})
    assert reply.status == 200, reply.body
    attached = reply.body["interfaceAttachment"]
    assert attached["net_id"] == other["id"]
    assert attached["fixed_ips"][0]["subnet_id"] == other_subnet["id"]
    central = (await demo.get(f"{NET}/ports/{attached['port_id']}")).body["port"]
    assert central["device_id"] == vm["id"]  # the central port, plugged into the server

    listed = (await demo.get(path)).body["interfaceAttachments"]
    first = await central_port_on(demo, vm["id"], net["id"])
    assert {(i["port_id"], i["net_id"]) for i in listed} == {
        (first["id"], net["id"]),
        (attached["port_id"], other["id"]),
    }
    assert all(
        f["subnet_id"] in (subnet["id"], other_subnet["id"]) for i in listed for f in i["fixed_ips"]
    )
    reply = await demo.delete(f"{path}/{attached['port_id']}")
    assert reply.status == 202, reply.body

    async def detached_port_gone() -> bool:
        return (await demo.get(f"{NET}/ports/{attached['port_id']}")).status == 404

    await eventually(detached_port_gone, timeout=20)  # made for the server: it goes with it
    assert [i["port_id"] for i in (await demo.get(path)).body["interfaceAttachments"]] == [
        first["id"]
    ]


async def _active(demo: Client, server_id: str) -> bool:
    reply = await demo.get(f"/compute/v2.1/servers/{server_id}")
    return reply.body["server"]["status"] == "ACTIVE"


async def central_port_on(demo: Client, server_id: str, network_id: str) -> dict:
    reply = await demo.get(
        f"{NET}/ports", params={"device_id": server_id, "network_id": network_id}
    )
    [port] = reply.body["ports"]
    return port


async def test_the_reconciler_repairs_drift_and_removes_unused_copies(
    gateway: Gateway, demo: Client
) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    vm = await boot(demo, "vm1", "az1", [{"uuid": net["id"]}])
    pod1 = await pod_neutron(gateway, "pod1")
    [copy_group] = [
        g
        for g in await pod_list(gateway, "pod1", "security-groups")
        if g["name"] == "default" and g["description"] != "Default security group"
    ]
    rules = await pod_list(
        gateway, "pod1", "security-group-rules", security_group_id=copy_group["id"]
    )
    for rule in rules:  # someone empties the copy in the pod
        assert (await pod1.delete(f"/v2.0/security-group-rules/{rule['id']}")).status == 204
    sync = _network_sync(gateway)
    await sync.reconcile(grace=3600)
    repaired = await pod_list(
        gateway, "pod1", "security-group-rules", security_group_id=copy_group["id"]
    )
    assert len(repaired) == len(rules)

    assert (await demo.delete(f"/compute/v2.1/servers/{vm['id']}")).status == 204

    async def freed() -> bool:
        ports = (await demo.get(f"{NET}/ports", params={"device_id": vm["id"]})).body["ports"]
        return not ports and not await pod_list(gateway, "pod1", "ports", device_id=vm["id"])

    await eventually(freed, timeout=20)
    await sync.reconcile(grace=0)  # no server needs the copies in pod1 any more
    assert await pod_list(gateway, "pod1", "networks", name="net1") == []
    assert (
        await pod_list(gateway, "pod1", "security-groups", description=copy_group["description"])
        == []
    )
    # the network itself is the central Neutron's, untouched
    assert (await demo.get(f"{NET}/networks/{net['id']}")).status == 200


def _network_sync(gateway: Gateway) -> NetworkSync:
    neutrons = gateway.app[NEUTRONS]
    return NetworkSync(gateway.services.db, neutrons)


async def test_a_network_that_cannot_reach_a_pod_is_refused_there(
    make_gateway: GatewayFactory,
) -> None:
    gateway = await make_gateway(central=True)
    gateway.app[NEUTRONS].physical_networks["pod1"] = frozenset({"physnet2"})
    admin, demo = await gateway.client("admin"), await gateway.client("demo")
    project = await gateway.sim_project("demo")
    body = {
        "name": "vlan-net",
        "project_id": project,
        "provider:network_type": "vlan",
        "provider:physical_network": "physnet1",
        "provider:segmentation_id": 150,
    }
    reply = await admin.post(f"{NET}/networks", {"network": body})
    assert reply.status == 201, reply.body
    net = reply.body["network"]
    subnet = {"network_id": net["id"], "cidr": "10.5.0.0/24", "ip_version": 4}
    assert (await demo.post(f"{NET}/subnets", {"subnet": subnet})).status == 201
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az1"}
    server["networks"] = [{"uuid": net["id"]}]
    reply = await demo.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == 400, reply.body
    assert "physnet1" in reply.body["badRequest"]["message"]
    assert (await demo.get(f"{NET}/ports", params={"network_id": net["id"]})).body["ports"] == []
    # az2's pods have physnet1: the same network boots there
    await boot(demo, "vm", "az2", [{"uuid": net["id"]}])


async def test_auto_takes_the_one_network_and_refuses_a_choice(
    gateway: Gateway, demo: Client
) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    vm = await boot(demo, "vm1", "az1", "auto")
    assert (await central_port(demo, vm["id"]))["network_id"] == net["id"]
    await make_network(demo, "net2", "10.0.2.0/24")
    server = {"name": "vm2", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "auto"}
    reply = await demo.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == 409, reply.body
    assert "Multiple possible networks found" in reply.body["conflictingRequest"]["message"]


async def test_a_rename_reaches_the_copies(gateway: Gateway, demo: Client) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    vm = await boot(demo, "vm1", "az1", [{"uuid": net["id"]}])
    await eventually(lambda: _active(demo, vm["id"]))
    reply = await demo.put(f"{NET}/networks/{net['id']}", {"network": {"name": "blue"}})
    assert reply.status == 200, reply.body

    async def renamed() -> bool:
        return bool(await pod_list(gateway, "pod1", "networks", name="blue"))

    await eventually(renamed)  # the pod's Nova shows the new name once its cache heals


async def test_a_copy_with_a_pods_own_ports_blocks_the_delete(
    gateway: Gateway, demo: Client
) -> None:
    net, subnet = await make_network(demo, "net1", "10.0.1.0/24")
    vm = await boot(demo, "vm1", "az1", [{"uuid": net["id"]}])
    [copy] = await pod_list(gateway, "pod1", "networks", name="net1")
    pod1 = await pod_neutron(gateway, "pod1")
    project = await gateway.sim_project("demo")
    bottom_subnet = (await pod_list(gateway, "pod1", "subnets", network_id=copy["id"]))[0]
    fixed = [{"subnet_id": bottom_subnet["id"], "ip_address": "10.0.1.200"}]
    stray = {"network_id": copy["id"], "project_id": project, "fixed_ips": fixed}
    reply = await pod1.post("/v2.0/ports", {"port": stray})  # made in the pod, not by us
    assert reply.status == 201, reply.body
    assert (await demo.delete(f"/compute/v2.1/servers/{vm['id']}")).status == 204

    async def ports_gone() -> bool:
        ports = (await demo.get(f"{NET}/ports", params={"network_id": net["id"]})).body["ports"]
        return all(p["device_owner"].startswith("network:") for p in ports)

    await eventually(ports_gone, timeout=20)
    assert (await demo.delete(f"{NET}/subnets/{subnet['id']}")).status == 204
    reply = await demo.delete(f"{NET}/networks/{net['id']}")
    assert reply.status == 409, reply.body
    assert reply.body["NeutronError"]["type"] == "NetworkInUse"
    assert (await demo.get(f"{NET}/networks/{net['id']}")).status == 200  # nothing changed


async def test_a_central_neutron_that_does_not_answer_is_a_503(
    gateway: Gateway, demo: Client
) -> None:
    net, _ = await make_network(demo, "net1", "10.0.1.0/24")
    central = gateway.sim.central
    assert central is not None
    await central.set_faults(Faults(down="refuse"))
    reply = await demo.get(f"{NET}/networks")
    assert reply.status == 503, reply.body
    assert reply.body["NeutronError"]["type"] == "HTTPServiceUnavailable"
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az1"}
    reply = await demo.post(
        "/compute/v2.1/servers", {"server": {**server, "networks": [{"uuid": net["id"]}]}}
    )
    assert reply.status == 503, reply.body
    assert all(not pod.servers for pod in gateway.sim.pods.values())
    await central.set_faults(Faults())
    assert (await demo.get(f"{NET}/networks/{net['id']}")).status == 200


async def test_the_version_document_at_the_root_without_a_slash(
    gateway: Gateway, demo: Client
) -> None:
    assert (await demo.get("/network")).status == 200
    central = gateway.sim.central
    assert central is not None
    await central.set_faults(Faults(down="refuse"))
    reply = await demo.get("/network")
    assert reply.status == 503 and "NeutronError" in reply.body
    await central.set_faults(Faults())


async def test_the_cli_shows_network_quotas_from_the_central_neutron(
    gateway: Gateway, demo: Client, tmp_path: Path
) -> None:
    clouds = tmp_path / "clouds.yaml"
    users = {"demo": ("demo", PASSWORD), "admin": ("admin", "admin")}
    write_clouds_yaml(clouds, gateway.sim.identity_url, users)
    await openstack_cli(clouds, "admin", "quota", "set", "--networks", "7", "demo", output=False)
    await make_network(demo, "net1", "10.0.1.0/24")
    shown = {
        row["Resource"]: row["Limit"]
        for row in await openstack_cli(clouds, "demo", "quota", "show")
    }
    assert shown["networks"] == 7
    assert shown["instances"] == 10  # compute's, from the top
    usage = await openstack_cli(clouds, "demo", "quota", "show", "--usage", "--network")
    assert {row["Resource"]: row["In Use"] for row in usage}["networks"] == 1


async def test_a_top_glance_that_does_not_answer_is_glances_503_at_the_root(
    make_gateway: GatewayFactory,
) -> None:
    gateway = await make_gateway(images=True)
    demo = await gateway.client("demo")
    assert (await demo.get("/image")).status in (200, 300)
    central = gateway.sim.central
    assert central is not None
    await central.set_faults(Faults(down="refuse"))
    reply = await demo.get("/image")
    assert (reply.status, reply.body["code"]) == (503, 503)  # Glance's error body, not a 500
    await central.set_faults(Faults())
