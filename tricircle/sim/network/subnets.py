"""Neutron subnets: created on a visible network, deleted once no port holds an address."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.collection import Collection, owner, require, visible_network_id
from tricircle.sim.network.store import NetworkState


def _create_subnet(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    require(spec, "network_id", "cidr")
    network_id = visible_network_id(state, context, spec)
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("name", "tenant_id", "project_id", "network_id", "cidr", "ip_version")
    }
    return state.create_subnet(
        owner(context, spec), network_id, spec["cidr"], spec.get("name", ""), **attrs
    )


def _delete_subnet(state: NetworkState, subnet: dict[str, Any]) -> None:
    if state.allocated.get(subnet["id"]):
        raise SimError(
            409,
            f"Unable to complete operation on subnet {subnet['id']}: One or "
            "more ports have an IP allocation from this subnet.",
            kind="SubnetInUse",
        )
    state.networks[subnet["network_id"]]["subnets"].remove(subnet["id"])
    del state.subnets[subnet["id"]]
    state.allocated.pop(subnet["id"], None)


SUBNETS = Collection(
    "subnets",
    "subnets",
    _create_subnet,
    _delete_subnet,
    frozenset(
        {
            "name",
            "description",
            "gateway_ip",
            "enable_dhcp",
            "dns_nameservers",
            "host_routes",
            "allocation_pools",
        }
    ),
)
