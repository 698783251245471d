"""Neutron subnets: the cidr, gateway and pools checked as Neutron does, pool changes handed to
the subnet's IPAM, and deletes refused while a port holds an address."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.attributes import SUBNET
from tricircle.sim.network.collection import Collection, owner, require, usable_network
from tricircle.sim.network.ipam import Cidr
from tricircle.sim.network.store import (
    AUTO_DELETED_OWNERS,
    NetworkState,
    default_gateway,
    default_pools,
)
from tricircle.sim.network.subnetpools import carve
from tricircle.sim.network.validation import bad_attribute, invalid_input


def _visible(state: NetworkState, context: Context, subnet: dict[str, Any]) -> bool:
    if context.is_admin or subnet["project_id"] == context.project_id:
        return True
    net = state.networks[subnet["network_id"]]
    return net["shared"] or net["router:external"]


def parse_cidr(value: Any) -> Cidr:
    try:
        if not isinstance(value, str) or "/" not in value:
            raise ValueError
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise invalid_input(f"{value} is not in a CIDR format") from None


def parse_ip(name: str, value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise bad_attribute(name, f"'{value}' is not a valid IP address") from None


def _pools(cidr: Cidr, pools: Any, gateway: str | None) -> list[dict[str, str]]:
    """The pools as given, checked: inside the cidr, apart, and clear of the gateway."""
    if not isinstance(pools, list):
        raise bad_attribute("allocation_pools", f"Invalid data format for IP pool: '{pools}'")
    ranges = []
    for pool in pools:
        if not isinstance(pool, dict) or {"start", "end"} - pool.keys():
            raise bad_attribute("allocation_pools", f"Invalid data format for IP pool: '{pool}'")
        start = parse_ip("allocation_pools", pool["start"])
        end = parse_ip("allocation_pools", pool["end"])
        text = f"{start}-{end}"
        if start.version != cidr.version or end.version != cidr.version or start > end:
            shown = {"start": pool["start"], "end": pool["end"]} if start > end else text
            raise SimError(
                400, f"The allocation pool {shown} is not valid.", kind="InvalidAllocationPool"
            )
        first = cidr.network_address + (1 if cidr.version == 6 or cidr.prefixlen <= 30 else 0)
        last = cidr.broadcast_address - (1 if cidr.version == 4 and cidr.prefixlen <= 30 else 0)
        if start < first or end > last:
            raise SimError(
                400,
                f"The allocation pool {text} spans beyond the subnet cidr {cidr}.",
                kind="OutOfBoundsAllocationPool",
            )
        ranges.append((start, end, text))
    ranges.sort()
    for (_, end, left), (start, _, right) in itertools.pairwise(ranges):
        if start <= end:
            raise SimError(
                409,
                f"Found overlapping allocation pools: {left} {right} for subnet {cidr}.",
                kind="OverlappingAllocationPools",
            )
    if gateway is not None:
        gw = ipaddress.ip_address(gateway)
        for start, end, text in ranges:
            if start <= gw <= end:
                raise SimError(
                    409,
                    f"Gateway ip {gateway} conflicts with allocation pool {text}.",
                    kind="GatewayConflictWithAllocationPools",
                )
    return [{"start": str(s), "end": str(e)} for s, e, _ in ranges]


def _gateway(cidr: Cidr, spec: dict[str, Any]) -> str | None:
    if "gateway_ip" not in spec:
        return default_gateway(cidr)
    if spec["gateway_ip"] is None:
        return None
    gateway = parse_ip("gateway_ip", spec["gateway_ip"])
    if gateway.version != cidr.version:
        raise invalid_input(
            f"gateway_ip '{gateway}' does not match the ip_version '{cidr.version}'"
        )
    return str(gateway)


def _create(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("subnetpool_id"):
        spec = {**spec, "cidr": carve(state, context, spec)}
    require(spec, "network_id", "ip_version", "cidr")
    net = usable_network(state, context, spec["network_id"])
    if not (context.is_admin or net["project_id"] == context.project_id):
        raise SimError(
            403, "rule:create_subnet is disallowed by policy", kind="PolicyNotAuthorized"
        )
    cidr = parse_cidr(spec["cidr"])
    if cidr.version != spec["ip_version"]:
        raise invalid_input(
            f"cidr '{spec['cidr']}' does not match the ip_version '{spec['ip_version']}'"
        )
    for other in net["subnets"]:
        if state.books[other].cidr.overlaps(cidr):
            raise invalid_input(
                f"Requested subnet with cidr: {cidr} for network: {net['id']} overlaps "
                "with another subnet"
            )
    gateway = _gateway(cidr, spec)
    pools = spec.get("allocation_pools")
    # an empty list on create means the default pools, as None does (only an update empties)
    pools = _pools(cidr, pools, gateway) if pools else default_pools(cidr, gateway)
    attrs = {
        k: v
        for k, v in spec.items()
        if k
        not in ("name", "tenant_id", "project_id", "network_id", "cidr", "ip_version", "prefixlen")
    }
    attrs.update(gateway_ip=gateway, allocation_pools=pools)
    return state.create_subnet(
        owner(context, spec), net["id"], str(cidr), spec.get("name", ""), **attrs
    )


def _update(state: NetworkState, context: Context, subnet: dict[str, Any], spec: dict) -> None:
    book = state.books[subnet["id"]]
    gateway = _gateway(book.cidr, spec) if "gateway_ip" in spec else subnet["gateway_ip"]
    pools = spec.get("allocation_pools", subnet["allocation_pools"])
    spec = {**spec, "gateway_ip": gateway, "allocation_pools": _pools(book.cidr, pools, gateway)}
    subnet.update(spec)
    book.set_pools(subnet["allocation_pools"])


def _delete(state: NetworkState, context: Context, subnet: dict[str, Any]) -> None:
    """Refused while a port other than a DHCP-like one holds an address; those lose theirs."""
    holders = [
        state.ports[p]
        for p in sorted(state.network_ports[subnet["network_id"]])
        if any(ip["subnet_id"] == subnet["id"] for ip in state.ports[p]["fixed_ips"])
    ]
    if any(p["device_owner"] not in AUTO_DELETED_OWNERS for p in holders):
        raise SimError(
            409,
            f"Unable to complete operation on subnet {subnet['id']}: One or more ports have "
            "an IP allocation from this subnet.",
            kind="SubnetInUse",
        )
    for port in holders:
        port["fixed_ips"] = [ip for ip in port["fixed_ips"] if ip["subnet_id"] != subnet["id"]]
    state.networks[subnet["network_id"]]["subnets"].remove(subnet["id"])
    del state.subnets[subnet["id"]], state.books[subnet["id"]]


SUBNETS = Collection("subnets", "subnets", SUBNET, _create, _delete, _update, _visible)
