"""Neutron networks: segments from ML2's type drivers, who sees them, and when one may go."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context, SimError
from tricircle.sim.network.attributes import NETWORK, PROVIDER
from tricircle.sim.network.collection import Collection, owner
from tricircle.sim.network.segments import PHYSNET, SEG_ID, TYPE
from tricircle.sim.network.store import AUTO_DELETED_OWNERS, NetworkState, segment_of
from tricircle.sim.network.validation import invalid_input


def _visible(state: NetworkState, context: Context, net: dict[str, Any]) -> bool:
    return (
        context.is_admin
        or net["project_id"] == context.project_id
        or net["shared"]
        or net["router:external"]
    )


def _create(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    attrs = {k: v for k, v in spec.items() if k not in ("name", "tenant_id", "project_id")}
    net = state.create_network(owner(context, spec), spec.get("name", ""), **attrs)
    net["revision_number"] = 1  # Neutron counts the segment binding as a first revision
    return net


def _update(state: NetworkState, context: Context, net: dict[str, Any], spec: dict) -> None:
    if PROVIDER & spec.keys():
        spec = dict(spec)
        new_id = spec.pop(SEG_ID, None)
        if net[TYPE] != "vlan":
            raise invalid_input("Only VLAN type networks can be updated.")
        if not new_id:
            raise invalid_input("Only segmentation_id field can be updated in VLAN type networks")
        for unchanged in (TYPE, PHYSNET):
            spec.pop(unchanged, None)
        old = segment_of(net)
        state.segments.reserve({TYPE: "vlan", PHYSNET: net[PHYSNET], SEG_ID: new_id})
        state.segments.release(old)
        net[SEG_ID] = int(new_id)
    net.update(spec)
    if "router:external" in spec:
        for subnet_id in net["subnets"]:
            state.subnets[subnet_id]["router:external"] = net["router:external"]


def _delete(state: NetworkState, context: Context, net: dict[str, Any]) -> None:
    if net["router:external"]:  # its unused floating IPs go first, whatever follows
        for fip in list(state.floatingips.values()):
            if fip["floating_network_id"] == net["id"] and fip["port_id"] is None:
                state.delete_floatingip(fip["id"])
    in_use = sorted(
        port_id
        for port_id in state.network_ports[net["id"]]
        if state.ports[port_id]["device_owner"] not in AUTO_DELETED_OWNERS
    )
    if in_use:
        raise SimError(
            409,
            f"Unable to complete operation on network {net['id']}. There are one or more "
            f"ports still in use on the network, id for these ports is: {','.join(in_use)}.",
            kind="NetworkInUse",
        )
    state.delete_network(net)


def _present(
    state: NetworkState, context: Context, net: dict[str, Any], created: bool
) -> dict[str, Any]:
    """`is_default` shows on a create's answer and on external networks, as Neutron has it."""
    shown = NETWORK.view(context, net)
    if created or net["router:external"]:
        return shown
    return {k: v for k, v in shown.items() if k != "is_default"}


NETWORKS = Collection(
    "networks", "networks", NETWORK, _create, _delete, _update, _visible, _present
)
