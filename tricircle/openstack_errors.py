"""Error bodies as the OpenStack services write them, for the gateway and the simulator alike."""

from __future__ import annotations

from typing import Any

# Nova and Cinder name their faults the same way (wsgi.Fault); anything unlisted is computeFault.
FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def nova_fault(status: int, message: str) -> dict[str, Any]:
    """``{"itemNotFound": {"code": 404, "message": ...}}`` and its kin."""
    return {FAULT_NAMES.get(status, "computeFault"): {"code": status, "message": message}}


def cinder_fault(status: int, message: str) -> dict[str, Any]:
    """Nova's shape; Cinder's 413s (its quota errors, retried at once) also say when to
    retry, as its fault wrapper copies their Retry-After header into the body."""
    body = nova_fault(status, message)
    if status == 413:
        body["overLimit"]["retryAfter"] = "0"
    return body


def glance_error(status: int, message: str) -> dict[str, Any]:
    return {"code": status, "title": message, "message": message}


NEUTRON_ERROR_TYPES = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
    413: "HTTPRequestEntityTooLarge",
    503: "HTTPServiceUnavailable",
}


def neutron_error(status: int, message: str, kind: str | None = None) -> dict[str, Any]:
    """``{"NeutronError": {"type": "NetworkNotFound", "message": ..., "detail": ""}}``."""
    kind = kind or NEUTRON_ERROR_TYPES.get(status, "HTTPInternalServerError")
    return {"NeutronError": {"type": kind, "message": message, "detail": ""}}
