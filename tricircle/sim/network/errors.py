"""Neutron's error bodies and the type names they carry."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import SimError, json_response

TYPE_NAMES = {
    "networks": "Network",
    "subnets": "Subnet",
    "ports": "Port",
    "security_groups": "SecurityGroup",
    "security_group_rules": "SecurityGroupRule",
}


def render_neutron_error(request: web.Request, err: SimError) -> web.Response:
    kind = err.kind or {
        400: "HTTPBadRequest",
        401: "HTTPUnauthorized",
        403: "HTTPForbidden",
        404: "HTTPNotFound",
        405: "HTTPMethodNotAllowed",
        409: "HTTPConflict",
        503: "HTTPServiceUnavailable",
    }.get(err.status, "HTTPInternalServerError")
    message = err.message
    if err.status == 500:
        message = "Request Failed: internal server error while processing your request."
    return json_response(
        {"NeutronError": {"type": kind, "message": message, "detail": ""}}, err.status, err.headers
    )


def network_not_found(network_id: str) -> SimError:
    return SimError(404, f"Network {network_id} could not be found.", kind="NetworkNotFound")
