"""Neutron security groups and rules through the API (the model is in `groups`)."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.attributes import SECURITY_GROUP, SECURITY_GROUP_RULE
from tricircle.sim.network.collection import Collection, owner, require
from tricircle.sim.network.errors import not_found
from tricircle.sim.network.standard import touch
from tricircle.sim.network.store import NetworkState

# Shown only where a group lists its rules, as Neutron's group body does.
IN_GROUP_ONLY = ("tags", "standard_attr_id")


def _is_default(state: NetworkState, group: dict[str, Any]) -> bool:
    return state.groups.defaults.get(group["project_id"]) == group["id"]


def _create_group(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    project = owner(context, spec)
    state.groups.default_group(project)  # Neutron makes it before any other
    group = state.groups.create(
        project,
        spec.get("name", ""),
        spec.get("description", ""),
        stateful=spec.get("stateful", True),
    )
    touch(group)  # its egress rules count as the first revision
    return group


def _update_group(state: NetworkState, context: Context, group: dict, spec: dict) -> None:
    if _is_default(state, group) and spec.get("name", "default") != "default":
        raise SimError(
            409, "Updating default security group not allowed.",
            kind="SecurityGroupCannotUpdateDefault",
        )  # fmt: skip
    group.update(spec)


def _delete_group(state: NetworkState, context: Context, group: dict[str, Any]) -> None:
    if _is_default(state, group) and not context.is_admin:
        raise SimError(
            409,
            "Insufficient rights for removing default security group.",
            kind="SecurityGroupCannotRemoveDefault",
        )
    state.groups.delete(group)


def _present_rule(
    state: NetworkState, context: Context, rule: dict[str, Any], created: bool
) -> dict[str, Any]:
    return {k: v for k, v in rule.items() if k not in IN_GROUP_ONLY}


def _rule_visible(state: NetworkState, context: Context, rule: dict[str, Any]) -> bool:
    if context.is_admin or rule["project_id"] == context.project_id:
        return True
    return state.groups.groups[rule["security_group_id"]]["project_id"] == context.project_id


def _create_rule(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    require(spec, "security_group_id", "direction")
    group = state.groups.groups.get(spec["security_group_id"])
    if group is None or not (context.is_admin or group["project_id"] == context.project_id):
        raise not_found("security_groups", str(spec["security_group_id"]))
    rule = state.groups.add_rule(owner(context, spec), group, {"description": "", **spec})
    touch(group)
    return rule


def _delete_rule(state: NetworkState, context: Context, rule: dict[str, Any]) -> None:
    state.groups.delete_rule(rule)
    touch(state.groups.groups[rule["security_group_id"]])


SECURITY_GROUPS = Collection(
    "security_groups", "security-groups", SECURITY_GROUP, _create_group, _delete_group,
    _update_group,
)  # fmt: skip
SECURITY_GROUP_RULES = Collection(
    "security_group_rules", "security-group-rules", SECURITY_GROUP_RULE, _create_rule,
    _delete_rule, visible=_rule_visible, present=_present_rule,
)  # fmt: skip
