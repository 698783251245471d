"""Neutron security groups and their rules."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.collection import Collection, owner, visible
from tricircle.sim.network.store import NetworkState


def _create_group(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    return state.create_security_group(
        owner(context, spec), spec.get("name", ""), spec.get("description", "")
    )


def _delete_group(state: NetworkState, group: dict[str, Any]) -> None:
    if any(group["id"] in p["security_groups"] for p in state.ports.values()):
        raise SimError(409, f"Security Group {group['id']} in use.", kind="SecurityGroupInUse")
    for rule in group["security_group_rules"]:
        state.security_group_rules.pop(rule["id"], None)
    del state.security_groups[group["id"]]


def _create_rule(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    group = state.security_groups.get(spec.get("security_group_id", ""))
    if group is None or not visible(context, group, "security_groups"):
        raise SimError(
            404,
            f"Security group {spec.get('security_group_id')} does not exist",
            kind="SecurityGroupNotFound",
        )
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("tenant_id", "project_id", "security_group_id", "direction", "ethertype")
    }
    return state.create_rule(
        owner(context, spec),
        group["id"],
        spec.get("direction", "ingress"),
        spec.get("ethertype", "IPv4"),
        **attrs,
    )


def _delete_rule(state: NetworkState, rule: dict[str, Any]) -> None:
    group = state.security_groups[rule["security_group_id"]]
    group["security_group_rules"] = [
        r for r in group["security_group_rules"] if r["id"] != rule["id"]
    ]
    del state.security_group_rules[rule["id"]]


SECURITY_GROUPS = Collection(
    "security_groups",
    "security-groups",
    _create_group,
    _delete_group,
    frozenset({"name", "description"}),
)
SECURITY_GROUP_RULES = Collection(
    "security_group_rules", "security-group-rules", _create_rule, _delete_rule, frozenset()
)
