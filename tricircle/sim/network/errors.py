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
