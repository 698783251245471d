"""Neutron ports created and deleted through the API (Nova's own go through the store)."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context
from tricircle.sim.network.collection import Collection, owner, require, visible_network_id
from tricircle.sim.network.store import NetworkState


def _create_port(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    require(spec, "network_id")
    network_id = visible_network_id(state, context, spec)
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("tenant_id", "project_id", "network_id", "fixed_ips")
    }
    return state.create_port(
        owner(context, spec), network_id, fixed_ips=spec.get("fixed_ips"), **attrs
    )


def _delete_port(state: NetworkState, port: dict[str, Any]) -> None:
    state.delete_port(port["id"])


PORTS = Collection(
    "ports",
    "ports",
    _create_port,
    _delete_port,
    frozenset(
        {
            "name",
            "description",
            "admin_state_up",
            "device_id",
            "device_owner",
            "security_groups",
            "binding:host_id",
            "binding:profile",
            "allowed_address_pairs",
            "port_security_enabled",
            "dns_name",
        }
    ),
)
