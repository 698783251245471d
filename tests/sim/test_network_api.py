"""The simulated Neutron's API where the recorded contract does not reach: values, not shapes."""

from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import Api
from tricircle.sim import Pod


class Neutron:
    """Calls to a pod's Neutron as one user."""

    def __init__(self, api, pod: Pod) -> None:
        self.api = api
        self.base = pod.url("network") + "/v2.0"

    async def call(self, method: str, path: str, body: Any = None, **headers: str):
        status, _, data = await self.api.call(method, self.base + path, body, headers or None)
        return status, data

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = await self.call(method, path, body)
        assert 200 <= status < 300, (method, path, status, data)
        return data

    async def make(self, kind: str, **spec: Any) -> dict[str, Any]:
        key = kind.replace("-", "_")
        return (await self.ok("POST", f"/{kind}s", {key: spec}))[key]

    async def error(self, method: str, path: str, body: Any = None) -> tuple[int, str]:
        status, data = await self.call(method, path, body)
        return status, data["NeutronError"]["type"]


@pytest.fixture
async def admin(pod, api) -> Neutron:
    return Neutron(api, pod)


@pytest.fixture
async def member(pod, cloud, user_in_demo) -> Neutron:
    async with aiohttp.ClientSession() as session:
        client = Api(session, cloud)
        await client.login("demo", "secret", "demo")
        yield Neutron(client, pod)


async def net_with_subnet(n: Neutron, cidr: str = "10.0.0.0/24", **subnet: Any):
    net = await n.make("network", name="n")
    sub = await n.make("subnet", network_id=net["id"], cidr=cidr, ip_version=4, **subnet)
    return net, sub


async def test_provider_attributes_are_the_admins(admin, member):
    net = await member.make("network", name="mine")
    assert "provider:network_type" not in net
    shown = await admin.ok("GET", f"/networks/{net['id']}")
    assert shown["network"]["provider:network_type"] == "vxlan"
    assert 1000 <= shown["network"]["provider:segmentation_id"] <= 1999
    status, data = await member.call(
        "POST", "/networks", {"network": {"provider:network_type": "vxlan"}}
    )
    assert status == 403
    assert data["NeutronError"]["message"] == (
        "(rule:create_network and rule:create_network:provider:network_type) is disallowed "
        "by policy"
    )
    assert await member.error("PUT", f"/networks/{net['id']}", {"network": {"shared": True}}) == (
        403, "PolicyNotAuthorized",
    )  # fmt: skip
    flat = await admin.make(
        "network", **{"provider:network_type": "flat", "provider:physical_network": "physnet1"}
    )
    assert flat["mtu"] == 1500 and flat["provider:segmentation_id"] is None
    await admin.ok("DELETE", f"/networks/{flat['id']}")
    again = {"provider:network_type": "flat", "provider:physical_network": "physnet1"}
    assert (await admin.make("network", **again))["provider:physical_network"] == "physnet1"


async def test_unknown_and_read_only_attributes(member):
    net = await member.make("network", name="n")
    status, data = await member.call("POST", "/networks", {"network": {"a": 1, "b": 2}})
    assert (status, data["NeutronError"]["message"]) == (400, "Unrecognized attribute(s) 'a', 'b'")
    status, data = await member.call("PUT", f"/networks/{net['id']}", {"network": {"status": "x"}})
    assert data["NeutronError"]["message"] == "Cannot update read-only attribute status"
    updated = await member.ok("PUT", f"/networks/{net['id']}", {"network": {"mtu": 1400}})
    assert updated["network"]["mtu"] == 1400
    assert updated["network"]["revision_number"] == net["revision_number"] + 1


