"""A server's interfaces (os-interface) with a central Neutron: central ports, always.

The pod's Nova knows its own copies; the client knows the central ports. Attaching
makes (or checks) the central port and the pod's copy first, as a boot does; detaching
names the copy to the pod and frees the central port by job once the pod unplugged it;
every answer names the central port, network and subnets.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.gateway.compute.server_networks import (
    bottom_networks,
    bound,
    release,
    release_later,
    requested_ports,
)
from tricircle.gateway.network import neutrons_of
from tricircle.kit.calls import call_pod, relay
from tricircle.kit.routed import RoutedResource, ensure_up, find_route
from tricircle.network.bottom import NETWORK, PORT, SUBNET
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import bad_request
from tricircle.web.http import read_json
from tricircle.web.services import services_of


async def interfaces(
    request: web.Request, servers: RoutedResource, server_id: str, tail: str
) -> web.Response | None:
    """The os-interface call answered here, or None for the usual forwarding (no central
    Neutron, or a call the pod answers alone)."""
    if neutrons_of(request) is None or tail.split("/")[0] != "os-interface":
        return None
    segments = tail.split("/")
    _, pod = await find_route(request, servers, server_id)
    base = f"/servers/{server_id}/os-interface"
    if request.method == "GET":
        path = base if len(segments) == 1 else f"{base}/{await _bottom(pod, request, segments[1])}"
        answer = await call_pod(request, pod, "GET", path)
    elif request.method == "POST" and len(segments) == 1:
        ensure_up(services_of(request), pod)
        return await _attach(request, pod, server_id, base)
    elif request.method == "DELETE" and len(segments) == 2:
        ensure_up(services_of(request), pod)
        port_id = segments[1]
        answer = await call_pod(
            request, pod, "DELETE", f"{base}/{await _bottom(pod, request, port_id)}"
        )
        if answer.status == 202:
            await release_later(request, server_id, [port_id])
    else:
        return None
    return await _central_view(request, pod, answer)


async def _bottom(pod: PodInfo, request: web.Request, port_id: str) -> str:
    """The pod's copy of a central port (an unknown id goes as is: the pod says 404)."""
    entry = await services_of(request).routing.in_pod(PORT, port_id, pod.id)
    return entry.bottom_id if entry is not None and entry.bottom_id else port_id


async def _attach(request: web.Request, pod: PodInfo, server_id: str, base: str) -> web.Response:
    body = await read_json(request)
    wanted = body.get("interfaceAttachment") if isinstance(body, dict) else None
    if not isinstance(wanted, dict):
        raise bad_request("Invalid input for field/attribute interfaceAttachment.")
    network: dict[str, Any] = {"tag": wanted.get("tag")}
    fixed = wanted.get("fixed_ips")
    if wanted.get("port_id"):
        network["port"] = wanted["port_id"]
    elif wanted.get("net_id"):
        network["uuid"] = wanted["net_id"]
        if isinstance(fixed, list) and fixed and isinstance(fixed[0], dict):
            network["fixed_ip"] = fixed[0].get("ip_address")
    elif fixed:
        raise bad_request("Must input network_id when request IP address")
    # neither: Nova's choice, the project's one network
    ports = await requested_ports(request, {"networks": [network] if len(network) > 1 else "auto"})
    if ports is None:
        raise bad_request("No network to attach the interface to.")
    try:
        [bottom] = await bottom_networks(request, pod, ports)
        sent = {"port_id": bottom["port"], **({"tag": wanted["tag"]} if wanted.get("tag") else {})}
        answer = await call_pod(request, pod, "POST", base, json={"interfaceAttachment": sent})
    except BaseException:
        await release(request, ports)
        raise
    if not answer.ok:
        await release(request, ports)
    else:
        await bound(request, pod, server_id, ports)
    return await _central_view(request, pod, answer)


async def _central_view(request: web.Request, pod: PodInfo, answer: PodResponse) -> web.Response:
    """The pod's answer with its copies' ids replaced by the central ones."""
    body = answer.json() if answer.ok else None
    if not isinstance(body, dict):
        return relay(request, pod, answer)
    attachments = body.get("interfaceAttachments") or [body.get("interfaceAttachment") or {}]
    routing = services_of(request).routing

    async def central(kind: str, ids: list[str]) -> dict[str, str]:
        return await routing.tops_by_bottom(kind, pod.id, [i for i in ids if i])

    ports = await central(PORT, [a.get("port_id", "") for a in attachments])
    nets = await central(NETWORK, [a.get("net_id", "") for a in attachments])
    subnets = await central(
        SUBNET, [f.get("subnet_id", "") for a in attachments for f in a.get("fixed_ips", [])]
    )
    for attachment in attachments:
        if attachment.get("port_id") in ports:
            attachment["port_id"] = ports[attachment["port_id"]]
        if attachment.get("net_id") in nets:
            attachment["net_id"] = nets[attachment["net_id"]]
        for fixed in attachment.get("fixed_ips", []):
            fixed["subnet_id"] = subnets.get(fixed.get("subnet_id"), fixed.get("subnet_id"))
    return web.json_response(body, status=answer.status)
