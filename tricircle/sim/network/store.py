"""A pod's Neutron resources, kept as the dicts Neutron shows, and what Nova does with them."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import SimError, isotime, new_id, now
from tricircle.sim.network.errors import network_not_found


def _stamp(resource: dict[str, Any], project_id: str) -> dict[str, Any]:
    ts = isotime(now())
    resource.update(
        {
            "tenant_id": project_id,
            "project_id": project_id,
            "created_at": ts,
            "updated_at": ts,
            "revision_number": 0,
            "tags": [],
            "description": resource.get("description", ""),
        }
    )
    return resource


@dataclass
class NetworkState:
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    subnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    ports: dict[str, dict[str, Any]] = field(default_factory=dict)
    security_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    security_group_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    allocated: dict[str, set[str]] = field(default_factory=dict)  # subnet id -> IPs in use
    nova_ports: set[str] = field(default_factory=set)  # ports Nova made, deleted with servers

    # -- networks and subnets --

    def create_network(self, project_id: str, name: str = "", **attrs: Any) -> dict[str, Any]:
        net = _stamp(
            {
                "id": new_id(),
                "name": name,
                "admin_state_up": True,
                "status": "ACTIVE",
                "subnets": [],
                "shared": False,
                "router:external": False,
                "mtu": 1450,
                "availability_zones": ["nova"],
                "availability_zone_hints": [],
                "ipv4_address_scope": None,
                "ipv6_address_scope": None,
                "port_security_enabled": True,
                "is_default": False,
                "l2_adjacency": True,
                "provider:network_type": "vxlan",
                "provider:physical_network": None,
                "provider:segmentation_id": random.randint(1, 16_000_000),
            },
            project_id,
        )
        net.update(attrs)
        self.networks[net["id"]] = net
        return net

    def create_subnet(
        self, project_id: str, network_id: str, cidr: str, name: str = "", **attrs: Any
    ) -> dict[str, Any]:
        if network_id not in self.networks:
            raise network_not_found(network_id)
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise SimError(
                400, f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet."
            ) from None
        hosts = net.hosts()
        gateway = attrs.pop("gateway_ip", None) or str(next(hosts))
        last = net.broadcast_address - 1 if net.version == 4 else net.broadcast_address
        pools = attrs.pop("allocation_pools", None) or [
            {"start": str(ipaddress.ip_address(gateway) + 1), "end": str(last)}
        ]
        subnet = _stamp(
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
                "segment_id": None,
                "dns_publish_fixed_ip": False,
            },
            project_id,
        )
        subnet.update(attrs)
        self.subnets[subnet["id"]] = subnet
        self.allocated[subnet["id"]] = set()
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

    def _allocate(self, subnet: dict[str, Any], wanted: str | None) -> str:
        used = self.allocated[subnet["id"]]
        if wanted:
            if ipaddress.ip_address(wanted) not in ipaddress.ip_network(subnet["cidr"]):
                raise SimError(
                    400,
                    f"IP address {wanted} is not a valid IP for the specified subnet.",
                    kind="InvalidIpForSubnet",
                )
            if wanted in used or wanted == subnet["gateway_ip"]:
                raise SimError(
                    409,
                    f"IP address {wanted} already allocated in subnet {subnet['id']}",
                    kind="IpAddressAlreadyAllocated",
                )
            used.add(wanted)
            return wanted
        for pool in subnet["allocation_pools"]:
            ip = ipaddress.ip_address(pool["start"])
            end = ipaddress.ip_address(pool["end"])
            while ip <= end:
                if str(ip) not in used:
                    used.add(str(ip))
                    return str(ip)
                ip += 1
        raise SimError(
            409,
            f"No more IP addresses available on network {subnet['network_id']}.",
            kind="IpAddressGenerationFailure",
        )

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
        ips = []
        for spec in fixed_ips if fixed_ips is not None else [{}]:
            subnet_id = spec.get("subnet_id")
            if subnet_id is None:
                candidates = [self.subnets[s] for s in net["subnets"]]
                if spec.get("ip_address"):
                    addr = ipaddress.ip_address(spec["ip_address"])
                    candidates = [s for s in candidates if addr in ipaddress.ip_network(s["cidr"])]
                if not candidates:
                    if fixed_ips is None:
                        break  # a network without subnets gives a port without addresses
                    raise SimError(
                        400,
                        "No valid subnet found for the requested IP address.",
                        kind="InvalidInput",
                    )
                subnet = candidates[0]
            else:
                subnet = self.subnets.get(subnet_id)
                if subnet is None or subnet["network_id"] != network_id:
                    raise SimError(
                        404, f"Subnet {subnet_id} could not be found.", kind="SubnetNotFound"
                    )
            ips.append(
                {
                    "subnet_id": subnet["id"],
                    "ip_address": self._allocate(subnet, spec.get("ip_address")),
                }
            )
        default_sg = self.find_security_group(project_id, "default")
        port = _stamp(
            {
                "id": new_id(),
                "name": "",
                "network_id": network_id,
                "mac_address": "fa:16:3e:" + ":".join(f"{b:02x}" for b in random.randbytes(3)),
                "fixed_ips": ips,
                "device_id": "",
                "device_owner": "",
                "status": "DOWN",
                "admin_state_up": True,
                "security_groups": [default_sg["id"]] if default_sg else [],
                "allowed_address_pairs": [],
                "extra_dhcp_opts": [],
                "port_security_enabled": True,
                "binding:vnic_type": "normal",
                "binding:host_id": "",
                "binding:vif_type": "unbound",
                "binding:vif_details": {},
                "binding:profile": {},
                "dns_name": "",
                "dns_assignment": [],
                "propagate_uplink_status": False,
            },
            project_id,
        )
        port.update(attrs)
        self.ports[port["id"]] = port
        if owned_by_nova:
            self.nova_ports.add(port["id"])
        return port

    def delete_port(self, port_id: str) -> None:
        port = self.ports.pop(port_id)
        self.nova_ports.discard(port_id)
        for ip in port["fixed_ips"]:
            self.allocated.get(ip["subnet_id"], set()).discard(ip["ip_address"])

    def bind_port(self, port: dict[str, Any], device_id: str, host: str) -> None:
        port.update(
            {
                "device_id": device_id,
                "device_owner": "compute:nova",
                "binding:host_id": host,
                "binding:vif_type": "ovs",
                "updated_at": isotime(now()),
            }
        )

    def unbind_port(self, port_id: str) -> None:
        """A server let go of the port: Nova deletes what it made and frees the rest."""
        if port_id not in self.ports:
            return
        if port_id in self.nova_ports:
            self.delete_port(port_id)
            return
        self.ports[port_id].update(
            {
                "device_id": "",
                "device_owner": "",
                "status": "DOWN",
                "binding:host_id": "",
                "binding:vif_type": "unbound",
            }
        )

    def set_port_status(self, port_id: str, status: str) -> None:
        if port_id in self.ports:
            self.ports[port_id]["status"] = status

    # -- security groups --

    def find_security_group(self, project_id: str, ref: str) -> dict[str, Any] | None:
        """A project's group by id or name; its `default` group exists once asked for."""
        self._ensure_default(project_id)
        for sg in self.security_groups.values():
            if sg["project_id"] == project_id and ref in (sg["id"], sg["name"]):
                return sg
        return None

    def _ensure_default(self, project_id: str) -> None:
        if any(
            sg["project_id"] == project_id and sg["name"] == "default"
            for sg in self.security_groups.values()
        ):
            return
        sg = self.create_security_group(project_id, "default", description="Default security group")
        for ethertype in ("IPv4", "IPv6"):
            self.create_rule(project_id, sg["id"], "ingress", ethertype, remote_group_id=sg["id"])

    def create_security_group(
        self, project_id: str, name: str, description: str = ""
    ) -> dict[str, Any]:
        sg = _stamp(
            {
                "id": new_id(),
                "name": name,
                "description": description,
                "security_group_rules": [],
                "stateful": True,
                "shared": False,
            },
            project_id,
        )
        self.security_groups[sg["id"]] = sg
        for ethertype in ("IPv4", "IPv6"):
            self.create_rule(project_id, sg["id"], "egress", ethertype)
        return sg

    def create_rule(
        self, project_id: str, group_id: str, direction: str, ethertype: str, **attrs: Any
    ) -> dict[str, Any]:
        if group_id not in self.security_groups:
            raise SimError(
                404, f"Security group {group_id} does not exist", kind="SecurityGroupNotFound"
            )
        rule = _stamp(
            {
                "id": new_id(),
                "security_group_id": group_id,
                "direction": direction,
                "ethertype": ethertype,
                "protocol": None,
                "port_range_min": None,
                "port_range_max": None,
                "remote_ip_prefix": None,
                "remote_group_id": None,
                "remote_address_group_id": None,
                "normalized_cidr": None,
                "belongs_to_default_sg": False,
            },
            project_id,
        )
        rule.update(attrs)
        self.security_group_rules[rule["id"]] = rule
        self.security_groups[group_id]["security_group_rules"].append(rule)
        return rule