async def test_if_match_revision(member):
    net = await member.make("network", name="n")
    path = f"/networks/{net['id']}"
    status, data = await member.call(
        "PUT", path, {"network": {"name": "x"}}, **{"If-Match": "revision_number=0"}
    )
    assert (status, data["NeutronError"]["message"]) == (
        412, "Constrained to 0, but current revision is 1",
    )  # fmt: skip
    status, _ = await member.call(
        "PUT", path, {"network": {"name": "x"}}, **{"If-Match": "revision_number=1"}
    )
    assert status == 200


async def test_filters_tags_fields_sorting_and_pages(member):
    ids = {}
    for name, tags in (("a", ["red"]), ("b", ["red", "blue"]), ("c", ["blue"]), ("d", [])):
        net = await member.make("network", name=name, admin_state_up=name != "d")
        await member.ok("PUT", f"/networks/{net['id']}/tags", {"tags": tags})
        ids[net["id"]] = name

    async def names(query: str) -> list[str]:
        return [n["name"] for n in (await member.ok("GET", f"/networks?{query}"))["networks"]]

    assert await names("tags=red&sort_key=name&sort_dir=asc") == ["a", "b"]
    assert await names("tags=red,blue") == ["b"]
    assert await names("tags-any=red,blue&sort_key=name&sort_dir=desc") == ["c", "b", "a"]
    assert await names("not-tags=red&sort_key=name&sort_dir=asc") == ["c", "d"]
    assert await names("not-tags-any=red,blue") == ["d"]
    assert await names("name=a&name=c&sort_key=name&sort_dir=asc") == ["a", "c"]
    assert await names("admin_state_up=false") == ["d"]
    body = await member.ok("GET", "/networks?name=a&fields=id&fields=name")
    assert list(body["networks"][0]) == ["id", "name"] or set(body["networks"][0]) == {
        "id", "name",
    }  # fmt: skip
    assert await member.error("GET", "/networks?bogus=1") == (400, "HTTPBadRequest")
    assert await member.error("GET", "/networks?sort_key=name") == (400, "HTTPBadRequest")

    query = "sort_key=name&sort_dir=asc&limit=3"
    first = await member.ok("GET", f"/networks?{query}")
    assert [n["name"] for n in first["networks"]] == ["a", "b", "c"]
    links = {link["rel"]: link["href"] for link in first["networks_links"]}
    assert set(links) == {"next", "previous"} and "page_reverse=True" in links["previous"]
    last = first["networks"][-1]["id"]
    assert f"marker={last}" in links["next"]
    second = await member.ok("GET", f"/networks?{query}&marker={last}")
    assert [n["name"] for n in second["networks"]] == ["d"]
    assert [link["rel"] for link in second["networks_links"]] == ["previous"]
    d = second["networks"][0]["id"]
    back = await member.ok("GET", f"/networks?{query}&marker={d}&page_reverse=True")
    assert [n["name"] for n in back["networks"]] == ["a", "b", "c"]


async def test_tags_sub_resource(member):
    net = await member.make("network", name="n")
    path = f"/networks/{net['id']}/tags"
    assert (await member.call("PUT", f"{path}/x"))[0] == 201
    assert (await member.call("GET", f"{path}/x"))[0] == 204
    assert await member.error("GET", f"{path}/y") == (404, "TagNotFound")
    assert await member.error("PUT", path, {"tags": "x"}) == (400, "InvalidInput")
    assert (await member.call("DELETE", path))[0] == 204
    assert (await member.ok("GET", path))["tags"] == []


