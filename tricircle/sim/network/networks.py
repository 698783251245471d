"""Neutron networks: who may set the provider attributes, and when one may go."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.collection import Collection, owner
from tricircle.sim.network.store import NetworkState


def _create_network(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    admin_only = {
        "shared",
        "router:external",
        "provider:network_type",
        "provider:physical_network",
        "provider:segmentation_id",
    }
    if admin_only & spec.keys() and not context.is_admin:
        raise SimError(
            403,
            f"(rule:create_network:{sorted(admin_only & spec.keys())[0]}) is disallowed by policy",
            kind="PolicyNotAuthorized",
        )
    attrs = {k: v for k, v in spec.items() if k not in ("name", "tenant_id", "project_id")}
    return state.create_network(owner(context, spec), spec.get("name", ""), **attrs)


def _delete_network(state: NetworkState, net: dict[str, Any]) -> None:
    ports = [p for p in state.ports.values() if p["network_id"] == net["id"]]
    if any(p["device_owner"] and not p["device_owner"].startswith("network:") for p in ports):
        raise SimError(
            409,
            f"Unable to complete operation on network {net['id']}. There are "
            "one or more ports still in use on the network.",
            kind="NetworkInUse",
        )
    for port in ports:
        state.delete_port(port["id"])
    for subnet_id in net["subnets"]:
        state.subnets.pop(subnet_id, None)
        state.allocated.pop(subnet_id, None)
    del state.networks[net["id"]]


NETWORKS = Collection(
    "networks",
    "networks",
    _create_network,
    _delete_network,
    frozenset(
        {
            "name",
            "admin_state_up",
            "description",
            "shared",
            "mtu",
            "port_security_enabled",
            "router:external",
            "is_default",
        }
    ),
)
