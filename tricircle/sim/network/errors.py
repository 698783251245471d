"""Neutron's error bodies, and the not-found errors each resource answers with."""

from __future__ import annotations

from aiohttp import web

from tricircle.openstack_errors import neutron_error
from tricircle.sim.http import SimError, json_response

# collection -> (exception type, message with {id})
NOT_FOUND = {
    "networks": ("NetworkNotFound", "Network {id} could not be found."),
    "subnets": ("SubnetNotFound", "Subnet {id} could not be found."),
    "ports": ("PortNotFound", "Port {id} could not be found."),
    "routers": ("RouterNotFound", "Router {id} could not be found"),
    "floatingips": ("FloatingIPNotFound", "Floating IP {id} could not be found"),
    "security_groups": ("SecurityGroupNotFound", "Security group {id} does not exist"),
    "port_forwardings": ("PortForwardingNotFound", "Port Forwarding {id} could not be found."),
    "security_group_rules": (
        "SecurityGroupRuleNotFound",
        "Security group rule {id} does not exist",
    ),
}


def render_neutron_error(request: web.Request, err: SimError) -> web.Response:
    message = {
        405: "The server could not comply with the request since it is either malformed or "
        "otherwise incorrect.",
        500: "Request Failed: internal server error while processing your request.",
    }.get(err.status, err.message)
    return json_response(neutron_error(err.status, message, err.kind), err.status, err.headers)


def not_found(collection: str, ident: str) -> SimError:
    kind, message = NOT_FOUND[collection]
    return SimError(404, message.format(id=ident), kind=kind)


def network_not_found(network_id: str) -> SimError:
    return not_found("networks", network_id)


def already_associated(fip: dict, port_id: str, fixed_ip: str, network_id: str) -> SimError:
    """Neutron's 409 for a floating IP put on a fixed IP that has one on `network_id` (or,
    as a port forwarding's, a floating IP that has a port already)."""
    return SimError(
        409,
        f"Cannot associate floating IP {fip['floating_ip_address']} ({fip['id']}) with port "
        f"{port_id} using fixed IP {fixed_ip}, as that fixed IP already has a floating IP on "
        f"external network {network_id}.",
        kind="FloatingIPPortAlreadyAssociated",
    )