async def test_subnet_pools_and_overlaps(admin):
    net, sub = await net_with_subnet(admin, "10.0.0.0/24")
    assert sub["allocation_pools"] == [{"start": "10.0.0.2", "end": "10.0.0.254"}]
    base = {"network_id": net["id"], "ip_version": 4}
    assert await admin.error("POST", "/subnets", {"subnet": {**base, "cidr": "10.0.0.128/25"}}) == (
        400, "InvalidInput",
    )  # fmt: skip
    outside = {**base, "cidr": "10.1.0.0/24",
               "allocation_pools": [{"start": "10.2.0.5", "end": "10.2.0.6"}]}  # fmt: skip
    assert await admin.error("POST", "/subnets", {"subnet": outside}) == (
        400, "OutOfBoundsAllocationPool",
    )  # fmt: skip
    on_gateway = {**outside, "allocation_pools": [{"start": "10.1.0.1", "end": "10.1.0.9"}]}
    assert await admin.error("POST", "/subnets", {"subnet": on_gateway}) == (
        409, "GatewayConflictWithAllocationPools",
    )  # fmt: skip
    no_gateway = await admin.make("subnet", **{**base, "cidr": "10.3.0.0/30", "gateway_ip": None})
    assert no_gateway["allocation_pools"] == [{"start": "10.3.0.1", "end": "10.3.0.2"}]


async def test_admin_copies_a_port_into_a_tenant_network(admin, member):
    """The pod copy: the top's MAC and IP on the tenant's network, bound to a host."""
    net, sub = await net_with_subnet(member, "10.5.0.0/24")
    await admin.ok("PUT", f"/subnets/{sub['id']}", {"subnet": {"allocation_pools": []}})
    assert await member.error("POST", "/ports", {"port": {"network_id": net["id"]}}) == (
        409, "IpAddressGenerationFailure",
    )  # fmt: skip
    spec = {
        "network_id": net["id"],
        "project_id": net["project_id"],
        "mac_address": "fa:16:3e:00:00:07",
        "fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.5.0.7"}],
        "device_owner": "compute:az1",
        "device_id": "server-1",
        "binding:host_id": "host-1",
    }
    port = await admin.make("port", **spec)
    assert (port["status"], port["binding:vif_type"]) == ("ACTIVE", "ovs")
    assert port["mac_address"] == "fa:16:3e:00:00:07"
    default = (await member.ok("GET", "/security-groups?name=default"))["security_groups"][0]
    assert port["security_groups"] == [default["id"]]  # the tenant's, not the admin's
    seen = (await member.ok("GET", f"/ports/{port['id']}"))["port"]
    assert "binding:host_id" not in seen
    unbound = await admin.ok("PUT", f"/ports/{port['id']}", {"port": {"binding:host_id": ""}})
    assert (unbound["port"]["status"], unbound["port"]["binding:vif_type"]) == ("DOWN", "unbound")
    assert await member.error("POST", "/ports", {"port": {**spec, "fixed_ips": []}}) == (
        403, "PolicyNotAuthorized",
    )  # fmt: skip
    moved = {"port": {"fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.5.0.8"}]}}
    await admin.ok("PUT", f"/ports/{port['id']}", moved)
    again = {**spec, "mac_address": "fa:16:3e:00:00:08", "binding:host_id": ""}
    assert (await admin.make("port", **again))["fixed_ips"][0]["ip_address"] == "10.5.0.7"


async def test_ports_of_other_projects_networks(admin, member):
    private = await admin.make("network", name="private")
    assert await member.error("POST", "/ports", {"port": {"network_id": private["id"]}}) == (
        404, "NetworkNotFound",
    )  # fmt: skip
    shared = await admin.make("network", name="shared", shared=True)
    await admin.make("subnet", network_id=shared["id"], cidr="10.9.0.0/24", ip_version=4)
    port = await member.make("port", network_id=shared["id"])
    assert port["fixed_ips"][0]["ip_address"].startswith("10.9.0.")
    chosen = {"network_id": shared["id"], "mac_address": "fa:16:3e:00:00:09"}
    assert await member.error("POST", "/ports", {"port": chosen}) == (403, "PolicyNotAuthorized")


async def test_network_delete_takes_dhcp_ports_and_refuses_others(admin):
    net, sub = await net_with_subnet(admin)
    dhcp = await admin.make("port", network_id=net["id"], device_owner="network:dhcp")
    assert (await admin.call("DELETE", f"/subnets/{sub['id']}"))[0] == 204
    assert (await admin.ok("GET", f"/ports/{dhcp['id']}"))["port"]["fixed_ips"] == []
    await admin.make("port", network_id=net["id"])
    assert await admin.error("DELETE", f"/networks/{net['id']}") == (409, "NetworkInUse")


