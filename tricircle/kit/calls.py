"""Calls to a pod on behalf of a request, and their answers relayed as the gateway's own.

A call goes to the pod's endpoint of the request's service, with the user's token,
the negotiated microversion (never "latest") and the gateway's request id; the pod
client feeds pod health with its outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from aiohttp import web

from tricircle.kit.mark import unmarked
from tricircle.kit.microversions import (
    Version,
    VersionRange,
    common_range,
    negotiate,
    requested,
    response_headers,
    version_headers,
)
from tricircle.kit.service import Microversioned, OpenStackService, service_of
from tricircle.pods.catalog import endpoint_of
from tricircle.pods.client import PodResponse, PodUnavailable, not_accepted
from tricircle.pods.directory import PodInfo
from tricircle.pods.discovery import service_root
from tricircle.web.middleware import Handler
from tricircle.web.services import REQUEST_ID, context_of, services_of

VERSION = web.RequestKey("microversion", Version)
_RELAYED = ("Content-Type", "Location", "Retry-After")


def version_of(request: web.Request) -> Version:
    return request[VERSION]


@lru_cache(maxsize=16)
def _pods_range(service: Microversioned) -> Callable[[Mapping[str, PodInfo]], VersionRange]:
    # one function per service: the pod snapshot caches what it computes by the function
    def compute(pods: Mapping[str, PodInfo]) -> VersionRange:
        return common_range(pods.values(), service)

    return compute


async def supported_range(request: web.Request, service: Microversioned) -> VersionRange:
    """What every enabled pod supports; computed once per pod snapshot, not per request."""
    return await services_of(request).directory.derived(_pods_range(service))


@web.middleware
async def negotiate_version(request: web.Request, handler: Handler) -> web.StreamResponse:
    microversions = service_of(request).microversions
    if microversions is None or getattr(handler, "public", False):
        return await handler(request)
    supported = await supported_range(request, microversions)
    request[VERSION] = negotiate(requested(request, microversions), supported)
    response = await handler(request)
    response.headers.update(response_headers(microversions, request[VERSION]))
    return response


def pod_headers(
    request: web.Request, version: str | None = None, service: OpenStackService | None = None
) -> dict[str, str]:
    """Our request id and the microversion: `version` when the gateway wrote the body itself
    (it knows which version its body speaks), else the negotiated one of the request's own
    service."""
    headers = {"X-OpenStack-Request-ID": request[REQUEST_ID]}
    own = service is None or service is service_of(request)
    microversions = (service or service_of(request)).microversions
    if microversions is not None and (own or version):
        chosen = Version.parse(version) if version else request.get(VERSION)
        if chosen is not None:
            headers.update(version_headers(microversions, chosen))
    return headers


async def call_pod(
    request: web.Request,
    pod: PodInfo,
    method: str,
    path: str,
    *,
    token: str | None = None,
    version: str | None = None,
    params: Any = None,
    body: bytes | None = None,
    json: Any = None,
    timeout: float | None = None,
    service: OpenStackService | None = None,
) -> PodResponse:
    """`path` under the pod's endpoint of the request's service (or `service`), as the user
    (or `token`)."""
    services, context = services_of(request), context_of(request)
    return await services.pods.request(
        pod,
        (service or service_of(request)).name,
        method,
        path,
        token=token or context.token,
        project_id=context.project_id,
        headers=pod_headers(request, version, service),
        params=params,
        body=body,
        json=json,
        timeout=timeout,
    )


def pod_root(service: OpenStackService, pod: PodInfo) -> str:
    """The pod's address of the service, above its version ("http://pod/compute")."""
    return service_root(endpoint_of(pod, service.name) or "")


def relay(request: web.Request, pod: PodInfo, answer: PodResponse) -> web.Response:
    """The pod's answer with its own address replaced by the gateway's and the mark removed."""
    service = service_of(request)
    root, top = pod_root(service, pod), service.top_root(request)
    body = answer.body
    if body:
        # The pod writes its own address into links; clients must only ever see the gateway.
        body = unmarked(body.replace(root.encode() + b"/", top.encode() + b"/"))
    response = web.Response(status=answer.status, body=body or None)
    for name in _RELAYED:
        if name in answer.headers:
            response.headers[name] = answer.headers[name]
    if "Location" in response.headers:
        response.headers["Location"] = response.headers["Location"].replace(root, top)
    return response


def taken(pod: PodInfo, answer: PodResponse) -> PodResponse:
    """The answer to a create, unless the pod says it did not take it on (then another pod
    may be asked: see kit.placement.create_in_az)."""
    if not_accepted(answer.status):
        raise PodUnavailable(pod, f"answered {answer.status}", sent=False)
    return answer
