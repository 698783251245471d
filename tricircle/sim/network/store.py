"""A pod's Neutron resources, kept as the dicts Neutron shows, with the indexes that keep a
port create O(1): per-subnet address books, per-network MACs and ports, and what Nova does."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import SimError, new_id
from tricircle.sim.network.errors import network_not_found, not_found
from tricircle.sim.network.groups import SecurityGroups
from tricircle.sim.network.ipam import AddressBook
from tricircle.sim.network.segments import PHYSNET, SEG_ID, TYPE, Segment, SegmentPool
from tricircle.sim.network.standard import stamp, touch

MAC_PREFIX = "fa:16:3e"
# Ports Neutron removes itself with their network or subnet (DHCP and the like).
AUTO_DELETED_OWNERS = ("network:dhcp", "network:distributed", "network:floatingip_agent_gateway")
# The ML2 driver that binds ports, as the real pods' agentless one shows in vif details.
MECHANISM_DRIVER = "bindall"


@dataclass
class NetworkState:
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    subnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    ports: dict[str, dict[str, Any]] = field(default_factory=dict)
    routers: dict[str, dict[str, Any]] = field(default_factory=dict)
    floatingips: dict[str, dict[str, Any]] = field(default_factory=dict)
    subnetpools: dict[str, dict[str, Any]] = field(default_factory=dict)
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)  # project -> overrides
    groups: SecurityGroups = field(default_factory=SecurityGroups)
    segments: SegmentPool = field(default_factory=SegmentPool)
    books: dict[str, AddressBook] = field(default_factory=dict)  # subnet id -> its IPAM
    network_ports: dict[str, set[str]] = field(default_factory=dict)  # network id -> port ids
    macs: dict[str, set[str]] = field(default_factory=dict)  # network id -> MACs in use
    nova_ports: set[str] = field(default_factory=set)  # ports Nova made, deleted with servers
    router_ports: dict[str, set[str]] = field(default_factory=dict)  # router -> interfaces
    gateway_ports: dict[str, str] = field(default_factory=dict)  # router -> its gateway port
    floatingip_ports: dict[str, str] = field(default_factory=dict)  # floating IP -> its port
    port_forwardings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def security_groups(self) -> dict[str, dict[str, Any]]:
        return self.groups.groups

    @property
    def security_group_rules(self) -> dict[str, dict[str, Any]]:
        return self.groups.rules

    # -- networks and subnets --

    def create_network(self, project_id: str, name: str = "", **attrs: Any) -> dict[str, Any]:
        provider = {k: attrs.pop(k) for k in (TYPE, PHYSNET, SEG_ID) if k in attrs}
        segment = self.segments.reserve(provider) if provider else self.segments.allocate_tenant()
        net = stamp(
            {
                "id": new_id(),
                "name": name,
                "admin_state_up": True,
                "status": "ACTIVE",
                "subnets": [],
                "shared": False,
                "router:external": False,
                "mtu": 1450 if segment[0] == "vxlan" else 1500,
                "availability_zones": [],
                "availability_zone_hints": [],
                "ipv4_address_scope": None,
                "ipv6_address_scope": None,
                "port_security_enabled": True,
                "is_default": False,
                "qinq": False,
                "vlan_transparent": False,
                TYPE: segment[0],
                PHYSNET: segment[1],
                SEG_ID: segment[2],
            },
            project_id,
        )
        net.update(attrs)
        self.networks[net["id"]] = net
        self.network_ports[net["id"]] = set()
        self.macs[net["id"]] = set()
        return net

    def delete_network(self, net: dict[str, Any]) -> None:
        for port_id in list(self.network_ports[net["id"]]):
            self.delete_port(port_id)
        for subnet_id in net["subnets"]:
            del self.subnets[subnet_id]
            del self.books[subnet_id]
        self.segments.release(segment_of(net))
        del self.networks[net["id"]], self.network_ports[net["id"]], self.macs[net["id"]]

    def create_subnet(
        self, project_id: str, network_id: str, cidr: str, name: str = "", **attrs: Any
    ) -> dict[str, Any]:
        """A subnet as Neutron fills it in: gateway first host, pool the rest (Nova's and
        tests' shortcut; the API validates its bodies before it comes here)."""
        if network_id not in self.networks:
            raise network_not_found(network_id)
        net = ipaddress.ip_network(cidr, strict=False)
        gateway = attrs.pop("gateway_ip", default_gateway(net))
        pools = attrs.pop("allocation_pools", None)
        if pools is None:
            pools = default_pools(net, gateway)
        subnet = stamp(
            {
                "id": new_id(),
                "name": name,
                "network_id": network_id,
                "cidr": str(net),
                "ip_version": net.version,
                "gateway_ip": gateway,
                "allocation_pools": pools,
                "enable_dhcp": True,
                "dns_nameservers": [],
                "host_routes": [],
                "subnetpool_id": None,
                "ipv6_ra_mode": None,
                "ipv6_address_mode": None,
                "service_types": [],
                "router:external": self.networks[network_id]["router:external"],
            },
            project_id,
        )
        subnet.update(attrs)
        self.subnets[subnet["id"]] = subnet
        self.books[subnet["id"]] = AddressBook.of(subnet)
        self.networks[network_id]["subnets"].append(subnet["id"])
        return subnet

    def visible_network(
        self, net_id: str, project_id: str | None, admin: bool
    ) -> dict[str, Any] | None:
        net = self.networks.get(net_id)
        if net is None or not (admin or net["shared"] or net["project_id"] == project_id):
            return None
        return net

    def project_networks(self, project_id: str) -> list[dict[str, Any]]:
        """Networks Nova may pick for a server that names none: own and shared, not external."""
        return [
            n
            for n in self.networks.values()
            if not n["router:external"] and (n["project_id"] == project_id or n["shared"])
        ]

    def auto_network(self, project_id: str) -> dict[str, Any]:
        """Neutron's auto-allocated topology, reduced to a network with one subnet."""
        net = self.create_network(project_id, "auto_allocated_network")
        index = len(self.networks) % 250
        self.create_subnet(project_id, net["id"], f"10.{index}.0.0/24", "auto_allocated_subnet")
        return net

    # -- ports --

    def allocate(
        self,
        net: dict[str, Any],
        wanted: list[dict[str, Any]] | None,
        mac: str,
        *,
        every_slaac: bool = True,
    ) -> list[dict]:
        """Fixed IPs for a port, as Neutron's IPAM hands them out: when none are asked for,
        one from the first IPv4 subnet and one from each IPv6 subnet; else the ones asked (by
        subnet, address or both). SLAAC subnets add the MAC's EUI-64 address (all of them,
        unless `every_slaac` is off: an update's new addresses). Nothing is taken if one of
        them fails."""
        books = [self.books[s] for s in net["subnets"]]
        if wanted is None:
            v4 = [b for b in books if b.cidr.version == 4][:1]
            wanted = [
                {"subnet_id": b.subnet_id} for b in v4 + [b for b in books if b.cidr.version == 6]
            ]
        out: list[dict[str, str]] = []
        try:
            for spec in wanted:
                book = self._book_for(net, spec)
                address = spec.get("ip_address") or (book.eui64(mac) if book.slaac else None)
                ip = book.take(address) if address else book.take_next()
                out.append({"subnet_id": book.subnet_id, "ip_address": ip})
            asked = {ip["subnet_id"] for ip in out}
            for book in books if every_slaac else []:
                if book.slaac and book.subnet_id not in asked:
                    out.append(
                        {"subnet_id": book.subnet_id, "ip_address": book.take(book.eui64(mac))}
                    )
        except SimError:
            self.release(out)
            raise
        return out

    def _book_for(self, net: dict[str, Any], spec: dict[str, Any]) -> AddressBook:
        subnet_id = spec.get("subnet_id")
        if subnet_id:
            book = self.books.get(subnet_id)
            if book is None or book.network_id != net["id"]:
                raise not_found("subnets", subnet_id)
            return book
        address = spec.get("ip_address")
        for candidate in net["subnets"]:
            if address and self.books[candidate].contains(address):
                return self.books[candidate]
        raise SimError(
            400,
            f"IP address {address} is not a valid IP for any of the subnets on the specified "
            "network.",
            kind="InvalidIpForNetwork",
        )

    def release(self, fixed_ips: list[dict[str, str]]) -> None:
        for ip in fixed_ips:
            book = self.books.get(ip["subnet_id"])
            if book is not None:
                book.release(ip["ip_address"])

    def take_mac(self, network_id: str, mac: str | None) -> str:
        used = self.macs[network_id]
        if mac is None:
            mac = _random_mac()
            while mac in used:
                mac = _random_mac()
        elif mac in used:
            raise mac_in_use(network_id, mac)
        used.add(mac)
        return mac

    def create_port(
        self,
        project_id: str,
        network_id: str,
        *,
        fixed_ips: list[dict[str, str]] | None = None,
        owned_by_nova: bool = False,
        **attrs: Any,
    ) -> dict[str, Any]:
        net = self.networks.get(network_id)
        if net is None:
            raise network_not_found(network_id)
        mac = self.take_mac(network_id, attrs.pop("mac_address", None))
        # Neutron trusts its own ports (DHCP, routers): no port security, no groups; its
        # router and floating IP ports take only the addresses they ask for
        owner = str(attrs.get("device_owner", ""))
        trusted = owner.startswith("network:")
        every_slaac = not trusted or owner == "network:dhcp"
        try:
            ips = self.allocate(net, fixed_ips, mac, every_slaac=every_slaac)
        except SimError:
            self.macs[network_id].discard(mac)
            raise
        secure = not trusted and attrs.get("port_security_enabled", net["port_security_enabled"])
        attrs.pop("port_security_enabled", None)
        groups = attrs.pop("security_groups", None)
        if groups is None:
            groups = [self.groups.default_group(project_id)["id"]] if secure else []
        port = stamp(
            {
                "id": new_id(),
                "name": "",
                "network_id": network_id,
                "mac_address": mac,
                "fixed_ips": ips,
                "device_id": "",
                "device_owner": "",
                "status": "DOWN",
                "admin_state_up": True,
                "security_groups": groups,
                "allowed_address_pairs": [],
                "extra_dhcp_opts": [],
                "port_security_enabled": secure,
                "binding:vnic_type": "normal",
                "binding:host_id": "",
                "binding:vif_type": "unbound",
                "binding:vif_details": {},
                "binding:profile": {},
            },
            project_id,
        )
        port.update(attrs)
        self.set_binding(port, port["binding:host_id"])
        self.ports[port["id"]] = port
        self.network_ports[network_id].add(port["id"])
        self.groups.use(port["id"], groups)
        if owned_by_nova:
            self.nova_ports.add(port["id"])
        return port

    def delete_port(self, port_id: str) -> None:
        port = self.ports.pop(port_id)
        self.nova_ports.discard(port_id)
        self.network_ports[port["network_id"]].discard(port_id)
        self.macs[port["network_id"]].discard(port["mac_address"])
        self.groups.use(port_id, [])
        self.release(port["fixed_ips"])
        for pf in list(self.port_forwardings.values()):
            if pf["internal_port_id"] == port_id:  # a forwarding goes with its port
                self.remove_port_forwarding(pf["id"])
        for fip in self.floatingips.values():
            if fip["port_id"] == port_id:
                fip.update({"port_id": None, "fixed_ip_address": None, "router_id": None})
                fip["status"] = "DOWN"

    def forwardings_of(self, fip_id: str) -> list[dict[str, Any]]:
        return [pf for pf in self.port_forwardings.values() if pf["floatingip_id"] == fip_id]

    def remove_port_forwarding(self, pf_id: str) -> None:
        """The forwarding goes; a floating IP left without any is off its router."""
        fip_id = self.port_forwardings.pop(pf_id)["floatingip_id"]
        if fip_id in self.floatingips and not self.forwardings_of(fip_id):
            self.floatingips[fip_id]["router_id"] = None

    def delete_floatingip(self, fip_id: str) -> None:
        """The floating IP and the port that holds its address."""
        del self.floatingips[fip_id]
        self.delete_port(self.floatingip_ports.pop(fip_id))

    @staticmethod
    def set_binding(port: dict[str, Any], host: str) -> None:
        """A host binds the port (vif ovs, ACTIVE, as the pods' agentless driver does)."""
        port["binding:host_id"] = host
        if host:
            port.update({"binding:vif_type": "ovs", "status": "ACTIVE"})
            port["binding:vif_details"] = {
                "bound_drivers": {"0": MECHANISM_DRIVER},
                "port_filter": True,
                "ovs_hybrid_plug": False,
            }
        else:
            port.update({"binding:vif_type": "unbound", "status": "DOWN"})
            port["binding:vif_details"] = {}

    def bind_port(self, port: dict[str, Any], device_id: str, host: str) -> None:
        port.update({"device_id": device_id, "device_owner": "compute:nova"})
        self.set_binding(port, host)
        port["status"] = "DOWN"  # Nova's plug turns it ACTIVE (set_port_status)
        touch(port)

    def unbind_port(self, port_id: str) -> None:
        """A server let go of the port: Nova deletes what it made and frees the rest."""
        if port_id not in self.ports:
            return
        if port_id in self.nova_ports:
            self.delete_port(port_id)
            return
        port = self.ports[port_id]
        port.update({"device_id": "", "device_owner": ""})
        self.set_binding(port, "")

    def set_port_status(self, port_id: str, status: str) -> None:
        if port_id in self.ports:
            self.ports[port_id]["status"] = status

    # -- security groups (what Nova asks for) --

    def find_security_group(self, project_id: str, ref: str) -> dict[str, Any] | None:
        """A project's group by id or name; its `default` group exists once asked for."""
        return self.groups.find(project_id, ref)


def segment_of(net: dict[str, Any]) -> Segment:
    return (net[TYPE], net[PHYSNET], net[SEG_ID])


def default_gateway(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """The first address of an IPv4 subnet; an IPv6 subnet's own (subnet-router) address."""
    return str(net.network_address + (1 if net.version == 4 else 0))


def default_pools(net: ipaddress.IPv4Network | ipaddress.IPv6Network, gateway: str | None) -> list:
    """Neutron's pools when none are given: the subnet's hosts, less the gateway."""
    first = net.network_address + 1
    last = net.broadcast_address - 1 if net.version == 4 else net.broadcast_address
    if net.prefixlen >= (31 if net.version == 4 else 127):
        first, last = net.network_address, net.broadcast_address
    if gateway is None:
        return [{"start": str(first), "end": str(last)}]
    gw = ipaddress.ip_address(gateway)
    pools = []
    if first < gw:
        pools.append({"start": str(first), "end": str(min(last, gw - 1))})
    if gw < last:
        pools.append({"start": str(max(first, gw + 1)), "end": str(last)})
    return pools


def mac_in_use(network_id: str, mac: str) -> SimError:
    return SimError(
        409,
        f"Unable to complete operation for network {network_id}. The mac address {mac} is in use.",
        kind="MacAddressInUse",
    )


def _random_mac() -> str:
    return MAC_PREFIX + ":" + ":".join(f"{b:02x}" for b in random.randbytes(3))
