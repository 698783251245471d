"""A pod's copies of a tenant's central network objects, found or made, then recorded.

Every copy is found by a natural key before one is made, so an attempt cut short (a
crash between the pod's answer and the routing entry) is finished, never duplicated:
a network by its segment (the central one: one broadcast domain across pods), a
subnet by its CIDR on that network, a port by its MAC on that network, a security
group by its description (the central id). Copies carry no address pool of their own:
every address is the one the central IPAM gave, so no pod can hand out an address that
belongs to a port elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tricircle.network import rules
from tricircle.network.neutrons import Neutrons
from tricircle.pods.directory import PodInfo

LOG = logging.getLogger(__name__)

# routing table types of the copies
NETWORK, SUBNET, PORT, SECURITY_GROUP = "network", "subnet", "port", "security_group"
# the pod's DHCP agent adopts a port with this device id instead of making its own
RESERVED_DHCP = "reserved_dhcp_port"
_PROVIDER = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")


def dhcp_port_name(pod: PodInfo) -> str:
    """The central port that reserves the address of the pod's DHCP agent on a subnet."""
    return f"tricircle-dhcp-{pod.name}"


class CannotSpan(Exception):
    """The network's segment cannot exist in the pod (Neutron's 400 to the client)."""


class Bottom:
    """Copies in pods of what the central Neutron holds."""

    def __init__(self, neutrons: Neutrons) -> None:
        self.neutrons = neutrons

    async def _ensure(
        self,
        kind: str,
        central: dict[str, Any],
        pod: PodInfo,
        find: Callable[[], Awaitable[str | None]],
        make: Callable[[], Awaitable[str]],
    ) -> str:
        routing = self.neutrons.routing
        entry = await routing.in_pod(kind, central["id"], pod.id)
        if entry is not None and entry.bottom_id:
            if kind == NETWORK:  # in use again: not an unused copy for the reconciler
                await routing.touch(entry.id)
            return entry.bottom_id
        bottom_id = await find() or await make()
        await routing.add(central["project_id"], kind, central["id"], pod.id, bottom_id)
        return bottom_id

    # -- networks and subnets --

    async def network(self, pod: PodInfo, net: dict[str, Any]) -> str:
        if not self.neutrons.spans_to(pod, net):
            raise CannotSpan(
                f"Network {net['id']} is on physical network "
                f"{net['provider:physical_network']}, which availability zone {pod.az_name} "
                f"(pod {pod.name}) does not have."
            )
        if net.get("provider:network_type") == "local":
            others = [
                e
                for e in await self.neutrons.routing.find(NETWORK, net["id"])
                if e.pod_id != pod.id
            ]
            if others:
                raise CannotSpan(
                    f"Network {net['id']} is a local network, used in another availability "
                    f"zone already; it cannot reach {pod.az_name}."
                )
        segment = {k: net[k] for k in _PROVIDER if net.get(k) is not None}

        async def find() -> str | None:
            if "provider:network_type" not in segment or net["provider:network_type"] == "local":
                return None
            found = await self.neutrons.pod_list(pod, "networks", segment)
            return found[0]["id"] if found else None

        async def make() -> str:
            body = {
                **segment,
                "name": net["name"],
                "project_id": net["project_id"],
                "admin_state_up": net.get("admin_state_up", True),
            }
            if net.get("mtu"):
                body["mtu"] = net["mtu"]
            if "port_security_enabled" in net:
                body["port_security_enabled"] = net["port_security_enabled"]
            if net.get("router:external"):  # where routers of the pod get their gateway
                body["router:external"] = True
            return await self.neutrons.pod_create(pod, "network", body)

        return await self._ensure(NETWORK, net, pod, find, make)

    async def subnet(self, pod: PodInfo, subnet: dict[str, Any], bottom_network: str) -> str:
        async def find() -> str | None:
            params = {"network_id": bottom_network, "cidr": subnet["cidr"]}
            found = await self.neutrons.pod_list(pod, "subnets", params)
            if not found:
                return None
            if found[0]["allocation_pools"]:  # made, but cut short before its pools went
                await self._without_pools(pod, found[0]["id"])
            return found[0]["id"]

        async def make() -> str:
            body = {
                "network_id": bottom_network,
                "project_id": subnet["project_id"],
                "name": subnet["name"],
                "cidr": subnet["cidr"],
                "ip_version": subnet["ip_version"],
                "gateway_ip": subnet.get("gateway_ip"),
                "enable_dhcp": subnet.get("enable_dhcp", True),
                "dns_nameservers": subnet.get("dns_nameservers") or [],
                "host_routes": subnet.get("host_routes") or [],
            }
            for mode in ("ipv6_ra_mode", "ipv6_address_mode"):
                if subnet.get(mode):
                    body[mode] = subnet[mode]
            bottom_id = await self.neutrons.pod_create(pod, "subnet", body)
            await self._without_pools(pod, bottom_id)
            return bottom_id

        bottom_id = await self._ensure(SUBNET, subnet, pod, find, make)
        if subnet.get("enable_dhcp"):
            await self._dhcp_port(pod, subnet, bottom_network, bottom_id)
        return bottom_id

    async def _without_pools(self, pod: PodInfo, bottom_subnet: str) -> None:
        """Neutron reads an empty pool list on create as "the default pools"; only an
        update empties them."""
        await self.neutrons.pod_update(pod, "subnet", bottom_subnet, {"allocation_pools": []})

    async def _dhcp_port(
        self, pod: PodInfo, subnet: dict[str, Any], bottom_network: str, bottom_subnet: str
    ) -> None:
        """The pod's DHCP agent needs an address on a subnet without a pool: one the central
        IPAM reserves for it, named after the pod, which the agent adopts."""
        name = dhcp_port_name(pod)
        params = {"network_id": subnet["network_id"], "name": name, "device_owner": "network:dhcp"}
        reserved = await self.neutrons.central_list("ports", params)
        if not reserved:
            body = {
                "network_id": subnet["network_id"],
                "project_id": subnet["project_id"],
                "name": name,
                "device_owner": "network:dhcp",
                "device_id": RESERVED_DHCP,
                "fixed_ips": [{"subnet_id": subnet["id"]}],
            }
            reserved = [await self.neutrons.central_create("port", body, "reserve a DHCP address")]
        await self._port_copy(pod, reserved[0], bottom_network, {subnet["id"]: bottom_subnet}, [])

    # -- security groups --

    async def security_group(self, pod: PodInfo, group: dict[str, Any]) -> str:
        async def find() -> str | None:
            params = {"description": group["id"], "project_id": group["project_id"]}
            found = await self.neutrons.pod_list(pod, "security-groups", params)
            return found[0]["id"] if found else None

        async def make() -> str:
            body = {"name": group["name"], "description": group["id"]}
            body["project_id"] = group["project_id"]
            return await self.neutrons.pod_create(pod, "security_group", body)

        known = await self.neutrons.routing.in_pod(SECURITY_GROUP, group["id"], pod.id)
        bottom_id = await self._ensure(SECURITY_GROUP, group, pod, find, make)
        if known is None:  # a new copy gets its rules now; later changes come by job
            await self.converge_rules(pod, group, bottom_id)
        return bottom_id

    async def members(self, group_ids: set[str]) -> dict[str, list[str]]:
        """Each group's members' fixed addresses, from the central Neutron."""
        found: dict[str, list[str]] = {}
        for group_id in group_ids:
            ports = await self.neutrons.central_list(
                "ports", {"security_groups": group_id, "fields": "fixed_ips"}
            )
            found[group_id] = [ip["ip_address"] for p in ports for ip in p.get("fixed_ips", [])]
        return found

    async def converge_rules(self, pod: PodInfo, group: dict[str, Any], bottom_id: str) -> int:
        """Adds and removes rules of the copy until it holds what the central group says;
        how many rules changed."""
        central_rules = group.get("security_group_rules") or []
        want = rules.wanted(central_rules, await self.members(rules.remote_groups(central_rules)))
        have = await self.neutrons.pod_list(
            pod, "security-group-rules", {"security_group_id": bottom_id}
        )
        changed = 0
        for rule in have:
            key = rules.key_of(rule)
            if rule.get("remote_group_id") or key not in want:
                await self.neutrons.pod_delete(pod, "security_group_rule", rule["id"])
                changed += 1
            else:
                want.discard(key)
        for key in want:
            body = rules.body_of(key, bottom_id, group["project_id"])
            await self.neutrons.pod_create(pod, "security_group_rule", body)
            changed += 1
        return changed

    # -- ports --

    async def port(self, pod: PodInfo, port: dict[str, Any]) -> str:
        """The pod's copy of a central port, with its network, subnets and groups."""
        net = await self.neutrons.central_get("networks", port["network_id"])
        if net is None:
            raise CannotSpan(f"Network {port['network_id']} could not be found.")
        bottom_network = await self.network(pod, net)
        subnets: dict[str, str] = {}
        for fixed in port.get("fixed_ips", []):
            if fixed["subnet_id"] in subnets:
                continue
            subnet = await self.neutrons.central_get("subnets", fixed["subnet_id"])
            if subnet is not None:
                subnets[subnet["id"]] = await self.subnet(pod, subnet, bottom_network)
        groups = []
        for group_id in port.get("security_groups", []):
            group = await self.neutrons.central_get("security-groups", group_id)
            if group is not None:
                groups.append(await self.security_group(pod, group))
        return await self._port_copy(pod, port, bottom_network, subnets, groups)

    async def _port_copy(
        self,
        pod: PodInfo,
        port: dict[str, Any],
        bottom_network: str,
        subnets: dict[str, str],
        groups: list[str],
    ) -> str:
        async def find() -> str | None:
            params = {"network_id": bottom_network, "mac_address": port["mac_address"]}
            found = await self.neutrons.pod_list(pod, "ports", params)
            return found[0]["id"] if found else None

        async def make() -> str:
            body: dict[str, Any] = {
                "network_id": bottom_network,
                "project_id": port["project_id"],
                "name": port.get("name", ""),
                "mac_address": port["mac_address"],
                "admin_state_up": port.get("admin_state_up", True),
                "fixed_ips": [
                    {"subnet_id": subnets[f["subnet_id"]], "ip_address": f["ip_address"]}
                    for f in port.get("fixed_ips", [])
                    if f["subnet_id"] in subnets
                ],
            }
            if port.get("device_owner") == "network:dhcp":  # adopted by the pod's agent
                body["device_owner"] = port["device_owner"]
                body["device_id"] = port.get("device_id", "")
            if port.get("port_security_enabled") is False:
                body["port_security_enabled"] = False
            else:
                body["security_groups"] = groups
                if port.get("allowed_address_pairs"):
                    body["allowed_address_pairs"] = port["allowed_address_pairs"]
            return await self.neutrons.pod_create(pod, "port", body)

        return await self._ensure(PORT, port, pod, find, make)
