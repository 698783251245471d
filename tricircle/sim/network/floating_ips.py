"""Neutron floating IPs: an address from an external network, associated with a port that a
router connects to that network."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import Context, SimError, new_id
from tricircle.sim.network.attributes import FLOATING_IP
from tricircle.sim.network.collection import Collection, owner, require
from tricircle.sim.network.errors import already_associated, not_found
from tricircle.sim.network.port_forwardings import in_use, shown_in_floatingip
from tricircle.sim.network.routers import router_between
from tricircle.sim.network.standard import stamp
from tricircle.sim.network.store import NetworkState

FLOATING = "network:floatingip"
PORT_DETAILS = ("name", "network_id", "mac_address", "admin_state_up", "status", "device_id",
                "device_owner")  # fmt: skip


def _create(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    require(spec, "floating_network_id")
    net = state.networks.get(spec["floating_network_id"])
    if net is None:
        raise not_found("networks", str(spec["floating_network_id"]))
    if not net["router:external"]:
        raise SimError(
            400,
            f"Bad floatingip request: Network {net['id']} is not a valid external network.",
            kind="BadRequest",
        )
    fip_id = new_id()
    wanted: dict[str, Any] = {}
    if spec.get("subnet_id"):
        wanted["subnet_id"] = spec["subnet_id"]
    if spec.get("floating_ip_address"):
        wanted["ip_address"] = spec["floating_ip_address"]
    port = state.create_port(
        "",
        net["id"],
        fixed_ips=[wanted] if wanted else None,
        device_owner=FLOATING,
        device_id=fip_id,
    )
    if not port["fixed_ips"]:
        state.delete_port(port["id"])
        raise SimError(
            409,
            f"No more IP addresses available on network {net['id']}.",
            kind="IpAddressGenerationFailure",
        )
    fip = stamp(
        {
            "id": fip_id,
            "floating_network_id": net["id"],
            "floating_ip_address": port["fixed_ips"][0]["ip_address"],
            "fixed_ip_address": None,
            "port_id": None,
            "router_id": None,
            "status": "DOWN",
            "description": spec.get("description", ""),
        },
        owner(context, spec),
    )
    state.floatingip_ports[fip_id] = port["id"]
    try:
        if spec.get("port_id"):
            _associate(state, context, fip, spec["port_id"], spec.get("fixed_ip_address"))
    except SimError:
        state.delete_port(port["id"])
        del state.floatingip_ports[fip_id]
        raise
    state.floatingips[fip_id] = fip
    return fip


def _associate(
    state: NetworkState, context: Context, fip: dict[str, Any], port_id: Any, address: Any
) -> None:
    port = state.ports.get(port_id) if isinstance(port_id, str) else None
    if port is None or not (context.is_admin or port["project_id"] == context.project_id):
        raise not_found("ports", str(port_id))
    ips = [ip for ip in port["fixed_ips"] if address in (None, ip["ip_address"])]
    if not ips:
        raise SimError(
            400,
            f"Bad floatingip request: Port {port['id']} does not have fixed ip {address}.",
            kind="BadRequest",
        )
    fixed = ips[0]
    for other in state.floatingips.values():
        if (
            other["id"] != fip["id"]
            and other["port_id"] == port["id"]
            and (other["fixed_ip_address"] == fixed["ip_address"])
        ):
            raise already_associated(
                fip, port["id"], fixed["ip_address"], other["floating_network_id"]
            )
    router = router_between(state, fip["floating_network_id"], fixed["subnet_id"])
    if router is None:
        raise SimError(
            404,
            f"External network {fip['floating_network_id']} is not reachable from subnet "
            f"{fixed['subnet_id']}.  Therefore, cannot associate Port {port['id']} with a "
            "Floating IP.",
            kind="ExternalGatewayForFloatingIPNotFound",
        )
    fip.update(
        {"port_id": port["id"], "fixed_ip_address": fixed["ip_address"], "router_id": router}
    )


def _update(state: NetworkState, context: Context, fip: dict[str, Any], spec: dict) -> None:
    if "description" in spec:
        fip["description"] = spec["description"]
    if "port_id" not in spec:
        return
    if spec["port_id"] is not None and state.forwardings_of(fip["id"]):
        raise in_use(fip)
    if spec["port_id"] is None:
        fip.update({"port_id": None, "fixed_ip_address": None, "router_id": None})
    else:
        _associate(state, context, fip, spec["port_id"], spec.get("fixed_ip_address"))


def _delete(state: NetworkState, context: Context, fip: dict[str, Any]) -> None:
    if state.forwardings_of(fip["id"]):
        raise in_use(fip)
    state.delete_floatingip(fip["id"])


def _present(
    state: NetworkState, context: Context, fip: dict[str, Any], created: bool
) -> dict[str, Any]:
    port = state.ports.get(fip["port_id"] or "")
    details = {k: port[k] for k in PORT_DETAILS} if port else None
    forwardings = shown_in_floatingip(state, fip["id"])
    return {**fip, "port_details": details, "port_forwardings": forwardings}


FLOATING_IPS = Collection(
    "floatingips", "floatingips", FLOATING_IP, _create, _delete, _update, present=_present
)
