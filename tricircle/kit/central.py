"""Calls passed on to a service the top runs itself: the central Neutron, the top Glance.

The gateway adds nothing to such a call: the service checks the token, applies its own
policy and answers in its own words, so tenants get its whole API. Bodies that are data
(an image upload or download) stream through and never sit in the gateway's memory; JSON
answers are read, to put the gateway's address in their links and to let the facade
act on what was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from oslo_config import cfg

from tricircle.kit.service import OpenStackService
from tricircle.pods.client import PodResponse
from tricircle.web.services import REQUEST_ID, context_of, services_of

# Headers of one connection, not of the message (RFC 9110 7.6.1), and those aiohttp
# writes itself.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "x-openstack-request-id",
    }
)
_CHUNK = 256 * 1024
_DATA = "application/octet-stream"


@dataclass(frozen=True)
class Central:
    """One central service: where it is and how long a JSON call may take."""

    service: str  # "network", "image"
    root: str  # versionless, without a trailing slash: "http://neutron:9696"
    timeout: float

    def url(self, path: str) -> str:
        return self.root + path

    async def call(
        self,
        http: aiohttp.ClientSession,
        method: str,
        path: str,
        *,
        token: str,
        request_id: str | None = None,
        json: Any = None,
        params: Any = None,
    ) -> PodResponse:
        """One JSON call of the gateway's own (for a request, or a job's)."""
        headers = {"X-Auth-Token": token, "Accept": "application/json"}
        if request_id:
            headers["X-OpenStack-Request-ID"] = request_id
        data = None
        if json is not None:
            data = msgspec.json.encode(json)
            headers["Content-Type"] = "application/json"
        try:
            async with http.request(
                method,
                self.url(path),
                headers=headers,
                data=data,
                params=params,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as answer:
                return PodResponse(answer.status, answer.headers, await answer.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.unavailable(exc) from None

    def unavailable(self, exc: BaseException) -> CentralUnavailable:
        return CentralUnavailable(self.service, self.root, str(exc) or type(exc).__name__)


class CentralUnavailable(Exception):
    def __init__(self, service: str, root: str, reason: str) -> None:
        super().__init__(f"the central {service} service at {root} did not answer: {reason}")
        self.service = service


def configured(conf: cfg.ConfigOpts, service: str) -> Central | None:
    """The central `service` ("network", "image") configured as ``[central] <service>_url``,
    or None."""
    url = conf.central[f"{service}_url"]
    if not url:
        return None
    return Central(service, url.rstrip("/"), conf.pods.request_timeout)


def _path_under_prefix(request: web.Request, service: OpenStackService) -> str:
    """The path (raw, with its query) the client sent below the service's prefix."""
    prefix = f"/{service.name}"
    raw = request.rel_url.raw_path_qs
    return raw[len(prefix) :] if raw.startswith(prefix) else raw


def _outgoing_headers(request: web.Request) -> CIMultiDict[str]:
    headers = CIMultiDict(
        (name, value) for name, value in request.headers.items() if name.lower() not in _HOP_BY_HOP
    )
    if request.content_length is not None:
        headers["Content-Length"] = str(request.content_length)
    return headers


def _answer_headers(headers: CIMultiDictProxy[str], central: Central, top: str) -> CIMultiDict[str]:
    out = CIMultiDict(
        (name, value) for name, value in headers.items() if name.lower() not in _HOP_BY_HOP
    )
    if "Location" in out:
        out["Location"] = out["Location"].replace(central.root, top)
    return out


async def pass_on(
    request: web.Request, central: Central, service: OpenStackService
) -> web.StreamResponse:
    """The request sent on to `central` as the client sent it; its answer relayed.

    A JSON answer comes back as a read `web.Response` (its links rewritten to the
    gateway's address); anything else streams through.
    """
    streamed_in = request.content_type == _DATA
    body: Any = request.content if streamed_in else await request.read()
    # data may take long to flow: only a stall fails it, not its length
    timeout = (
        aiohttp.ClientTimeout(total=None, sock_read=central.timeout)
        if streamed_in or request.method == "GET"
        else aiohttp.ClientTimeout(total=central.timeout)
    )
    http = services_of(request).http
    try:
        answer = await http.request(
            request.method,
            central.url(_path_under_prefix(request, service)),
            headers=_outgoing_headers(request),
            data=body if body else None,
            timeout=timeout,
            allow_redirects=False,
            auto_decompress=False,
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise central.unavailable(exc) from None
    top = service.top_root(request)
    headers = _answer_headers(answer.headers, central, top)
    async with answer:
        if answer.content_type == "application/json":
            try:
                payload = await answer.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise central.unavailable(exc) from None
            # the service writes its own address into links; clients only ever see the gateway
            payload = payload.replace(central.root.encode() + b"/", top.encode() + b"/")
            return web.Response(status=answer.status, body=payload, headers=headers)
        streamed = web.StreamResponse(status=answer.status, headers=headers)
        if answer.content_length is not None:
            streamed.content_length = answer.content_length
        await streamed.prepare(request)
        async for chunk in answer.content.iter_chunked(_CHUNK):
            await streamed.write(chunk)
        await streamed.write_eof()
        return streamed


async def call_central(
    request: web.Request,
    central: Central,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json: Any = None,
    params: Any = None,
) -> PodResponse:
    """The gateway's own call to `central` for a request, as the user (or `token`)."""
    return await central.call(
        services_of(request).http,
        method,
        path,
        token=token or context_of(request).token or "",
        request_id=request[REQUEST_ID],
        json=json,
        params=params,
    )
