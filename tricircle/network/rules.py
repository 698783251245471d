"""The rules a security group's pod copy must hold, and what to change to get there.

A remote-group rule admits the members of another group. A pod sees only its own ports,
so its copy of the remote group would admit only the members in that pod; the copy gets
instead one rule per member address, wherever the member runs, and is converged again as
members come and go.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple


class RuleKey(NamedTuple):
    """What makes two rules the same rule in Neutron's eyes (ids and projects aside)."""

    direction: str
    ethertype: str
    protocol: str | None
    port_range_min: int | None
    port_range_max: int | None
    remote_ip_prefix: str | None


def key_of(rule: Mapping[str, Any], remote_ip_prefix: str | None = None) -> RuleKey:
    protocol = rule.get("protocol")
    return RuleKey(
        rule["direction"],
        rule["ethertype"],
        str(protocol).lower() if protocol is not None else None,
        rule.get("port_range_min"),
        rule.get("port_range_max"),
        remote_ip_prefix or rule.get("remote_ip_prefix"),
    )


def _host_prefix(address: str) -> tuple[str, str]:
    ip = ipaddress.ip_address(address)
    return ("IPv4" if ip.version == 4 else "IPv6"), f"{ip}/{ip.max_prefixlen}"


def wanted(
    central_rules: Iterable[Mapping[str, Any]], members: Mapping[str, Iterable[str]]
) -> set[RuleKey]:
    """The copy's rules: the central ones, remote groups expanded to `members` (group id ->
    its members' fixed addresses)."""
    keys: set[RuleKey] = set()
    for rule in central_rules:
        remote = rule.get("remote_group_id")
        if remote is None:
            keys.add(key_of(rule))
            continue
        for address in members.get(remote, ()):
            ethertype, prefix = _host_prefix(address)
            if ethertype == rule["ethertype"]:
                keys.add(key_of(rule, prefix))
    return keys


def remote_groups(central_rules: Iterable[Mapping[str, Any]]) -> set[str]:
    return {r["remote_group_id"] for r in central_rules if r.get("remote_group_id")}


def body_of(key: RuleKey, security_group_id: str, project_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "security_group_id": security_group_id,
        "project_id": project_id,
        "direction": key.direction,
        "ethertype": key.ethertype,
    }
    optional = {
        "protocol": key.protocol,
        "port_range_min": key.port_range_min,
        "port_range_max": key.port_range_max,
        "remote_ip_prefix": key.remote_ip_prefix,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body
