"""Forwarding a compute call to a pod and relaying its answer as if the gateway gave it."""

from __future__ import annotations

from aiohttp import web

from tricircle.gateway.compute.mark import unmarked
from tricircle.gateway.compute.microversions import HEADER, LEGACY_HEADER, SERVICE, Version
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.pods.discovery import service_root
from tricircle.web.services import REQUEST_ID

VERSION = web.RequestKey("compute_version", Version)
_RELAYED = ("Content-Type", "Location", "Retry-After")


def version_of(request: web.Request) -> Version:
    return request[VERSION]


def pod_headers(request: web.Request) -> dict[str, str]:
    """Headers for the pod: the negotiated microversion (never "latest") and our request id."""
    version = str(version_of(request))
    return {
        HEADER: f"{SERVICE} {version}",
        LEGACY_HEADER: version,
        "X-OpenStack-Request-ID": request[REQUEST_ID],
    }


def top_root(request: web.Request) -> str:
    """Where clients reach the compute API of this gateway (links point there)."""
    return f"{request.scheme}://{request.host}/compute"


def relay(request: web.Request, pod: PodInfo, answer: PodResponse) -> web.Response:
    body = answer.body
    if body:
        # The pod writes its own address into links; clients must only ever see the gateway.
        pod_root = service_root(pod.endpoints["compute"]).encode()
        body = unmarked(body.replace(pod_root + b"/", top_root(request).encode() + b"/"))
    response = web.Response(status=answer.status, body=body or None)
    for name in _RELAYED:
        if name in answer.headers:
            response.headers[name] = answer.headers[name]
    if "Location" in response.headers:
        location = response.headers["Location"]
        response.headers["Location"] = location.replace(
            service_root(pod.endpoints["compute"]), top_root(request)
        )
    return response
