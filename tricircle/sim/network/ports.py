"""Neutron ports through the API: fixed IPs and MACs (who may choose them), security groups,
port security, allowed address pairs and host binding; Nova's own ports go through the store."""

from __future__ import annotations

import re
from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.attributes import PORT, policy_refusal
from tricircle.sim.network.collection import Collection, owner, require, usable_network
from tricircle.sim.network.store import NetworkState, mac_in_use
from tricircle.sim.network.subnets import parse_ip
from tricircle.sim.network.validation import bad_attribute, check_uuid

_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
ROUTER_OWNERS = ("network:router_interface", "network:router_gateway", "network:floatingip")


def _visible(state: NetworkState, context: Context, port: dict[str, Any]) -> bool:
    """Its project, and the owner of its network, see a port."""
    if context.is_admin or port["project_id"] == context.project_id:
        return True
    return state.networks[port["network_id"]]["project_id"] == context.project_id


def _fixed_ips(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(ip, dict) for ip in value):
        raise bad_attribute("fixed_ips", f"Invalid data format for fixed IP: '{value}'")
    for ip in value:
        unknown = ip.keys() - {"subnet_id", "ip_address"}
        if unknown:
            raise bad_attribute("fixed_ips", f"Unrecognized attribute(s) '{', '.join(unknown)}'")
        if "subnet_id" in ip:
            check_uuid("fixed_ips", ip["subnet_id"])
        if "ip_address" in ip:
            parse_ip("fixed_ips", ip["ip_address"])
    return value


def _mac(value: Any) -> str:
    if not isinstance(value, str) or not _MAC.match(value.lower()):
        raise bad_attribute("mac_address", f"'{value}' is not a valid MAC address")
    return value.lower()


def _check_owner_only(context: Context, net: dict[str, Any], spec: dict[str, Any], action: str):
    """What only an admin or the network's owner may ask for: a MAC, an address, a network
    device owner (Neutron's create_port:* / update_port:* rules)."""
    if context.is_admin or net["project_id"] == context.project_id:
        return
    if "mac_address" in spec:
        raise policy_refusal(action, "port", ["mac_address"])
    chosen = [ip for ip in spec.get("fixed_ips") or [] if "ip_address" in ip]
    if chosen:
        keys = ["subnet_id", "ip_address"] if "subnet_id" in chosen[0] else ["ip_address"]
        rules = " and ".join(f"rule:{action}_port:fixed_ips:{k}" for k in keys)
        inner = f"({rules})" if len(keys) > 1 else rules
        text = f"(rule:{action}_port and (rule:{action}_port:fixed_ips and {inner}))"
        raise SimError(403, f"{text} is disallowed by policy", kind="PolicyNotAuthorized")
    if str(spec.get("device_owner", "")).startswith("network:"):
        raise policy_refusal(action, "port", ["device_owner"])


def _address_pairs(pairs: Any, mac: str, secure: bool) -> list[dict[str, str]]:
    """The pairs as Neutron keeps them (the port's MAC where none is given); they need port
    security."""
    if not isinstance(pairs, list):
        raise bad_attribute("allowed_address_pairs", f"'{pairs}' is not a list")
    out = []
    for pair in pairs:
        if not isinstance(pair, dict) or "ip_address" not in pair:
            raise SimError(
                400,
                "AllowedAddressPair must contain ip_address",
                kind="AllowedAddressPairsMissingIP",
            )
        out.append(
            {"ip_address": pair["ip_address"], "mac_address": pair.get("mac_address") or mac}
        )
    if out and not secure:
        raise SimError(
            409,
            "Port Security must be enabled in order to have allowed address pairs on a port.",
            kind="AddressPairAndPortSecurityRequired",
        )
    return out


def _check_groups_allowed(groups: list[str], secure: bool, has_ip: bool) -> None:
    if groups and not (secure and has_ip):
        raise SimError(
            400,
            "Port security must be enabled and port must have an IP address in order to use "
            "security groups.",
            kind="PortSecurityAndIPRequiredForSecurityGroups",
        )


