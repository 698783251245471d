"""Security groups and their rules as Neutron keeps them: each project's `default` group,
rule validation (protocols, port ranges, remotes), duplicates, and which ports use a group."""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import SimError, new_id
from tricircle.sim.network.errors import not_found
from tricircle.sim.network.standard import stamp

# Neutron's protocol names and the numbers they stand for (neutron_lib IP_PROTOCOL_MAP).
PROTOCOLS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "icmpv6": 58,
    "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "ipv6-nonxt": 59,
    "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132,
    "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112, "any": 0, "ip": 0,
}  # fmt: skip
PROTOCOL_VALUES = (
    "(None, 'any', 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', 'ip', 'ipip', "
    "'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', "
    "'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite', 'vrrp')"
)
PORT_PROTOCOLS = {6, 17, 33, 132, 136}  # the ones whose rules take port ranges
ICMP_PROTOCOLS = {1, 58}
DIRECTIONS = ("ingress", "egress")
ETHERTYPES = ("IPv4", "IPv6")


def bad_request(message: str, kind: str = "BadRequest") -> SimError:
    return SimError(400, message, kind=kind)


@dataclass
class SecurityGroups:
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # project id -> its default group
    users: dict[str, set[str]] = field(default_factory=dict)  # group id -> port ids
    used_by: dict[str, list[str]] = field(default_factory=dict)  # port id -> group ids
    rule_keys: dict[str, dict[tuple, str]] = field(default_factory=dict)  # group -> key -> rule
    standard_attr_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def default_group(self, project_id: str) -> dict[str, Any]:
        """The project's `default` group, made with Neutron's rules the first time it is needed."""
        group_id = self.defaults.get(project_id)
        if group_id is not None:
            return self.groups[group_id]
        group = self.create(project_id, "default", "Default security group", egress=False)
        self.defaults[project_id] = group["id"]
        for ethertype in ETHERTYPES:
            self.add_rule(project_id, group, {"direction": "egress", "ethertype": ethertype})
            spec = {"direction": "ingress", "ethertype": ethertype, "remote_group_id": group["id"]}
            self.add_rule(project_id, group, spec)
        group["revision_number"] = 1
        return group

    def find(self, project_id: str, ref: str) -> dict[str, Any] | None:
        """A project's group by id or name (Nova's lookup)."""
        default = self.default_group(project_id)
        if ref in (default["id"], "default"):
            return default
        group = self.groups.get(ref)
        if group is not None and group["project_id"] == project_id:
            return group
        return next(
            (g for g in self.groups.values() if g["project_id"] == project_id and g["name"] == ref),
            None,
        )

    def create(
        self,
        project_id: str,
        name: str,
        description: str = "",
        *,
        egress: bool = True,
        stateful: bool = True,
    ) -> dict[str, Any]:
        group = stamp(
            {
                "id": new_id(),
                "name": name,
                "description": description,
                "security_group_rules": [],
                "stateful": stateful,
                "shared": False,
            },
            project_id,
        )
        self.groups[group["id"]] = group
        self.users[group["id"]] = set()
        self.rule_keys[group["id"]] = {}
        if egress:
            for ethertype in ETHERTYPES:
                self.add_rule(project_id, group, {"direction": "egress", "ethertype": ethertype})
        return group

    def delete(self, group: dict[str, Any]) -> None:
        if self.users[group["id"]]:
            raise SimError(409, f"Security Group {group['id']} in use.", kind="SecurityGroupInUse")
        for rule in group["security_group_rules"]:
            del self.rules[rule["id"]]
        del self.groups[group["id"]], self.users[group["id"]], self.rule_keys[group["id"]]
        if self.defaults.get(group["project_id"]) == group["id"]:
            del self.defaults[group["project_id"]]

    def use(self, port_id: str, group_ids: list[str]) -> None:
        """The port now uses these groups (none: it let go of them all)."""
        for old in self.used_by.pop(port_id, []):
            self.users[old].discard(port_id)
        if group_ids:
            self.used_by[port_id] = list(group_ids)
            for group_id in group_ids:
                self.users[group_id].add(port_id)

    def check_usable(self, project_id: str, admin: bool, group_ids: Any) -> list[str]:
        """The groups a port asks for, each one existing and the caller's (or any, for an admin)."""
        if not isinstance(group_ids, list):
            raise bad_request(
                f"Invalid input for security_groups. Reason: '{group_ids}' is not a list.",
                "InvalidInput",
            )
        out = []
        for ref in group_ids:
            group = self.groups.get(ref) if admin else self.find(project_id, ref)
            if group is None or not (admin or group["project_id"] == project_id):
                raise not_found("security_groups", ref)
            out.append(group["id"])
        return out

    # -- rules --

    def add_rule(
        self, project_id: str, group: dict[str, Any], spec: dict[str, Any]
    ) -> dict[str, Any]:
        values = self.validated(spec)
        key = _rule_key(values)
        existing = self.rule_keys[group["id"]].get(key)
        if existing is not None:
            raise SimError(
                409,
                f"Security group rule already exists. Rule id is {existing}.",
                kind="SecurityGroupRuleExists",
            )
        default = self.defaults.get(group["project_id"]) == group["id"]
        rule = stamp(
            {
                "id": new_id(),
                "security_group_id": group["id"],
                # rules Neutron writes itself have none; the API's default is ""
                "description": spec.get("description"),
                "remote_address_group_id": None,
                # Neutron shows null for the default group's rules, false for others'
                "belongs_to_default_sg": None if default else False,
                "standard_attr_id": next(self.standard_attr_ids),
                **values,
            },
            project_id,
        )
        self.rules[rule["id"]] = rule
        self.rule_keys[group["id"]][key] = rule["id"]
        group["security_group_rules"].append(rule)
        return rule

    def delete_rule(self, rule: dict[str, Any]) -> None:
        group = self.groups[rule["security_group_id"]]
        del self.rules[rule["id"]]
        del self.rule_keys[group["id"]][_rule_key(rule)]
        group["security_group_rules"] = [
            r for r in group["security_group_rules"] if r["id"] != rule["id"]
        ]

    def validated(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The rule's direction, ethertype, protocol, ports and remote, checked as Neutron does."""
        direction = spec.get("direction")
        if direction not in DIRECTIONS:
            raise bad_request(
                f"Invalid input for direction. Reason: {direction} is not in valid_values.",
                "HTTPBadRequest",
            )
        ethertype = _ethertype(spec.get("ethertype", "IPv4"))
        protocol = spec.get("protocol")
        number = _protocol_number(protocol)
        low, high = _ports(number, spec.get("port_range_min"), spec.get("port_range_max"))
        prefix, group = spec.get("remote_ip_prefix"), spec.get("remote_group_id")
        if prefix and group:
            raise bad_request(
                "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id "
                "may be provided.",
                "SecurityGroupMultipleRemoteEntites",
            )
        if group and group not in self.groups:
            raise not_found("security_groups", group)
        normalized = _normalized(prefix, ethertype) if prefix else None
        return {
            "direction": direction,
            "ethertype": ethertype,
            "protocol": None if protocol is None else str(protocol),
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": prefix,
            "normalized_cidr": normalized,
            "remote_group_id": group,
        }


def _ethertype(value: Any) -> str:
    for known in ETHERTYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise bad_request(
        f"Invalid input for ethertype. Reason: {value} is not in valid_values.",
        "HTTPBadRequest",
    )


def _protocol_number(protocol: Any) -> int | None:
    if protocol is None:
        return None
    text = str(protocol).lower()
    if text in PROTOCOLS:
        return PROTOCOLS[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return int(text)
    raise bad_request(
        f"Security group rule protocol {protocol} not supported. Only protocol values "
        f"{PROTOCOL_VALUES} and integer representations [0 to 255] are supported.",
        "SecurityGroupRuleInvalidProtocol",
    )


def _port(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(
            f"Invalid input for {name}. Reason: '{value}' is not an integer.", "HTTPBadRequest"
        ) from None


def _ports(protocol: int | None, low: Any, high: Any) -> tuple[int | None, int | None]:
    low, high = _port(low, "port_range_min"), _port(high, "port_range_max")
    if low is None and high is None:
        return None, None
    if protocol is None:
        raise bad_request(
            "Must also specify protocol if port range is given.",
            "SecurityGroupProtocolRequiredWithPorts",
        )
    if protocol in PORT_PROTOCOLS:
        if low is None or high is None:
            low = high = low if high is None else high
        for value in (low, high):
            if not 1 <= value <= 65535:
                raise bad_request(
                    f"Invalid value for port {value}", "SecurityGroupInvalidPortValue"
                )
        if low > high:
            raise bad_request(
                "For TCP/UDP protocols, port_range_min must be <= port_range_max",
                "SecurityGroupInvalidPortRange",
            )
    elif protocol in ICMP_PROTOCOLS:
        if low is None:
            raise bad_request(
                f"ICMP code (port-range-max) {high} is provided but ICMP type "
                "(port-range-min) is missing.",
                "SecurityGroupMissingIcmpType",
            )
        for name, value in (("type", low), ("code", high)):
            if value is not None and not 0 <= value <= 255:
                raise bad_request(
                    f"Invalid value for ICMP {name} (port-range-min): {value}. It must be "
                    "0 to 255.",
                    "SecurityGroupInvalidIcmpValue",
                )
    else:
        raise bad_request(
            f"Ports cannot be specified for protocol {protocol}. Ports are only supported for "
            "DCCP, SCTP, TCP, UDP, UDPLITE.",
            "SecurityGroupInvalidProtocolForPort",
        )
    return low, high


def _normalized(prefix: str, ethertype: str) -> str:
    try:
        net = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        raise bad_request(
            f"Invalid input for remote_ip_prefix. Reason: '{prefix}' is not a valid IP subnet.",
            "HTTPBadRequest",
        ) from None
    if f"IPv{net.version}" != ethertype:
        raise bad_request(
            f"Conflicting value ethertype {ethertype} for CIDR {prefix}",
            "SecurityGroupRuleParameterConflict",
        )
    return str(net)


def _rule_key(rule: dict[str, Any]) -> tuple:
    """What makes two rules the same for Neutron: protocol names and numbers compare equal."""
    number = _protocol_number(rule["protocol"])
    return (
        rule["direction"],
        rule["ethertype"],
        number,
        rule["port_range_min"],
        rule["port_range_max"],
        rule["normalized_cidr"],
        rule["remote_group_id"],
    )