async def test_security_groups(admin, member):
    groups = (await member.ok("GET", "/security-groups"))["security_groups"]
    assert [g["name"] for g in groups] == ["default"]
    default = groups[0]
    group = await member.make("security-group", name="web")
    assert [r["direction"] for r in group["security_group_rules"]] == ["egress", "egress"]
    rule = {"security_group_id": group["id"], "direction": "ingress", "protocol": "udp",
            "port_range_min": 53, "port_range_max": 53}  # fmt: skip
    await member.make("security-group-rule", **rule)
    same = {**rule, "protocol": "17"}
    assert await member.error("POST", "/security-group-rules", {"security_group_rule": same}) == (
        409, "SecurityGroupRuleExists",
    )  # fmt: skip
    for bad, error in (
        ({**rule, "port_range_min": 0}, "SecurityGroupInvalidPortValue"),
        ({**rule, "protocol": "gre"}, "SecurityGroupInvalidProtocolForPort"),
        ({**rule, "protocol": None}, "SecurityGroupProtocolRequiredWithPorts"),
        ({**rule, "protocol": "nope"}, "SecurityGroupRuleInvalidProtocol"),
        ({**rule, "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"},
         "SecurityGroupRuleParameterConflict"),
    ):  # fmt: skip
        body = {"security_group_rule": bad}
        assert await member.error("POST", "/security-group-rules", body) == (400, error)
    icmp = {**rule, "protocol": "icmp", "port_range_min": 8, "port_range_max": 0}
    await member.make("security-group-rule", **icmp)
    assert await member.error("DELETE", f"/security-groups/{default['id']}") == (
        409, "SecurityGroupCannotRemoveDefault",
    )  # fmt: skip
    assert (await admin.call("DELETE", f"/security-groups/{default['id']}"))[0] == 204


async def test_router_interfaces_routes_and_floating_ips(admin, member):
    ext = await admin.make("network", name="ext", **{"router:external": True})
    await admin.make("subnet", network_id=ext["id"], cidr="172.24.4.0/24", ip_version=4)
    net, sub = await net_with_subnet(member, "10.6.0.0/24")
    router = await member.make("router", name="r", external_gateway_info={"network_id": ext["id"]})
    gateway = router["external_gateway_info"]
    assert gateway["enable_snat"] and gateway["external_fixed_ips"][0]["ip_address"] == (
        "172.24.4.2"
    )
    path = f"/routers/{router['id']}"
    added = await member.ok("PUT", f"{path}/add_router_interface", {"subnet_id": sub["id"]})
    interface = (await member.ok("GET", f"/ports/{added['port_id']}"))["port"]
    assert interface["fixed_ips"][0]["ip_address"] == "10.6.0.1"
    assert interface["device_owner"] == "network:router_interface"
    assert await member.error("DELETE", f"/ports/{interface['id']}") == (409, "ServicePortInUse")
    port = await member.make("port", network_id=net["id"])
    fip = await member.make("floatingip", floating_network_id=ext["id"], port_id=port["id"])
    assert (fip["router_id"], fip["port_details"]["mac_address"]) == (
        router["id"], port["mac_address"],
    )  # fmt: skip
    assert await member.error("PUT", path, {"router": {"external_gateway_info": None}}) == (
        409, "RouterExternalGatewayInUseByFloatingIp",
    )  # fmt: skip
    removal = {"subnet_id": sub["id"]}
    assert await member.error("PUT", f"{path}/remove_router_interface", removal) == (
        409, "RouterInterfaceInUseByFloatingIP",
    )  # fmt: skip
    await member.ok("DELETE", f"/ports/{port['id']}")
    fip = (await member.ok("GET", f"/floatingips/{fip['id']}"))["floatingip"]
    assert (fip["port_id"], fip["router_id"], fip["port_details"]) == (None, None, None)
    nexthop = {"router": {"routes": [{"destination": "0.0.0.0/0", "nexthop": "10.6.0.1"}]}}
    assert await member.error("PUT", path, nexthop) == (400, "InvalidRoutes")  # its own address
    assert await member.error("DELETE", path) == (409, "RouterInUse")
    await member.ok("PUT", f"{path}/remove_router_interface", removal)
    assert (await member.call("DELETE", path))[0] == 204
    # an unused floating IP goes with its network
    assert (await admin.call("DELETE", f"/networks/{ext['id']}"))[0] == 204
    assert await member.error("GET", f"/floatingips/{fip['id']}") == (404, "FloatingIPNotFound")


