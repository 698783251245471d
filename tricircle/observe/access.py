"""One log line and the request metrics for every request the gateway answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from tricircle.observe import trace
from tricircle.observe.metrics import REQUEST_SECONDS, REQUESTS
from tricircle.web.services import CONTEXT, REQUEST_ID

LOG = logging.getLogger("tricircle.access")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# anything else is one label value: a client must not be able to mint series
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# the admin API's prefix names its version, not the service
_SERVICE_OF_PREFIX = {"v1.0": "admin"}
# polled by load balancers every few seconds: its lines would drown the others
_QUIET_ROUTES = frozenset({"/healthcheck"})


def route_template(request: web.Request) -> str:
    """The matched route as declared (``/compute/v2.1/servers/{server_id}``): no ids."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def service_of(route: str) -> str:
    if route == "unmatched":
        return "other"
    prefix = route.strip("/").split("/", 1)[0]
    return _SERVICE_OF_PREFIX.get(prefix, prefix)


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_trace = trace.begin()
    started = time.monotonic()
    status = 500  # what the client gets when the handler fails beyond every error page
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        _record(request, request_trace, status, time.monotonic() - started)


def _record(request: web.Request, request_trace: trace.Trace, status: int, seconds: float) -> None:
    route = route_template(request)
    service = service_of(route)
    method = request.method if request.method in _METHODS else "other"
    REQUESTS.labels(service, method, route, str(status)).inc()
    REQUEST_SECONDS.labels(service, method, route).observe(seconds)
    context = request.get(CONTEXT)
    fields = {
        "request_id": request.get(REQUEST_ID),
        "project_id": context.project_id if context is not None else None,
        "service": service,
        "method": request.method,
        "route": route,
        "pods": request_trace.pods(),
        "pod_request_ids": request_trace.pod_request_ids(),
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
    }
    level = logging.DEBUG if route in _QUIET_ROUTES else logging.INFO
    LOG.log(level, "%s", _as_text(fields), extra={"fields": fields})


def _as_text(fields: dict) -> str:
    pods = ",".join(fields["pods"]) or "-"
    text = (
        f"{fields['request_id']} project={fields['project_id'] or '-'} {fields['service']} "
        f"{fields['method']} {fields['route']} pod={pods} status={fields['status']} "
        f"{fields['duration_ms']}ms"
    )
    if fields["pod_request_ids"]:
        text += " pod_request_id=" + ",".join(fields["pod_request_ids"])
    return text
