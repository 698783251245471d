"""A boot on tenant networks: central ports first, then their copies in the server's pod.

The central Neutron owns the tenant's networks and addresses. Before a boot goes to pod
P, each requested network gets a central port (made as the user, so the central Neutron
validates and counts it, as it would for Nova), P gets copies of what that port needs
(network, subnets, security groups, the port itself with the central address and MAC),
and the pod's Nova is given the bottom ports. Nothing is left behind when the boot
cannot go on: the central ports made for it are deleted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tricircle.gateway.network import neutrons_of
from tricircle.jobs.queue import enqueue
from tricircle.kit.calls import version_of
from tricircle.kit.central import call_central
from tricircle.kit.microversions import Version
from tricircle.network.bottom import PORT, Bottom, CannotSpan
from tricircle.network.neutrons import NeutronRefused, Neutrons
from tricircle.network.routers import INTERFACE, ROUTER
from tricircle.network.sync import MADE_FOR_SERVER, RELEASE, request_members, request_sync
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request, conflict
from tricircle.web.services import context_of, services_of

LOG = logging.getLogger(__name__)
_NETWORKS_REQUIRED = Version(2, 37)  # from here Nova wants `networks`, "auto" or "none"


@dataclass
class BootPorts:
    """The central ports of one boot, and those of them the gateway made."""

    central: list[dict[str, Any]] = field(default_factory=list)
    made: list[str] = field(default_factory=list)
    tags: list[str | None] = field(default_factory=list)


async def requested_ports(request: web.Request, server: dict[str, Any]) -> BootPorts | None:
    """The central ports a boot asks for, made where it names a network; None when the
    deployment has no central Neutron or the boot asks for no network."""
    neutrons = neutrons_of(request)
    if neutrons is None:
        return None
    networks = server.get("networks")
    if networks is None and version_of(request) >= _NETWORKS_REQUIRED:
        return None  # the pod's Nova answers with its own 400
    if networks == "none":
        return None
    if networks in (None, "auto"):
        network_id = await _the_one_network(request, neutrons, allocate=networks == "auto")
        if network_id is None:
            return None
        networks = [{"uuid": network_id}]
    if not isinstance(networks, list):
        return None  # the pod's Nova answers with its own 400
    groups = await _security_groups(request, neutrons, server.get("security_groups"))
    ports = BootPorts()
    try:
        for wanted in networks:
            if not isinstance(wanted, dict):
                raise bad_request("Bad networks format")
            ports.tags.append(wanted.get("tag"))
            if wanted.get("port"):
                ports.central.append(await _free_port(request, neutrons, str(wanted["port"])))
            elif wanted.get("uuid"):
                port = await _new_port(request, neutrons, wanted, groups)
                ports.made.append(port["id"])
                ports.central.append(port)
            else:
                raise bad_request("Bad networks format: network uuid is not in proper format")
    except BaseException:
        await release(request, ports)
        raise
    return ports


async def bottom_networks(request: web.Request, pod: PodInfo, ports: BootPorts) -> list[dict]:
    """`networks` for the pod's Nova: the pod's copies of the boot's ports."""
    neutrons = neutrons_of(request)
    assert neutrons is not None
    bottom = Bottom(neutrons)
    sent = []
    for port, tag in zip(ports.central, ports.tags, strict=True):
        try:
            bottom_id = await bottom.port(pod, port)
        except CannotSpan as exc:
            raise bad_request(str(exc)) from None
        except NeutronRefused as exc:
            LOG.warning("%s", exc)
            raise PodUnavailable(pod, "could not take a copy of the port", sent=False) from None
        sent.append({"port": bottom_id, **({"tag": tag} if tag else {})})
    return sent


async def bound(request: web.Request, pod: PodInfo, server_id: str, ports: BootPorts) -> None:
    """The central ports show where they are plugged: the server, its AZ, its pod."""
    neutrons = neutrons_of(request)
    assert neutrons is not None
    binding = {
        "device_id": server_id,
        "device_owner": f"compute:{pod.az_name}",
        "binding:host_id": pod.name,
    }
    groups: set[str] = set()
    for port in ports.central:
        answer = await neutrons.central_call(
            "PUT", f"/v2.0/ports/{port['id']}", json={"port": binding}
        )
        if not answer.ok:
            LOG.warning("central port %s not bound to %s: %s", port["id"], server_id, answer.status)
        groups.update(port.get("security_groups", []))
    db = services_of(request).db
    for group in groups:  # a new member: remote-group rules admit its address
        await request_members(db, group)
    # the routers of its networks may now reach one more pod
    for network_id in {port["network_id"] for port in ports.central}:
        interfaces = await neutrons.central_list(
            "ports", {"network_id": network_id, "device_owner": INTERFACE, "fields": "device_id"}
        )
        for router_id in {p["device_id"] for p in interfaces}:
            await request_sync(db, ROUTER, router_id, context_of(request).project_id)