async def test_what_only_admins_or_network_owners_may_do(admin, member):
    net, _ = await net_with_subnet(member, "10.7.0.0/24")
    port = await member.make("port", network_id=net["id"])
    path = f"/ports/{port['id']}"
    mac = {"port": {"mac_address": "fa:16:3e:00:00:10"}}
    assert await member.error("PUT", path, mac) == (403, "PolicyNotAuthorized")
    await admin.ok("PUT", path, {"port": {"binding:host_id": "host-1"}})
    assert await admin.error("PUT", path, mac) == (409, "PortBound")
    bad = {"network_id": net["id"], "fixed_ips": [{"subnet_id": "nope"}]}
    assert await member.error("POST", "/ports", {"port": bad}) == (400, "HTTPBadRequest")
    shared = await admin.make("network", name="shared", shared=True)
    subnet = {"network_id": shared["id"], "cidr": "10.8.0.0/24", "ip_version": 4}
    assert await member.error("POST", "/subnets", {"subnet": subnet}) == (
        403, "PolicyNotAuthorized",
    )  # fmt: skip


async def test_a_vlan_network_moves_to_another_vlan(admin):
    segment = {"provider:network_type": "vlan", "provider:physical_network": "physnet1"}
    net = await admin.make("network", **segment, **{"provider:segmentation_id": 120})
    path = f"/networks/{net['id']}"
    moved = await admin.ok("PUT", path, {"network": {"provider:segmentation_id": 121}})
    assert moved["network"]["provider:segmentation_id"] == 121
    again = await admin.make("network", **segment, **{"provider:segmentation_id": 120})
    assert again["provider:segmentation_id"] == 120  # the old one came free
    vxlan = await admin.make("network", name="tenant")
    change = {"network": {"provider:segmentation_id": 1500}}
    assert await admin.error("PUT", f"/networks/{vxlan['id']}", change) == (400, "InvalidInput")


async def test_a_refused_port_update_changes_nothing(member):
    net, sub = await net_with_subnet(member, "10.4.0.0/24")
    port = await member.make("port", network_id=net["id"])
    path = f"/ports/{port['id']}"
    wanted = [{"subnet_id": sub["id"], "ip_address": "10.4.0.99"}]
    missing = "00000000-0000-0000-0000-000000000000"
    update = {"port": {"fixed_ips": wanted, "security_groups": [missing], "name": "x"}}
    assert await member.error("PUT", path, update) == (404, "SecurityGroupNotFound")
    assert (await member.ok("GET", path))["port"] == port
    taken = await member.make("port", network_id=net["id"], fixed_ips=wanted)
    assert taken["fixed_ips"] == wanted  # the refused update did not hold it