def _create(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    require(spec, "network_id")
    net = usable_network(state, context, spec["network_id"])
    _check_owner_only(context, net, spec, "create")
    project = owner(context, spec)
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("tenant_id", "project_id", "network_id", "fixed_ips", "allowed_address_pairs")
    }
    if "mac_address" in spec:
        attrs["mac_address"] = _mac(spec["mac_address"])
    if "security_groups" in spec:
        for ref in spec["security_groups"] if isinstance(spec["security_groups"], list) else []:
            check_uuid("security_groups", ref)
        attrs["security_groups"] = state.groups.check_usable(
            project, context.is_admin, spec["security_groups"]
        )
    fixed = _fixed_ips(spec["fixed_ips"]) if "fixed_ips" in spec else None
    port = state.create_port(project, net["id"], fixed_ips=fixed, **attrs)
    secure = port["port_security_enabled"]
    try:
        if spec.get("security_groups"):
            _check_groups_allowed(port["security_groups"], secure, bool(port["fixed_ips"]))
        pairs = spec.get("allowed_address_pairs", [])
        port["allowed_address_pairs"] = _address_pairs(pairs, port["mac_address"], secure)
    except SimError:
        state.delete_port(port["id"])
        raise
    port["revision_number"] = 1  # the binding's first write, as Neutron counts it
    return port


def _update(state: NetworkState, context: Context, port: dict[str, Any], spec: dict) -> None:
    """Checks the whole update first, allocates the new addresses last: a refused update
    changes nothing."""
    net = state.networks[port["network_id"]]
    _check_owner_only(context, net, spec, "update")
    spec = dict(spec)
    mac = _new_mac(state, context, port, spec.pop("mac_address", port["mac_address"]))
    groups = spec.pop("security_groups", None)
    if groups is not None:
        groups = state.groups.check_usable(port["project_id"], context.is_admin, groups)
    secure = spec.get("port_security_enabled", port["port_security_enabled"])
    pairs = spec.pop("allowed_address_pairs", None)
    pairs = _address_pairs(port["allowed_address_pairs"] if pairs is None else pairs, mac, secure)
    if not secure and port["security_groups"] and groups is None:
        raise SimError(
            409,
            "Port has security group associated. Cannot disable port security or IP address "
            "until security group is removed.",
            kind="PortSecurityPortHasSecurityGroup",
        )
    fixed = _fixed_ips(spec.pop("fixed_ips")) if "fixed_ips" in spec else None
    if groups:
        has_ip = bool(port["fixed_ips"] if fixed is None else fixed)
        _check_groups_allowed(groups, secure, has_ip)
    if fixed is not None:
        port["fixed_ips"] = _move_fixed_ips(state, net, port, fixed)
    if mac != port["mac_address"]:
        state.take_mac(net["id"], mac)
        state.macs[net["id"]].discard(port["mac_address"])
    host = spec.pop("binding:host_id", None)
    port.update(spec, mac_address=mac, allowed_address_pairs=pairs)
    if groups is not None:
        port["security_groups"] = groups
        state.groups.use(port["id"], groups)
    if host is not None:
        state.set_binding(port, host)


def _new_mac(state: NetworkState, context: Context, port: dict[str, Any], value: Any) -> str:
    """The MAC an update asks for, checked: admins only, not on a bound port, not in use."""
    if value == port["mac_address"]:
        return value
    if not context.is_admin:
        raise policy_refusal("update", "port", ["mac_address"])
    mac = _mac(value)
    if port["binding:host_id"]:
        raise SimError(
            409,
            f"Unable to complete operation on port {port['id']}, port is already bound, "
            f"port type: {port['binding:vif_type']}, old_mac {port['mac_address']}, "
            f"new_mac {mac}.",
            kind="PortBound",
        )
    if mac in state.macs[port["network_id"]]:
        raise mac_in_use(port["network_id"], mac)
    return mac


def _move_fixed_ips(
    state: NetworkState, net: dict[str, Any], port: dict[str, Any], wanted: list[dict]
) -> list[dict[str, str]]:
    """The port's new addresses: those it keeps stay, the others are allocated, then the
    ones it no longer has are released."""
    kept, fresh = [], []
    for spec in wanted:
        address = spec.get("ip_address")
        match = next(
            (ip for ip in port["fixed_ips"] if address == ip["ip_address"]
             and spec.get("subnet_id", ip["subnet_id"]) == ip["subnet_id"]),
            None,
        )  # fmt: skip
        if match is not None:
            kept.append(match)
        else:
            fresh.append(spec)
    added = state.allocate(net, fresh, port["mac_address"], every_slaac=False) if fresh else []
    state.release([ip for ip in port["fixed_ips"] if ip not in kept])
    return kept + added


def _delete(state: NetworkState, context: Context, port: dict[str, Any]) -> None:
    if port["device_owner"] in ROUTER_OWNERS:
        raise SimError(
            409,
            f"Port {port['id']} cannot be deleted directly via the port API: has device owner "
            f"{port['device_owner']}.",
            kind="ServicePortInUse",
        )
    state.delete_port(port["id"])


PORTS = Collection("ports", "ports", PORT, _create, _delete, _update, _visible)