async def release(request: web.Request, ports: BootPorts) -> None:
    """The central ports made for a boot that did not happen, deleted again."""
    neutrons = neutrons_of(request)
    assert neutrons is not None
    for port_id in ports.made:
        try:
            await neutrons.central_call("DELETE", f"/v2.0/ports/{port_id}")
        except Exception:
            LOG.exception("could not delete central port %s of a failed boot", port_id)


async def _the_one_network(
    request: web.Request, neutrons: Neutrons, *, allocate: bool
) -> str | None:
    """Nova's choice when none is named: the project's only network; with "auto" and none,
    Neutron's auto-allocated one."""
    answer = await call_central(
        request, neutrons.central, "GET", "/v2.0/networks", params={"router:external": "False"}
    )
    networks = answer.json().get("networks", []) if answer.ok else []
    if len(networks) > 1:
        raise conflict("Multiple possible networks found, use a Network ID to be more specific.")
    if networks:
        return networks[0]["id"]
    if not allocate:
        return None
    project_id = context_of(request).project_id
    answer = await call_central(
        request, neutrons.central, "GET", f"/v2.0/auto-allocated-topology/{project_id}"
    )
    if not answer.ok:
        raise bad_request(f"Unable to automatically allocate a network for project {project_id}")
    return answer.json()["auto_allocated_topology"]["id"]


async def _security_groups(request: web.Request, neutrons: Neutrons, wanted: Any) -> list[str]:
    """The central ids of the groups a boot names (by name or id), as Nova resolves them."""
    if not isinstance(wanted, list) or not wanted:
        return []
    project_id = context_of(request).project_id
    ids = []
    for item in wanted:
        ref = item.get("name") if isinstance(item, dict) else None
        if not isinstance(ref, str) or not ref:
            raise bad_request("Invalid input for field/attribute security_groups.")
        found = []
        for key in ("id", "name"):
            answer = await call_central(
                request,
                neutrons.central,
                "GET",
                "/v2.0/security-groups",
                params={key: ref, "project_id": project_id, "fields": "id"},
            )
            found = answer.json().get("security_groups", []) if answer.ok else []
            if found:
                break
        if not found:
            raise bad_request(f"Security group {ref} not found for project {project_id}.")
        if len(found) > 1:
            raise conflict(
                f"Multiple security groups found matching '{ref}'. Use an ID to be more specific."
            )
        ids.append(found[0]["id"])
    return ids


async def _free_port(request: web.Request, neutrons: Neutrons, port_id: str) -> dict[str, Any]:
    answer = await call_central(request, neutrons.central, "GET", f"/v2.0/ports/{port_id}")
    if answer.status == 404:
        raise bad_request(f"Port id {port_id} could not be found.")
    if not answer.ok:
        raise ApiError(503, "The network service is unavailable.")
    port = answer.json()["port"]
    if port.get("device_id"):
        raise conflict(f"Port {port_id} is still in use.")
    return port


async def _new_port(
    request: web.Request, neutrons: Neutrons, wanted: dict[str, Any], groups: list[str]
) -> dict[str, Any]:
    network_id = str(wanted["uuid"])
    body: dict[str, Any] = {"network_id": network_id}
    if wanted.get("fixed_ip"):
        body["fixed_ips"] = [{"ip_address": wanted["fixed_ip"]}]
    if groups:
        body["security_groups"] = groups
    answer = await call_central(
        request, neutrons.central, "POST", "/v2.0/ports", json={"port": body}
    )
    if answer.status == 404:
        raise bad_request(f"Network {network_id} could not be found.")
    if not answer.ok:
        raise _nova_error(answer.status, answer.json())
    port = answer.json()["port"]
    tagged = await neutrons.central_call("PUT", f"/v2.0/ports/{port['id']}/tags/{MADE_FOR_SERVER}")
    if not tagged.ok:
        LOG.warning("central port %s not tagged as made for a server", port["id"])
    return port


def _nova_error(status: int, body: Any) -> ApiError:
    """The central Neutron's refusal as Nova words it: over quota 403, the rest 400."""
    error = (body or {}).get("NeutronError", {}) if isinstance(body, dict) else {}
    message = error.get("message") or "The network refused the port."
    if error.get("type") == "OverQuota":
        return ApiError(403, f"Maximum number of ports exceeded: {message}")
    if status >= 500:
        return ApiError(503, "The network service is unavailable.")
    return bad_request(message)


async def plugged_ports(request: web.Request, server_id: str) -> list[str] | None:
    """The central ports a server is plugged into (None without a central Neutron)."""
    neutrons = neutrons_of(request)
    if neutrons is None:
        return None
    ports = await neutrons.central_list("ports", {"device_id": server_id, "fields": "id"})
    return [p["id"] for p in ports]


async def release_later(request: web.Request, server_id: str, ports: list[str]) -> None:
    """Ports the server lets go of (deleted, or detached) are freed by job once its pod's
    Nova unplugged them (tricircle.network.sync)."""
    project_id = context_of(request).project_id
    async with services_of(request).db.session.begin() as session:
        for port_id in ports:
            payload = {"server_id": server_id}
            await enqueue(session, RELEASE, PORT, port_id, project_id=project_id, payload=payload)