async def test_port_filters(member):
    net, sub = await net_with_subnet(member, "10.3.0.0/24")
    ips = [[{"subnet_id": sub["id"], "ip_address": f"10.3.0.{n}"}] for n in (15, 25)]
    ports = [await member.make("port", network_id=net["id"], fixed_ips=f) for f in ips]

    async def found(query: str) -> list[str]:
        return [p["id"] for p in (await member.ok("GET", f"/ports?{query}"))["ports"]]

    assert await found("fixed_ips=ip_address%3D10.3.0.25") == [ports[1]["id"]]
    assert await found("fixed_ips=ip_address_substr%3D0.1") == [ports[0]["id"]]
    assert len(await found(f"fixed_ips=subnet_id%3D{sub['id']}")) == 2
    assert await found("admin_state_up=False") == []
    assert await member.error("GET", "/ports?admin_state_up=yes") == (400, "InvalidInput")
    assert await member.error("GET", "/ports?allowed_address_pairs=x") == (400, "HTTPBadRequest")


async def test_values_are_converted_or_refused_as_neutron_does(member):
    net = await member.make("network", name="n", admin_state_up="True", mtu="1400")
    assert (net["admin_state_up"], net["mtu"]) == (True, 1400)
    for body, error in (
        ({"admin_state_up": "yes"}, "InvalidInput"),
        ({"mtu": "big"}, "InvalidInput"),
        ({"name": 5}, "HTTPBadRequest"),
        ({"description": "d" * 256}, "HTTPBadRequest"),
    ):
        assert await member.error("POST", "/networks", {"network": body}) == (400, error)
    subnet = {"network_id": "nope", "cidr": "10.0.0.0/24", "ip_version": 4}
    assert await member.error("POST", "/subnets", {"subnet": subnet}) == (400, "HTTPBadRequest")
    assert await member.error("PATCH", "/networks") == (405, "HTTPMethodNotAllowed")


async def test_bulk_create_is_all_or_nothing(member):
    body = {"networks": [{"name": "b1"}, {"name": "b2"}]}
    status, data = await member.call("POST", "/networks", body)
    assert (status, [n["name"] for n in data["networks"]]) == (201, ["b1", "b2"])
    body = {"networks": [{"name": "b3"}, {"name": "b4", "bogus": 1}]}
    assert await member.error("POST", "/networks", body) == (400, "HTTPBadRequest")
    names = {n["name"] for n in (await member.ok("GET", "/networks"))["networks"]}
    assert names == {"b1", "b2"}


async def test_ipv6_addresses(member):
    net = await member.make("network", name="v6")
    spec = {"network_id": net["id"], "ip_version": 6}
    stateful = await member.make("subnet", cidr="fd00:1::/64", **spec)
    assert stateful["gateway_ip"] == "fd00:1::"
    assert stateful["allocation_pools"] == [
        {"start": "fd00:1::1", "end": "fd00:1::ffff:ffff:ffff:ffff"}
    ]
    slaac = await member.make(
        "subnet", cidr="fd00:2::/64", ipv6_ra_mode="slaac", ipv6_address_mode="slaac", **spec
    )
    v4 = await member.make("subnet", network_id=net["id"], cidr="10.2.0.0/24", ip_version=4)
    port = await member.make("port", network_id=net["id"], mac_address="fa:16:3e:12:34:56")
    assert port["fixed_ips"] == [
        {"subnet_id": v4["id"], "ip_address": "10.2.0.2"},
        {"subnet_id": stateful["id"], "ip_address": "fd00:1::1"},
        {"subnet_id": slaac["id"], "ip_address": "fd00:2::f816:3eff:fe12:3456"},
    ]
    only_v4 = [{"subnet_id": v4["id"]}]
    port = await member.make("port", network_id=net["id"], fixed_ips=only_v4)
    assert [ip["subnet_id"] for ip in port["fixed_ips"]] == [v4["id"], slaac["id"]]


async def test_tags_are_not_taken_on_create(member):
    # the real pods list tag-creation but refuse tags in a create's body
    for kind in ("network", "router", "security_group"):
        body = {kind: {"name": "t", "tags": ["blue"]}}
        path = f"/{kind.replace('_', '-')}s"
        assert await member.error("POST", path, body) == (400, "HTTPBadRequest")
